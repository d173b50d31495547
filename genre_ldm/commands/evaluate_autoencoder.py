"""Evaluate a trained VAE (and its vocoder) on held-out clips, beside PCA and Griffin-Lim.

genre-ldm evaluate-autoencoder --model models/vae-1080 --data data/gtzan --split test --out runs/eval-vae-1080
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autoencoder.evaluate import evaluate_to_folder
from genre_base import command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="VAE model folder")
    parser.add_argument("--data", required=True, help="prepared dataset")
    parser.add_argument("--split", default="test", choices=["train", "valid", "test"])
    parser.add_argument("--max-clips", type=int, default=None, help="evaluate a seeded subset of the split")
    parser.add_argument("--judge", help="in-house judge folder (a second opinion): its agreement and balanced accuracy")
    parser.add_argument(
        "--independent",
        help="independent judge folder (default models/independent-judge): "
        "its agreement, KL and balanced accuracy, and the FAD of every path",
    )
    parser.add_argument("--out", required=True, help="folder for metrics.json and table.md")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    evaluate_to_folder(
        args.model,
        args.data,
        args.out,
        split=args.split,
        max_clips=args.max_clips,
        judge=args.judge,
        independent=args.independent,
        device=args.device,
    )
    print((Path(args.out) / "table.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
