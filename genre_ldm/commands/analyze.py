r"""Analyse latents files: projections, clustering, probes, retrieval, and a comparison across files.

    genre-ldm analyze latents/vae-540.npz latents/vae-1080.npz latents/vae-2160.npz \
        latents/mfcc.npz latents/pca-1080x.npz --out results/analysis [--no-umap] [--seed 0]

Per file (clip and song level; flat and, for VAE latents with a time axis, time-pooled): PCA
spectrum, UMAP / t-SNE / PCA maps by genre, k-means for k = 2..20 (elbow and homogeneity-
completeness balance), Gaussian mixtures by BIC, Ward clustering, genre-centroid distances,
precision@10 by genre (other tracks only), logistic and k-NN probes (train+valid -> test, and
5-fold StratifiedGroupKFold over tracks). Writes analysis.json, comparison.csv, summary.md and PNGs.
"""

from __future__ import annotations

import argparse
import sys

from analysis.compare import analyze_files
from genre_base import command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("latents", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-umap", action="store_true", help="skip UMAP maps (it needs ~20 s to compile)")
    parser.add_argument("--n-boot", type=int, default=1000, help="resamples of the probes' intervals over tracks")
    args = parser.parse_args(argv)
    analyze_files(args.latents, args.out, seed=args.seed, umap=not args.no_umap, n_boot=args.n_boot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
