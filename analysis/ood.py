"""Out-of-dataset evaluation: how well the stage-one model encodes music from elsewhere.

Each file is cut into 5 s windows, encoded and decoded; its reconstruction is scored beside a
sample of the dataset's test clips (intervals resample files and tracks), and its latents are
placed among the training latents (nearest-training distances against the test clips' own).
With the independent judge and embedding: agreement and KL between each original and its
reconstruction, the FAD of the reconstructions from their originals, and how far the new music is
from the training clips in the embedding (its FAD from them, beside the test clips' own).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

import autoencoder
from autoencoder.latents import check_made_by, load_latents
from genre_base.artifacts import command_line
from genre_base.audio import AUDIO_EXTENSIONS, AudioLoadError
from genre_base.errors import MissingInputError, UserError
from genre_base.files import write_csv, write_json, write_text
from genre_base.independent import FAD_LAYER, agreement, fad, load_independent_judge
from genre_base.independent.cache import split_embeddings
from genre_base.intervals import Interval
from genre_base.metrics import compare
from genre_base.stats import N_BOOT, bootstrap_mean_ci, nearest_distances

from .figures import maps_figure

log = logging.getLogger(__name__)

METRICS = ("log_mel_l1", "mr_stft", "onset_corr", "chroma4096_corr", "centroid_corr")


def clip_windows(codec, path: Path) -> torch.Tensor:
    """Non-overlapping 5 s windows of a file (a shorter file is zero-padded to one window)."""
    wave = autoencoder.load_audio(path, codec.sample_rate)
    n = max(1, len(wave) // codec.clip_samples)
    wave = torch.nn.functional.pad(wave, (0, max(0, n * codec.clip_samples - len(wave))))
    return wave[: n * codec.clip_samples].reshape(n, codec.clip_samples)


def score(codec, judge, waves: torch.Tensor, independent=None) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for i in range(0, len(waves), 8):
        w = waves[i : i + 8].to(codec.device)  # metrics run where the codec is
        z = codec.encode(w)
        recon = codec.decode(z)
        for name, values in compare(codec.frontend, w, recon).items():
            if name in METRICS:
                out[name] += values.tolist()
        out["z"] += z.cpu().numpy().tolist()
        if judge is not None:
            out["judge"] += [judge.genres[g] for g in judge.predict(w).tolist()]
            out["judge_recon"] += [judge.genres[g] for g in judge.predict(recon).tolist()]
        if independent is not None:
            for key, x in (("", w), ("_recon", recon)):
                feats = independent.embedding.embed(x, codec.sample_rate)
                out["emb" + key] += feats[FAD_LAYER].tolist()
                out["probs" + key] += independent.probabilities_of(feats[independent.layer]).tolist()
    if independent is not None:
        for name, values in agreement(np.asarray(out["probs"]), np.asarray(out["probs_recon"])).items():
            out[f"ind_{name}"] = values.tolist()
        predicted = independent.genres_of(out["probs"])
        out["ind_genre"] = predicted.tolist()
    return out


def independent_summary(
    ood: dict,
    gtzan: dict,
    ood_groups: list,
    test_groups: list,
    train: np.ndarray,
    train_groups: np.ndarray,
    n_boot: int = N_BOOT,
) -> dict:
    """Agreement and KL (intervals over files / tracks), FAD of reconstructions from their originals, and
    the FAD of the originals from the training clips: the same measures for new music and for test clips."""
    out = {}
    for name, s, groups in (("ood", ood, ood_groups), ("gtzan_test", gtzan, test_groups)):
        emb, recon = np.asarray(s["emb"]), np.asarray(s["emb_recon"])
        out[name] = {
            "agreement": Interval(*bootstrap_mean_ci(s["ind_agreement"], groups, n_boot)).to_json(),
            "kl": Interval(*bootstrap_mean_ci(s["ind_kl"], groups, n_boot)).to_json(),
            "fad_reconstruction_vs_original": fad(recon, groups, emb, groups, n_boot),
            "fad_from_train": fad(emb, groups, train, train_groups, n_boot),
        }
    return out


def evaluate_ood(
    model: str | Path,
    src: str | Path,
    latents_path: str | Path,
    out: str | Path,
    *,
    judge: str | Path | None = None,
    data: str | Path | None = None,
    max_test_clips: int = 96,
    umap: bool = True,
    audio: int = 4,
    device: str = "auto",
    independent: str | Path | None = None,
    n_boot: int = N_BOOT,
) -> dict:
    """Score every audio file under ``src`` with the VAE at ``model``; writes ``out/summary.json``,
    ``files.csv``, ``summary.md``, ``maps.png`` and ``audio/``; returns the summary."""
    codec = autoencoder.load(model, device=device)
    latents = load_latents(latents_path)
    check_made_by(latents, model, str(latents_path))
    judge_model = autoencoder.load_judge(judge, device=codec.device) if judge else None
    ind = load_independent_judge(independent, device=codec.device)
    if not Path(src).is_dir():
        raise MissingInputError(f"out-of-dataset folder {str(src)!r} does not exist")
    files = sorted(p for p in Path(src).rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS)
    if not files:
        raise UserError(f"no audio files in {str(src)!r} (looked for {', '.join(sorted(AUDIO_EXTENSIONS))})")
    out = Path(out)
    rows, skipped, ood = [], [], defaultdict(list)
    for path in files:
        try:
            waves = clip_windows(codec, path)
        except AudioLoadError as exc:
            skipped.append({"path": str(path), "reason": exc.reason})
            continue
        s = score(codec, judge_model, waves, ind)
        if len(rows) < audio:  # the middle window of the first files, to listen to (and for the report)
            first = waves[len(waves) // 2 : len(waves) // 2 + 1]
            autoencoder.save_audio(out / "audio" / f"{path.stem}_original.ogg", first[0], codec.sample_rate)
            autoencoder.save_audio(
                out / "audio" / f"{path.stem}_reconstruction.ogg",
                codec.decode(codec.encode(first))[0],
                codec.sample_rate,
            )
        for k, v in s.items():
            ood[k] += v
        ood["file"] += [path.name] * len(waves)
        rows.append(
            {
                "file": path.name,
                "clips": len(waves),
                **{m: float(np.mean(s[m])) for m in METRICS},
                "judge_genre": max(set(s["judge"]), key=s["judge"].count) if judge_model else "",
                "independent_judge_genre": max(set(s["ind_genre"]), key=s["ind_genre"].count),
                "independent_agreement": float(np.mean(s["ind_agreement"])),
            }
        )
    if not rows:
        raise UserError(f"none of the {len(files)} files in {str(src)!r} could be read: {skipped[:3]}")
    dataset = autoencoder.PreparedDataset(data or latents.manifest["data"]["path"])
    test_rows = dataset.indices("test")
    test_rows = np.sort(np.random.default_rng(0).choice(test_rows, min(max_test_clips, len(test_rows)), replace=False))
    gtzan = score(codec, judge_model, dataset.waves(test_rows), ind)
    train_feats = split_embeddings(dataset, ind.embedding, "train", progress=False)[FAD_LAYER]
    train_tracks = dataset.track_ids[dataset.indices("train")]

    # distances in the normalised latent space: new clips and GTZAN test clips to their nearest training clip
    train = latents.normalized()[latents.rows("train")]
    test_idx = latents.rows("test")
    test_dist = nearest_distances(train, latents.normalized()[test_idx])
    ood_dist = nearest_distances(train, latents.normalize(ood["z"]))
    percentile = np.searchsorted(np.sort(test_dist), ood_dist) / len(test_dist) * 100  # share of test clips nearer
    summary = {
        "command": command_line(),
        "files": len(rows),
        "clips": len(ood_dist),
        "skipped": skipped,
        "ood": {m: Interval(*bootstrap_mean_ci(ood[m], ood["file"])).to_json() for m in METRICS},
        "gtzan_test": {
            m: Interval(*bootstrap_mean_ci(gtzan[m], dataset.track_ids[test_rows].tolist())).to_json() for m in METRICS
        },
        "nearest_train_distance": {
            "ood_median": float(np.median(ood_dist)),
            "gtzan_test_median": float(np.median(test_dist)),
            "gtzan_test_p95": float(np.percentile(test_dist, 95)),
            "ood_share_beyond_test_p95": float((ood_dist > np.percentile(test_dist, 95)).mean()),
        },
        "judge_test_scores": judge_model.metrics if judge_model else {},
        "independent": independent_summary(
            ood, gtzan, ood["file"], dataset.track_ids[test_rows].tolist(), train_feats, train_tracks, n_boot
        ),
        "independent_judge": ind.describe(),
    }
    out.mkdir(parents=True, exist_ok=True)
    for row, pct in zip(rows, _per_file(percentile, ood["file"], rows)):
        row["median_distance_percentile_in_test"] = pct
    write_csv(out / "files.csv", rows)
    write_json(out / "summary.json", summary)
    methods = ("pca", "tsne", "umap") if umap else ("pca", "tsne")
    maps_figure(
        latents.normalized(),
        latents.genre,
        "GTZAN latents with out-of-dataset clips (stars)",
        out / "maps.png",
        methods,
        extra=(latents.normalize(ood["z"]), "out of dataset"),
    )
    text = summary_markdown(summary)
    write_text(out / "summary.md", text)
    log.info(text.rstrip("\n"))
    return summary


def summary_markdown(summary: dict) -> str:
    """The out-of-dataset summary as Markdown: every measure beside the test clips' own."""
    lines = ["| metric | out of dataset | GTZAN test |", "|---|---|---|"]
    for m in summary["ood"]:  # the measures it was written with (METRICS, or an older list)
        o, g = Interval.from_json(summary["ood"][m]), Interval.from_json(summary["gtzan_test"][m])
        lines.append(f"| {m} | {o.text(3)} | {g.text(3)} |")
    for key, label in (
        ("agreement", "independent-judge agreement, reconstruction vs original"),
        ("kl", "KL(original || reconstruction), independent judge, nats"),
    ):
        o, g = (Interval.from_json(summary["independent"][s][key]) for s in ("ood", "gtzan_test"))
        lines.append(f"| {label} | {o.text(3)} | {g.text(3)} |")
    for key, label in (
        ("fad_reconstruction_vs_original", "FAD of reconstructions from their originals"),
        ("fad_from_train", "FAD of the originals from the training clips"),
    ):
        o, g = (Interval.from_json(summary["independent"][s][key]) for s in ("ood", "gtzan_test"))
        lines.append(f"| {label} | {o.text(1)} ({o.n[0]} clips) | {g.text(1)} ({g.n[0]} clips) |")
    d = summary["nearest_train_distance"]
    lines += [
        "",
        f"nearest-training-latent distance: median {d['ood_median']:.2f} out of dataset vs {d['gtzan_test_median']:.2f} "
        f"for GTZAN test clips; {d['ood_share_beyond_test_p95'] * 100:.0f}% of new clips lie beyond the test clips' 95th percentile.",
    ]
    return "\n".join(lines) + "\n"


def _per_file(percentile: list[float], files: list[str], rows: list[dict]) -> list[float]:
    return [float(np.median([p for p, f in zip(percentile, files) if f == row["file"]])) for row in rows]
