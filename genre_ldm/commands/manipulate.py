"""Latent manipulation with the stage-one encoder alone, judged by the genre classifier.

    genre-ldm manipulate interpolate A.wav B.wav --steps 8 --out out/interp
    genre-ldm manipulate shift A.wav --to metal [--from jazz] --strength 0.5 --latents latents/vae-1080.npz --out out/shift
    genre-ldm manipulate prior --num 4 --out out/prior

Common options: --model (a VAE folder, default models/vae-1080, the stage one of the shipped diffusion pipeline), --judge (default models/judge),
--offset (seconds into a file where its clip starts; default its middle), --seed.
Each writes WAVs, ``mels.png`` and ``verdicts.json`` (the judge's genre and probability for every
output). ``shift`` moves along the difference of the genre centroids of the latents file (its
training split); without --from, the judge's prediction for the input is the source genre; it
writes strengths 0, strength/2 and strength (and 2 x strength to hear the overshoot).
"""

from __future__ import annotations

import argparse
import sys

import autoencoder
from diffusion import manipulate as M
from genre_base import command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", default="models/vae-1080", help="stage-one VAE folder")
    common.add_argument("--judge", default="models/judge")
    common.add_argument("--offset", type=float, help="seconds into each file where its clip starts (default: middle)")
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--out", required=True)
    common.add_argument("--force", action="store_true", help="overwrite existing outputs")
    common.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("interpolate", parents=[common], help="a straight line between two clips")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--steps", type=int, default=8)
    p = sub.add_parser("shift", parents=[common], help="move a clip along a genre direction")
    p.add_argument("a")
    p.add_argument("--to", required=True)
    p.add_argument("--from", dest="source", help="source genre (default: the judge's prediction)")
    p.add_argument("--strength", type=float, default=0.5)
    p.add_argument("--latents", required=True, help="latents file of the same VAE (for the genre centroids)")
    p = sub.add_parser("prior", parents=[common], help="decode samples of the VAE prior")
    p.add_argument("--num", type=int, default=4)
    args = parser.parse_args(argv)
    codec = autoencoder.load(args.model, device=args.device)
    judge = autoencoder.load_judge(args.judge, device=codec.device)
    if args.command == "interpolate":
        M.interpolate_files(codec, judge, args.a, args.b, args.steps, args.out, offset=args.offset, force=args.force)
    elif args.command == "shift":
        M.shift_file(
            codec,
            judge,
            args.a,
            args.to,
            args.latents,
            args.out,
            source=args.source,
            strength=args.strength,
            offset=args.offset,
            force=args.force,
        )
    else:
        M.prior_clips(codec, judge, args.num, args.out, seed=args.seed, force=args.force)
    print(f"wrote to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
