r"""Encode a prepared dataset into a latents file (the hand-off to the analysis and stage two).

    genre-ldm encode --model models/vae-1080 --data data/gtzan --out latents/vae-1080.npz
    genre-ldm encode --data data/gtzan --baseline mfcc --out latents/mfcc.npz
    genre-ldm encode --data data/gtzan --baseline pca --dim 1080 --out latents/pca-1080.npz
    genre-ldm encode --data data/gtzan --baseline pca --dim 540 --pca-extra data/unlabelled \
        --out latents/pca-540x.npz     # fitted on train + the extra music, as the VAEs trained on it
    genre-ldm encode --data data/gtzan --baseline musicnn --out latents/musicnn.npz

Every non-silent clip of every split is written with its posterior mean (and log-variance with
--logvars), track id, genre, split and clip index; the manifest records the model and its hash,
mel settings, latent layout, per-dimension normalisation over train, and this command.
Baselines: MFCC statistics (mean and std of 20 MFCCs: 40 floats) and PCA of flattened log-mels
at --dim (fitted on train); the musicnn embedding (200 floats, pretrained elsewhere: a reference).
An existing --out is kept unless --force.
"""

from __future__ import annotations

import argparse
import sys

from analysis.encode import encode_dataset
from genre_base import command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="VAE model folder (not with --baseline)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--baseline", choices=["mfcc", "pca", "musicnn"])
    parser.add_argument("--dim", type=int, help="PCA dimension (with --baseline pca)")
    parser.add_argument(
        "--pca-extra",
        action="append",
        default=[],
        metavar="DIR",
        help="extra training music the PCA is also fitted on (as the VAE it stands beside); repeatable",
    )
    parser.add_argument(
        "--mel-of",
        metavar="MODEL",
        help="a model folder whose recorded front-end the mfcc / pca baseline uses (default: today's)",
    )
    parser.add_argument("--logvars", action="store_true", help="also store posterior log-variances")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    latents = encode_dataset(
        args.data,
        args.out,
        model=args.model,
        baseline=args.baseline,
        dim=args.dim,
        logvars=args.logvars,
        force=args.force,
        device=args.device,
        pca_extra=tuple(args.pca_extra),
        mel_of=args.mel_of,
    )
    print(f"wrote {len(latents.means)} clips x {latents.size} floats ({latents.manifest['kind']}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
