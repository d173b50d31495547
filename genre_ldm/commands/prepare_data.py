"""Prepare a folder of genre-labelled audio into 5-second clips with a track-level split.

    genre-ldm prepare --src ../shared/data/gtzan --out data/gtzan
    genre-ldm prepare --src data/unlabelled --out data/extra/unlabelled --unlabelled

With --unlabelled any layout is read and every track goes to train (extra music for stage one;
the training scripts' --extra-src does this for you and caches the result).
"""

from __future__ import annotations

import argparse
import sys

from genre_base import command
from genre_base.prepare import PrepareOptions, format_summary, prepare_dataset


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True, help="folder of raw audio (GTZAN layout, <label>/<file>, or flat)")
    parser.add_argument("--out", required=True, help="folder to write the prepared dataset into")
    parser.add_argument("--clip-seconds", type=float, default=5.0)
    parser.add_argument("--sample-rate", type=int, default=22050)
    parser.add_argument("--seed", type=int, default=0, help="seed of the stratified split (non-GTZAN ids)")
    parser.add_argument(
        "--unlabelled",
        action="store_true",
        help="no labels: every file is a training track (extra music for stage one)",
    )
    parser.add_argument("--force", action="store_true", help="replace whatever the output folder holds")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    options = PrepareOptions(
        clip_seconds=args.clip_seconds, sample_rate=args.sample_rate, seed=args.seed, unlabelled=args.unlabelled
    )
    summary = prepare_dataset(args.src, args.out, options, force=args.force, progress=not args.quiet)
    print(format_summary(summary))
    print(f"prepared dataset: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
