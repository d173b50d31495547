"""Encode a prepared dataset into a latents file (the hand-off to the analysis and stage two).

    python scripts/encode_dataset.py --model models/vae-128 --data data/gtzan --out latents/vae-128.npz
    python scripts/encode_dataset.py --data data/gtzan --baseline mfcc --out latents/mfcc.npz
    python scripts/encode_dataset.py --data data/gtzan --baseline pca --dim 128 --out latents/pca-128.npz

Every non-silent clip of every split is written with its posterior mean (and log-variance with
--logvars), track id, genre, split and clip index; the manifest records the model and its hash,
mel settings, latent layout, per-dimension normalisation over train, and this command.
Baselines: MFCC statistics (mean and std of 20 MFCCs: 40 floats) and PCA of flattened log-mels
at --dim (fitted on train). An existing --out is kept unless --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import autoencoder  # noqa: E402
from analysis.latents import FORMAT_VERSION, Latents, normalisation_stats, save_latents  # noqa: E402
from autoencoder.artifacts import ModelFolderError, content_hash, read_record  # noqa: E402
from autoencoder.features import mfcc_stats  # noqa: E402
from autoencoder.pca import MelPCA  # noqa: E402


def encode_rows(fn, data: autoencoder.PreparedDataset, rows: np.ndarray, batch: int = 32) -> list[np.ndarray]:
    outs = []
    for i in tqdm(range(0, len(rows), batch), desc="encoding", unit="batch"):
        outs.append(fn(data.waves(rows[i:i + batch])))
    return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="VAE model folder (not with --baseline)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--baseline", choices=["mfcc", "pca"])
    parser.add_argument("--dim", type=int, help="PCA dimension (with --baseline pca)")
    parser.add_argument("--logvars", action="store_true", help="also store posterior log-variances")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if (args.model is None) == (args.baseline is None):
        parser.error("give exactly one of --model and --baseline")
    if args.baseline == "pca" and not args.dim:
        parser.error("--baseline pca needs --dim")
    if Path(args.out).exists() and not args.force:
        print(f"error: {args.out} exists; pass --force to replace it", file=sys.stderr)
        return 2
    data = autoencoder.PreparedDataset(args.data)
    rows = data.indices(None)
    try:
        latents = build(args, data, rows)
    except (ModelFolderError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_latents(args.out, latents)
    print(f"wrote {len(rows)} clips x {latents.size} floats ({latents.manifest['kind']}) to {args.out}")
    return 0


def build(args, data: autoencoder.PreparedDataset, rows: np.ndarray) -> Latents:
    logvars = None
    if args.model:
        codec = autoencoder.load(args.model, vocoder=False)
        record = read_record(args.model, "vae")

        def fn(w):
            post = codec.posterior(w)
            return post.mean.numpy(), post.logvar.numpy()
        means, logvars = encode_rows(fn, data, rows)
        latent = record["latent"]
        kind, model_id, model_hash, mel = "vae", str(args.model), content_hash(args.model), record["mel"]
        layout = {"global_size": latent.get("global_size", 0), "channels": latent["channels"], "frames": latent["frames"]}
    else:
        frontend = autoencoder.MelFrontend()
        if args.baseline == "mfcc":
            (means,) = encode_rows(lambda w: (mfcc_stats(frontend, w).numpy(),), data, rows)
        else:
            pca = MelPCA.fit(data.mels(frontend, "train"), args.dim)
            (means,) = encode_rows(lambda w: (pca.encode(frontend(w)).numpy(),), data, rows)
        kind, layout, mel = args.baseline, None, frontend.settings.to_dict()
        model_id, model_hash = f"baseline:{args.baseline}{args.dim or ''}", data.meta["fingerprint"]
    split = data.splits[rows]
    mean, std = normalisation_stats(means, split)
    manifest = {"format_version": FORMAT_VERSION, "kind": kind, "latent_size": int(means.shape[1]),
                "model_id": model_id, "model_hash": model_hash, "mel": mel, "layout": layout, "mean": mean,
                "std": std, "command": " ".join(sys.argv),
                "data": {"path": str(args.data), "fingerprint": data.meta["fingerprint"]}}
    return Latents(means.astype(np.float32), data.track_ids[rows], data.genres[rows], split, data.clip_index[rows],
                   manifest, logvars if args.logvars else None)


if __name__ == "__main__":
    sys.exit(main())
