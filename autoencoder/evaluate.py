"""Stage-one evaluation on held-out clips: the VAE beside PCA, the vocoder beside Griffin-Lim.

Decoding paths, all scored against the original clip:

* ``vocoder_true_mel`` / ``griffin_lim_true_mel``: the ceiling of each decoder (no latent at all);
* ``vae_vocoder`` / ``vae_griffin_lim``: the VAE's posterior mean decoded, then turned into audio;
* ``pca_vocoder``: PCA of the flattened log-mels at the same size D, same vocoder; fitted on the train
  split, plus any extra training music the VAE was trained on (``pca_extras``: the same training audio).

With the independent judge (:mod:`genre_base.independent`): its agreement and KL divergence between
each path and the original, its balanced accuracy on each path, and the Fréchet audio distance of
each path from the real training clips (matched genre mix) beside the originals' own (the floor).
Differences between paths on the same clips (VAE - PCA, vocoder - Griffin-Lim) get paired intervals.

Besides the waveform metrics (:mod:`genre_base.metrics`), ``mel_l1`` is the distance of the
decoded mel itself (before any vocoder) for the VAE and PCA: the rate-distortion figure.
Every mean comes with a 95 % bootstrap interval over tracks.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score
from tqdm import tqdm

from genre_base import metrics as M
from genre_base.artifacts import command_line
from genre_base.clips import DatasetError, PreparedDataset
from genre_base.independent.cache import split_embeddings
from genre_base.independent.collect import ORIGINAL, ReconstructionScores
from genre_base.independent.judge import IndependentJudge
from genre_base.independent.measures import FAD_LAYER
from genre_base.intervals import Interval
from genre_base.judge import Judge
from genre_base.stats import N_BOOT, bootstrap_ci, bootstrap_mean_ci

from .codec import StageOne
from .pca import MelPCA, training_mels


def evaluate_stage_one(
    codec: StageOne,
    data: PreparedDataset,
    split: str = "test",
    max_clips: int | None = None,
    batch: int = 8,
    progress: bool = True,
    judge: Judge | None = None,
    independent: IndependentJudge | None = None,
    n_boot: int = N_BOOT,
    pca_extras: Sequence[PreparedDataset] = (),
    pca_fit: MelPCA | None = None,
) -> dict:
    """Per-clip metrics of every path on ``split``; returns ``{"clips": {...}, "summary": {...}}``.

    ``pca_extras``: extra training music PCA is fitted on beside the train split (as the VAE was);
    ``pca_fit``: a PCA already fitted that way at a size at least the VAE's (a sweep fits one for all sizes).

    With a ``judge``, also its agreement between each reconstruction and its original
    (``<path>/judge_agreement``, 0 or 1 per clip) and its balanced accuracy on every path against
    the true genres (``judge_balanced_accuracy``), beside its own on the originals. With the
    ``independent`` judge, the measures listed in the module docstring.
    """
    rows = data.indices(split)
    if len(rows) == 0:
        raise DatasetError(f"split {split!r} of {str(data.path)!r} has no clips to evaluate")
    if max_clips is not None and len(rows) > max_clips:
        rows = np.sort(np.random.default_rng(0).choice(rows, max_clips, replace=False))
    if pca_fit is not None:  # fitted once (on train plus pca_extras) at a size at least this one
        pca = pca_fit.truncated(codec.latent_size).to(codec.device) if codec.latent_size <= pca_fit.dim else None
    else:
        try:
            pca = MelPCA.fit(training_mels(codec.frontend, data, pca_extras), codec.latent_size)
        except ValueError:
            pca = None  # D >= number of training clips: reported as not applicable
    fe = codec.frontend
    per_clip: dict[str, list[float]] = defaultdict(list)
    predictions: dict[str, list[int]] = defaultdict(list)
    scores = ReconstructionScores(independent) if independent is not None else None
    for i in tqdm(range(0, len(rows), batch), desc=f"evaluating {split}", disable=not progress):
        waves = data.waves(rows[i : i + batch]).to(codec.device)
        with torch.no_grad():
            mel = fe(waves)
            vae_mel = codec.vae.decode(codec.vae.encode(mel).mean)
            paths = {
                "vae_vocoder": codec.mel_to_wave(vae_mel),
                "vae_griffin_lim": codec.mel_to_wave(vae_mel, True),
                "vocoder_true_mel": codec.mel_to_wave(mel),
                "griffin_lim_true_mel": codec.mel_to_wave(mel, True),
            }
            per_clip["vae_mel_l1"] += (vae_mel - mel).abs().mean(dim=(1, 2)).tolist()
            if pca is not None:
                pca_mel = pca.reconstruct(mel)
                per_clip["pca_mel_l1"] += (pca_mel - mel).abs().mean(dim=(1, 2)).tolist()
                paths["pca_vocoder"] = codec.mel_to_wave(pca_mel)
            for path, out in paths.items():
                for name, values in M.compare(fe, waves, out).items():
                    per_clip[f"{path}/{name}"] += values.tolist()
            if judge is not None:
                original = judge.predict(waves)
                predictions["original"] += original.tolist()
                for path, out in paths.items():
                    guess = judge.predict(out)
                    predictions[path] += guess.tolist()
                    per_clip[f"{path}/judge_agreement"] += (guess == original).float().tolist()
            if scores is not None:
                scores.add(ORIGINAL, waves, codec.sample_rate)
                for path, out in paths.items():
                    scores.add(path, out, codec.sample_rate)
    if scores is not None:
        per_clip.update(scores.per_clip())
    tracks = data.track_ids[rows].tolist()
    summary = {key: Interval(*bootstrap_mean_ci(values, tracks, n_boot)).to_json() for key, values in per_clip.items()}
    if pca is not None:
        # The ratio of the two means, and its interval from the same statistic over resampled tracks.
        vae, base = np.array(per_clip["vae_mel_l1"]), np.array(per_clip["pca_mel_l1"])
        lo, hi = bootstrap_ci(lambda idx: vae[idx].mean() / base[idx].mean(), tracks, n_boot)
        summary["vae_over_pca_mel_l1"] = Interval(float(vae.mean() / base.mean()), lo, hi).to_json()
    if judge is not None:
        truth = [judge.genres.index(g) if g in judge.genres else -1 for g in data.genres[rows]]
        with warnings.catch_warnings():  # a subset of clips may miss genres the judge predicts: expected
            warnings.simplefilter("ignore", UserWarning)
            summary["judge_balanced_accuracy"] = {
                path: float(balanced_accuracy_score(truth, guess)) for path, guess in predictions.items()
            }
        summary["judge_test_scores"] = {k: v for k, v in judge.metrics.items() if k.startswith("test_")}
    summary["differences"] = paired_differences(per_clip, tracks, n_boot)
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
            )
        )
    return {
        "split": split,
        "num_clips": len(rows),
        "num_tracks": len(set(tracks)),
        "latent_size": codec.latent_size,
        "pca_applicable": pca is not None,
        "pca_training_clips": sum(len(d.indices("train")) for d in (data, *pca_extras)),
        "summary": summary,
        "clips": {"track_id": tracks, **per_clip},
    }


PAIRS = (
    ("vae_vocoder", "pca_vocoder"),
    ("vocoder_true_mel", "griffin_lim_true_mel"),
    ("vae_vocoder", "vae_griffin_lim"),
)


def paired_differences(per_clip: dict[str, list[float]], tracks: list, n_boot: int = N_BOOT, pairs=PAIRS) -> dict:
    """Mean per-clip difference ``a - b`` of every metric for the path ``pairs`` (default :data:`PAIRS`),
    with an interval over tracks: paths scored on the same clips are compared clip by clip."""
    out = {}
    for a, b in pairs:
        for key in [k for k in per_clip if k.startswith(a + "/")]:
            other = b + key[len(a) :]
            if other in per_clip:
                diff = np.asarray(per_clip[key]) - np.asarray(per_clip[other])
                out[f"{a}-{b}/{key[len(a) + 1 :]}"] = Interval(*bootstrap_mean_ci(diff, tracks, n_boot)).to_json()
    return out


def format_table(result: dict) -> str:
    """A markdown table: one row per decoding path, one column per metric (mean [95 % CI])."""
    s = result["summary"]
    paths = ["vae_vocoder", "vae_griffin_lim", "pca_vocoder", "vocoder_true_mel", "griffin_lim_true_mel"]
    names = [
        "log_mel_l1",
        "mr_stft",
        "spectral_convergence",
        "onset_corr",
        "chroma4096_corr",
        "centroid_corr",
        "si_sdr",
    ]
    names += [n for n in ("judge_agreement", "ind_agreement", "ind_kl") if f"vae_vocoder/{n}" in s]
    lines = [
        f"D = {result['latent_size']}, {result['split']} split: {result['num_clips']} clips of "
        f"{result['num_tracks']} tracks; mean [95 % CI over tracks]",
        "",
        "| path | decoded-mel L1 | " + " | ".join(f"heard {n}" for n in names) + " |",
        "|---" * (len(names) + 2) + "|",
    ]
    for path in paths:
        if f"{path}/log_mel_l1" not in s:
            continue
        mel_key = {"vae_vocoder": "vae_mel_l1", "pca_vocoder": "pca_mel_l1"}.get(path)
        cells = [format_ci(s[mel_key]) if mel_key else "-"] + [format_ci(s[f"{path}/{n}"]) for n in names]
        lines.append(f"| {path} | " + " | ".join(cells) + " |")
    if "vae_over_pca_mel_l1" in s:
        lines += ["", f"VAE / PCA decoded-mel L1: {format_ci(s['vae_over_pca_mel_l1'])}"]
    if "judge_balanced_accuracy" in s:
        scores = ", ".join(f"{k} {v:.3f}" for k, v in s["judge_balanced_accuracy"].items())
        real = s["judge_test_scores"]
        lines += [
            "",
            f"judge balanced accuracy against true genres: {scores} (judge on real test clips: balanced "
            f"accuracy {real.get('test_balanced_accuracy', float('nan')):.3f}, Cohen's kappa "
            f"{real.get('test_cohen_kappa', float('nan')):.3f}; chance {real.get('test_chance_balanced_accuracy', float('nan')):.3f})",
        ]
    return "\n".join(lines + _independent_lines(s) + _difference_lines(s))


def _independent_lines(s: dict) -> list[str]:
    lines = []
    fad = s.get("fad", {}).get("sets")
    if fad:
        floor = Interval.from_json(fad[ORIGINAL]["fad"])
        n = floor.n
        lines += [
            "",
            f"Fréchet audio distance from {n[1]} real train clips ({floor.groups[1]} tracks), "
            f"{n[0]} clips each, genres {', '.join(s['fad']['genres'])} (musicnn {s['fad']['layer']}; "
            "95 % intervals over tracks; ratio to the originals' own distance, paired):",
            "",
            "| clips | FAD | ratio to originals |",
            "|---|---|---|",
        ]
        lines += fad_rows(fad)
    acc = s.get("independent_balanced_accuracy")
    if acc:
        lines += [
            "",
            "Independent judge balanced accuracy against the true genres: "
            + ", ".join(f"{k} {Interval.from_json(v['balanced_accuracy']).text(3)}" for k, v in acc.items()),
        ]
    return lines


def fad_rows(fad: dict) -> list[str]:
    """Markdown rows ``| set | FAD [CI] | ratio to the originals [CI] |`` of a :func:`fad_against` result."""
    rows = []
    for name, v in fad.items():
        ratio = v.get("ratio_to_" + ORIGINAL)  # the originals themselves have none: they are the floor
        ratio = Interval.from_json(ratio).text(2) if ratio is not None else "1 (the floor)"
        rows.append(f"| {name} | {Interval.from_json(v['fad']).text(1)} | {ratio} |")
    return rows


def _difference_lines(s: dict) -> list[str]:
    shown = ("log_mel_l1", "mr_stft", "onset_corr", "chroma4096_corr", "ind_agreement", "ind_kl")
    rows = [(k, v) for k, v in s.get("differences", {}).items() if k.split("/")[1] in shown]
    if not rows:
        return []
    lines = [
        "",
        "Paired differences on the same clips (mean of a - b [95 % CI over tracks]; an interval "
        "that excludes 0 is a difference):",
        "",
        "| a - b | metric | difference |",
        "|---|---|---|",
    ]
    return lines + [f"| {k.split('/')[0]} | {k.split('/')[1]} | {format_ci(v)} |" for k, v in rows]


def format_ci(stat: dict | None) -> str:
    """``mean [low, high]`` of a summary entry (an interval's JSON), or ``-`` when there is none."""
    return "-" if stat is None else Interval.from_json(stat).text(3)


def evaluate_to_folder(
    model: str | os.PathLike,
    data: str | os.PathLike,
    out: str | os.PathLike,
    *,
    split: str = "test",
    max_clips: int | None = None,
    judge: str | os.PathLike | None = None,
    independent: str | os.PathLike | None = None,
    device: str = "auto",
) -> dict:
    """Evaluate the VAE at ``model`` on a split; writes ``out/metrics.json`` and ``out/table.md``.

    ``judge``: the in-house judge (a second opinion, optional); ``independent``: the independent judge
    folder (default the shipped ``models/independent-judge``)."""
    from pathlib import Path

    from genre_base.files import write_json, write_text

    from .codec import load, load_judge

    codec = load(model, device=device)
    from genre_base.independent.judge import load_independent_judge

    judge_model = load_judge(judge, device=codec.device) if judge else None
    result = evaluate_stage_one(
        codec,
        PreparedDataset(data),
        split,
        max_clips,
        judge=judge_model,
        independent=load_independent_judge(independent, device=codec.device),
    )
    result["command"] = command_line()
    write_json(Path(out) / "metrics.json", result)
    write_text(Path(out) / "table.md", format_table(result) + "\n")
    return result
