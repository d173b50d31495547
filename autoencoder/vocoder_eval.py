"""Vocoders side by side on held-out clips: each against Griffin-Lim, on true mels and on VAE-decoded mels.

Paths are named ``<mel>/<decoder>``: ``true_mel/<name>`` decodes the clip's own mel (the decoder's
ceiling), ``vae/<name>`` the mel a VAE decodes from the clip's posterior mean (what stage one
actually hears); ``griffin_lim`` (32 iterations) is always one of the decoders. Every path gets the
waveform metrics of :func:`autoencoder.metrics.compare` (``log_mel_l1`` is the heard log-mel L1)
and, with the independent judge, its agreement with the original and the Fréchet audio distance from
the real training clips. Every vocoder is compared with Griffin-Lim, and with a baseline vocoder when
one is named, clip by clip: paired differences with 95 % intervals over tracks.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch
from tqdm import tqdm

from . import metrics as M
from .clips import DatasetError, PreparedDataset
from .device import module_device
from .evaluate import fad_rows, format_ci, paired_differences
from .griffin_lim import GriffinLim
from .independent.cache import split_embeddings
from .independent.collect import ORIGINAL, ReconstructionScores
from .independent.judge import IndependentJudge
from .independent.measures import FAD_LAYER
from .mel import MelFrontend
from .stats import N_BOOT, bootstrap_mean_ci
from .vae import MelVAE
from .vocoder import Vocoder

GRIFFIN_LIM = "griffin_lim"
SHOWN = ("log_mel_l1", "mr_stft", "onset_corr", "chroma_corr", "ind_agreement")


@torch.no_grad()
def evaluate_vocoders(vocoders: dict[str, Vocoder], frontend: MelFrontend, data: PreparedDataset, split: str = "valid",
                      vae: MelVAE | None = None, independent: IndependentJudge | None = None,
                      baseline: str | None = None, max_clips: int | None = None, batch: int = 8,
                      n_boot: int = N_BOOT, progress: bool = True, compare: list[tuple[str, str]] = ()) -> dict:
    """Score every vocoder and Griffin-Lim on ``split``; returns ``{"summary", "clips", ...}``.

    ``baseline``: the name of one of ``vocoders`` that the others are also compared with;
    ``compare``: more ``(a, b)`` pairs of vocoder names compared clip by clip.
    """
    if baseline is not None and baseline not in vocoders:
        raise ValueError(f"baseline {baseline!r} is not one of the vocoders {sorted(vocoders)}")
    unknown = [name for pair in compare for name in pair if name not in vocoders]
    if unknown:
        raise ValueError(f"compared vocoder {unknown[0]!r} is not one of {sorted(vocoders)}")
    rows = data.indices(split)
    if len(rows) == 0:
        raise DatasetError(f"split {split!r} of {str(data.path)!r} has no clips to evaluate")
    if max_clips is not None and len(rows) > max_clips:
        rows = np.sort(np.random.default_rng(0).choice(rows, max_clips, replace=False))
    device = module_device(frontend)
    decoders = {**vocoders, GRIFFIN_LIM: GriffinLim(frontend).to(device)}
    per_clip: dict[str, list[float]] = defaultdict(list)
    scores = ReconstructionScores(independent) if independent is not None else None
    for i in tqdm(range(0, len(rows), batch), desc=f"vocoders on {split}", disable=not progress):
        waves = data.waves(rows[i:i + batch]).to(device)
        mels = {"true_mel": frontend(waves)}
        if vae is not None:
            mels["vae"] = vae.decode(vae.encode(mels["true_mel"]).mean)
        if scores is not None:
            scores.add(ORIGINAL, waves, data.sample_rate)
        for source, mel in mels.items():
            for name, decoder in decoders.items():
                out = decoder(mel, waves.shape[-1])
                for metric, values in M.compare(frontend, waves, out).items():
                    per_clip[f"{source}/{name}/{metric}"] += values.tolist()
                if scores is not None:
                    scores.add(f"{source}/{name}", out, data.sample_rate)
    if scores is not None:
        per_clip.update(scores.per_clip())
    tracks = data.track_ids[rows].tolist()
    summary = {key: dict(zip(("mean", "ci_low", "ci_high"), bootstrap_mean_ci(values, tracks, n_boot)))
               for key, values in per_clip.items()}
    named = [(v, other) for v in vocoders for other in (GRIFFIN_LIM, baseline) if other is not None and other != v]
    pairs = [(f"{s}/{a}", f"{s}/{b}") for s in mels for a, b in [*named, *compare]]
    summary["differences"] = paired_differences(per_clip, tracks, n_boot, pairs)
    if scores is not None:
        train = split_embeddings(data, independent.embedding, "train", progress=progress)
        train_rows = data.indices("train")
        summary.update(scores.summary(data.genres[rows], np.asarray(tracks), train[FAD_LAYER],
                                      data.genres[train_rows], data.track_ids[train_rows], n_boot=n_boot,
                                      pairs=pairs))
    return {"split": split, "num_clips": len(rows), "num_tracks": len(set(tracks)), "vocoders": sorted(vocoders),
            "baseline": baseline, "mel_sources": list(mels), "summary": summary,
            "clips": {"track_id": tracks, **per_clip}}


def format_vocoder_table(result: dict) -> str:
    """Markdown: one row per path (mean [95 % CI over tracks]), then FAD and the paired differences."""
    s = result["summary"]
    names = [n for n in SHOWN if any(k.endswith("/" + n) for k in s)]
    lines = [f"{result['split']} split: {result['num_clips']} clips of {result['num_tracks']} tracks; "
             "mean [95 % CI over tracks]", "", "| mel | decoder | " + " | ".join(names) + " |",
             "|---|---" + "|---" * len(names) + "|"]
    for source in result["mel_sources"]:
        for decoder in [*result["vocoders"], GRIFFIN_LIM]:
            cells = [format_ci(s.get(f"{source}/{decoder}/{n}")) for n in names]
            lines.append(f"| {source} | {decoder} | " + " | ".join(cells) + " |")
    fad = s.get("fad", {}).get("sets")
    if fad:
        n = fad[ORIGINAL]["n"]
        lines += ["", f"Fréchet audio distance from {n[1]} real train clips, {n[0]} clips each (musicnn "
                      f"{s['fad']['layer']}; ratio to the originals' own, paired over tracks):", "",
                  "| clips | FAD | ratio to originals |", "|---|---|---|"]
        lines += fad_rows(fad)
        paired = [(a, b, r) for a, v in fad.items() for b, r in v.get("paired_ratios", {}).items()]
        if paired:
            lines += ["", "FAD ratios on the same clips and the same resampled tracks (a / b [95 % CI]; an interval "
                          "that excludes 1 is a difference):", "", "| a | b | FAD(a) / FAD(b) |", "|---|---|---|"]
            lines += [f"| {a} | {b} | {r['ratio']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}] |" for a, b, r in paired]
    diffs = [(k, v) for k, v in s["differences"].items() if k.rsplit("/", 1)[1] in SHOWN]
    if diffs:
        lines += ["", "Paired differences on the same clips (a - b, mean [95 % CI over tracks]; an interval that "
                      "excludes 0 is a difference; lower is better for log_mel_l1 and mr_stft):", "",
                  "| a - b | metric | difference |", "|---|---|---|"]
        lines += [f"| {k.rsplit('/', 1)[0]} | {k.rsplit('/', 1)[1]} | {format_ci(v)} |" for k, v in diffs]
    return "\n".join(lines)

