r"""Encode music from outside the dataset and say, with numbers, how well the encoder works on it.

    genre-ldm evaluate-ood --model models/vae-1080 --src ../shared/data/ood --judge models/judge \
        --latents latents/vae-1080.npz --out runs/ood [--data data/gtzan]

For every file in --src (any format, rate, channels, length) every 5 s window is encoded and
decoded (VAE + vocoder); the stage-one metrics of those windows are compared with the same
metrics on GTZAN test clips (--data, or the dataset recorded in the latents file). Each new
clip's distance to its nearest training latent is placed within the distribution of GTZAN
test clips' nearest-training distances (percentile); the judge's genre for each file is
reported; the new latents are drawn on the same maps as the GTZAN latents.
"""

from __future__ import annotations

import argparse
import sys

from analysis.ood import evaluate_ood
from genre_base import command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--src", required=True, help="folder of audio from outside the dataset")
    parser.add_argument("--judge", help="in-house judge (a second opinion, optional)")
    parser.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of every interval")
    parser.add_argument("--latents", required=True, help="latents file of the dataset, made by the same model")
    parser.add_argument("--data", help="prepared dataset for the GTZAN test comparison (default: the latents' own)")
    parser.add_argument("--max-test-clips", type=int, default=96)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-umap", action="store_true")
    parser.add_argument(
        "--audio",
        type=int,
        default=4,
        help="write the middle window of this many files and its reconstruction to <out>/audio (Ogg)",
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    evaluate_ood(
        args.model,
        args.src,
        args.latents,
        args.out,
        judge=args.judge,
        data=args.data,
        independent=args.independent,
        n_boot=args.n_boot,
        max_test_clips=args.max_test_clips,
        umap=not args.no_umap,
        audio=args.audio,
        device=args.device,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
