"""Decoding paths side by side on the same held-out clips: any mel sources through any decoders.

A *mel source* maps a clip's normalised log-mel to the mel that gets heard: ``true_mel`` (the
identity: a decoder's ceiling), a VAE's reconstruction from its posterior mean, PCA's at some size.
A *decoder* turns mels into audio (a vocoder, Griffin-Lim). Path ``<source>/<decoder>`` gets the
waveform metrics of :func:`genre_base.metrics.compare` (``log_mel_l1`` is the heard log-mel L1) and,
with the independent judge, its agreement with the original and the Fréchet audio distance from the
real training clips. Named pairs of paths are compared clip by clip: paired differences and paired
FAD ratios with 95 % intervals over tracks (clips of one track are resampled together).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
import torch
from tqdm import tqdm

from genre_base import metrics as M
from genre_base.clips import DatasetError, PreparedDataset
from genre_base.independent.cache import split_embeddings
from genre_base.independent.collect import ORIGINAL, ReconstructionScores
from genre_base.independent.judge import IndependentJudge
from genre_base.independent.measures import FAD_LAYER
from genre_base.intervals import Interval
from genre_base.mel import MelFrontend
from genre_base.stats import N_BOOT, bootstrap_mean_ci

from .evaluate import fad_rows, format_ci, paired_differences

MelSource = Callable[[torch.Tensor], torch.Tensor]  # mel (B, n_mels, T) -> mel (B, n_mels, T)
Decoder = Callable[[torch.Tensor, int], torch.Tensor]  # (mel, num_samples) -> wave (B, num_samples)
SHOWN = (
    "log_mel_l1",
    "mr_stft",
    "onset_corr",
    "chroma4096_corr",
    "yardstick_db",
    "yardstick_onset_corr",
    "ind_agreement",
)


def held_out_rows(data: PreparedDataset, split: str, max_clips: int | None) -> np.ndarray:
    """The clips of ``split`` (a seeded subset of ``max_clips`` when there are more)."""
    rows = data.indices(split)
    if len(rows) == 0:
        raise DatasetError(f"split {split!r} of {str(data.path)!r} has no clips to evaluate")
    if max_clips is not None and len(rows) > max_clips:
        rows = np.sort(np.random.default_rng(0).choice(rows, max_clips, replace=False))
    return rows


@torch.no_grad()
def score_paths(
    sources: dict[str, MelSource],
    decoders: dict[str, Decoder],
    frontend: MelFrontend,
    data: PreparedDataset,
    split: str = "valid",
    *,
    independent: IndependentJudge | None = None,
    pairs: list[tuple[str, str]] = (),
    max_clips: int | None = None,
    batch: int = 8,
    n_boot: int = N_BOOT,
    progress: bool = True,
    device: torch.device | str = "cpu",
) -> dict:
    """Score every ``<source>/<decoder>`` path on ``split``; ``pairs`` of path names are compared clip
    by clip. Returns ``{"summary", "clips", "mel_sources", "decoders", ...}``."""
    known = {f"{s}/{d}" for s in sources for d in decoders}
    unknown = [p for pair in pairs for p in pair if p not in known]
    if unknown:
        raise ValueError(f"compared path {unknown[0]!r} is not one of {sorted(known)}")
    rows = held_out_rows(data, split, max_clips)
    per_clip: dict[str, list[float]] = defaultdict(list)
    scores = ReconstructionScores(independent) if independent is not None else None
    for i in tqdm(range(0, len(rows), batch), desc=f"paths on {split}", disable=not progress):
        waves = data.waves(rows[i : i + batch]).to(device)
        mel = frontend(waves)
        if scores is not None:
            scores.add(ORIGINAL, waves, data.sample_rate)
        for source, reconstruct in sources.items():
            heard = reconstruct(mel)
            for name, decoder in decoders.items():
                out = decoder(heard, waves.shape[-1])
                for metric, values in M.compare(frontend, waves, out).items():
                    per_clip[f"{source}/{name}/{metric}"] += values.tolist()
                if scores is not None:
                    scores.add(f"{source}/{name}", out, data.sample_rate)
    if scores is not None:
        per_clip.update(scores.per_clip())
    tracks = data.track_ids[rows].tolist()
    summary = {key: Interval(*bootstrap_mean_ci(values, tracks, n_boot)).to_json() for key, values in per_clip.items()}
    summary["differences"] = paired_differences(per_clip, tracks, n_boot, pairs)
    if scores is not None:
        train = split_embeddings(data, independent.embedding, "train", progress=progress)
        train_rows = data.indices("train")
        summary.update(
            scores.summary(
                data.genres[rows],
                np.asarray(tracks),
                train[FAD_LAYER],
                data.genres[train_rows],
                data.track_ids[train_rows],
                n_boot=n_boot,
                pairs=list(pairs),
            )
        )
    return {
        "split": split,
        "num_clips": len(rows),
        "num_tracks": len(set(tracks)),
        "mel_sources": list(sources),
        "decoders": list(decoders),
        "summary": summary,
        "clips": {"track_id": tracks, **per_clip},
    }


def format_paths_table(result: dict) -> str:
    """Markdown: one row per path (mean [95 % CI over tracks]), then FAD and the paired comparisons."""
    s = result["summary"]
    names = [n for n in SHOWN if any(k.endswith("/" + n) for k in s)]
    lines = [
        f"{result['split']} split: {result['num_clips']} clips of {result['num_tracks']} tracks; "
        "mean [95 % CI over tracks]",
        "",
        "| mel | decoder | " + " | ".join(names) + " |",
        "|---|---" + "|---" * len(names) + "|",
    ]
    for source in result["mel_sources"]:
        for decoder in result["decoders"]:
            cells = [format_ci(s.get(f"{source}/{decoder}/{n}")) for n in names]
            lines.append(f"| {source} | {decoder} | " + " | ".join(cells) + " |")
    fad = s.get("fad", {}).get("sets")
    if fad:
        n = Interval.from_json(fad[ORIGINAL]["fad"]).n
        lines += [
            "",
            f"Fréchet audio distance from {n[1]} real train clips, {n[0]} clips each (musicnn "
            f"{s['fad']['layer']}; ratio to the originals' own, paired over tracks):",
            "",
            "| clips | FAD | ratio to originals |",
            "|---|---|---|",
        ]
        lines += fad_rows(fad)
        paired = [(a, b, r) for a, v in fad.items() for b, r in v.get("paired_ratios", {}).items()]
        if paired:
            lines += [
                "",
                "FAD ratios on the same clips and the same resampled tracks (a / b [95 % CI]; an interval "
                "that excludes 1 is a difference):",
                "",
                "| a | b | FAD(a) / FAD(b) |",
                "|---|---|---|",
            ]
            lines += [f"| {a} | {b} | {Interval.from_json(r).text(2)} |" for a, b, r in paired]
    diffs = [(k, v) for k, v in s["differences"].items() if k.rsplit("/", 1)[1] in SHOWN]
    if diffs:
        lines += [
            "",
            "Paired differences on the same clips (a - b, mean [95 % CI over tracks]; an interval that "
            "excludes 0 is a difference; lower is better for log_mel_l1 and mr_stft):",
            "",
            "| a - b | metric | difference |",
            "|---|---|---|",
        ]
        lines += [f"| {k.rsplit('/', 1)[0]} | {k.rsplit('/', 1)[1]} | {format_ci(v)} |" for k, v in diffs]
    return "\n".join(lines)
