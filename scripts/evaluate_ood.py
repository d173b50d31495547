"""Encode music from outside the dataset and say, with numbers, how well the encoder works on it.

    python scripts/evaluate_ood.py --model models/vae-128 --src ../shared/data/ood --judge models/judge \
        --latents latents/vae-128.npz --out results/ood [--data data/gtzan]

For every file in --src (any format, rate, channels, length) every 5 s window is encoded and
decoded (VAE + vocoder); the stage-one metrics of those windows are compared with the same
metrics on GTZAN test clips (--data, or the dataset recorded in the latents file). Each new
clip's distance to its nearest training latent is placed within the distribution of GTZAN
test clips' nearest-training distances (percentile); the judge's genre for each file is
reported; the new latents are drawn on the same maps as the GTZAN latents.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autoencoder  # noqa: E402
from analysis.clustering import nearest_distances  # noqa: E402
from analysis.figures import maps_figure  # noqa: E402
from analysis.latents import LatentsFileError, load_latents  # noqa: E402
from autoencoder.artifacts import ModelFolderError, content_hash, write_json  # noqa: E402
from autoencoder.audio import AUDIO_EXTENSIONS, AudioLoadError  # noqa: E402
from autoencoder.metrics import bootstrap_mean_ci, compare  # noqa: E402

METRICS = ("log_mel_l1", "mr_stft", "onset_corr", "chroma_corr", "centroid_corr")


def clip_windows(codec, path: Path) -> torch.Tensor:
    """Non-overlapping 5 s windows of a file (a shorter file is zero-padded to one window)."""
    wave = autoencoder.load_audio(path, codec.sample_rate)
    n = max(1, len(wave) // codec.clip_samples)
    wave = torch.nn.functional.pad(wave, (0, max(0, n * codec.clip_samples - len(wave))))
    return wave[: n * codec.clip_samples].reshape(n, codec.clip_samples)


def score(codec, judge, waves: torch.Tensor) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for i in range(0, len(waves), 8):
        w = waves[i:i + 8]
        z = codec.encode(w)
        recon = codec.decode(z)
        for name, values in compare(codec.frontend, w, recon).items():
            if name in METRICS:
                out[name] += values.tolist()
        out["z"] += z.numpy().tolist()
        if judge is not None:
            out["judge"] += [judge.genres[g] for g in judge.predict(w).tolist()]
            out["judge_recon"] += [judge.genres[g] for g in judge.predict(recon).tolist()]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--src", required=True, help="folder of audio from outside the dataset")
    parser.add_argument("--judge")
    parser.add_argument("--latents", required=True, help="latents file of the dataset, made by the same model")
    parser.add_argument("--data", help="prepared dataset for the GTZAN test comparison (default: the latents' own)")
    parser.add_argument("--max-test-clips", type=int, default=96)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-umap", action="store_true")
    parser.add_argument("--audio", type=int, default=4, help="write the middle window of this many files and its "
                        "reconstruction to <out>/audio (Ogg)")
    args = parser.parse_args(argv)
    try:
        codec = autoencoder.load(args.model)
        latents = load_latents(args.latents)
        if latents.manifest["model_hash"] != content_hash(args.model):
            raise LatentsFileError(f"{args.latents} was made by {latents.manifest['model_id']}, not by {args.model}")
        judge = autoencoder.load_judge(args.judge) if args.judge else None
        files = sorted(p for p in Path(args.src).rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS)
        if not files:
            raise ValueError(f"no audio files in {args.src!r}")
    except (ModelFolderError, LatentsFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    rows, skipped, ood = [], [], defaultdict(list)
    for path in files:
        try:
            waves = clip_windows(codec, path)
        except AudioLoadError as exc:
            skipped.append({"path": str(path), "reason": exc.reason})
            continue
        s = score(codec, judge, waves)
        if len(rows) < args.audio:  # the middle window of the first files, to listen to (and for the report)
            first = waves[len(waves) // 2: len(waves) // 2 + 1]
            autoencoder.save_audio(out / "audio" / f"{path.stem}_original.ogg", first[0], codec.sample_rate)
            autoencoder.save_audio(out / "audio" / f"{path.stem}_reconstruction.ogg", codec.decode(codec.encode(first))[0],
                                   codec.sample_rate)
        for k, v in s.items():
            ood[k] += v
        ood["file"] += [path.name] * len(waves)
        rows.append({"file": path.name, "clips": len(waves), **{m: float(np.mean(s[m])) for m in METRICS},
                     "judge_genre": max(set(s["judge"]), key=s["judge"].count) if judge else ""})
    if not rows:
        print(f"error: none of the {len(files)} files could be read: {skipped[:3]}", file=sys.stderr)
        return 2
    data = autoencoder.PreparedDataset(args.data or latents.manifest["data"]["path"])
    test_rows = data.indices("test")
    test_rows = np.sort(np.random.default_rng(0).choice(test_rows, min(args.max_test_clips, len(test_rows)), replace=False))
    gtzan = score(codec, judge, data.waves(test_rows))

    # distances in the normalised latent space: new clips and GTZAN test clips to their nearest training clip
    train = latents.normalized()[latents.rows("train")]
    test_idx = latents.rows("test")
    test_dist = nearest_distances(train, latents.normalized()[test_idx])
    ood_dist = nearest_distances(train, latents.normalize(ood["z"]))
    percentile = [(test_dist < d).mean() * 100 for d in ood_dist]
    summary = {"files": len(rows), "clips": len(ood_dist), "skipped": skipped,
               "ood": {m: bootstrap_mean_ci(ood[m], ood["file"]) for m in METRICS},
               "gtzan_test": {m: bootstrap_mean_ci(gtzan[m], data.track_ids[test_rows].tolist()) for m in METRICS},
               "nearest_train_distance": {"ood_median": float(np.median(ood_dist)), "gtzan_test_median": float(np.median(test_dist)),
                                          "gtzan_test_p95": float(np.percentile(test_dist, 95)),
                                          "ood_share_beyond_test_p95": float((ood_dist > np.percentile(test_dist, 95)).mean())},
               "judge_test_scores": judge.metrics if judge else {}}
    out.mkdir(parents=True, exist_ok=True)
    for row, pct in zip(rows, _per_file(percentile, ood["file"], rows)):
        row["median_distance_percentile_in_test"] = pct
    with open(out / "files.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_json(out / "summary.json", summary)
    methods = ("pca", "tsne") if args.no_umap else ("pca", "tsne", "umap")
    maps_figure(latents.normalized(), latents.genre, "GTZAN latents with out-of-dataset clips (stars)", out / "maps.png",
                methods, extra=(latents.normalize(ood["z"]), "out of dataset"))
    lines = ["| metric | out of dataset | GTZAN test |", "|---|---|---|"]
    for m in METRICS:
        o, g = summary["ood"][m], summary["gtzan_test"][m]
        lines.append(f"| {m} | {o[0]:.3f} [{o[1]:.3f}, {o[2]:.3f}] | {g[0]:.3f} [{g[1]:.3f}, {g[2]:.3f}] |")
    d = summary["nearest_train_distance"]
    lines += ["", f"nearest-training-latent distance: median {d['ood_median']:.2f} out of dataset vs {d['gtzan_test_median']:.2f} "
                  f"for GTZAN test clips; {d['ood_share_beyond_test_p95'] * 100:.0f}% of new clips lie beyond the test clips' 95th percentile."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def _per_file(percentile: list[float], files: list[str], rows: list[dict]) -> list[float]:
    return [float(np.median([p for p, f in zip(percentile, files) if f == row["file"]])) for row in rows]


if __name__ == "__main__":
    sys.exit(main())
