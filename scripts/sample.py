"""Sample genre-conditioned clips (or a whole song) from a trained latent diffusion pipeline.

    python scripts/sample.py --model models/diffusion --genre jazz --num 4 --guidance 3 --steps 50 --seed 0 --out samples/jazz
    python scripts/sample.py --model models/diffusion --genre metal --seconds 30 --out samples/metal-song

Writes ``<genre>_<i>.wav`` (one clip each, 5 s) and ``mels.png``; with ``--seconds`` longer than
a clip, ``<genre>_song_<i>.wav``: clips chained by inpainting their latent overlap (see
diffusion/song.py), plus ``seams.json`` comparing the seams (spectral flux and texture jump) with independently
sampled clips joined by the same crossfade. The same seed gives the same audio. An existing
output file is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import json
import sys

from autoencoder import command
from diffusion import load_pipeline
from diffusion.sampling import sample_audio


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="diffusion pipeline folder (scripts/train_diffusion.py)")
    parser.add_argument("--genre", required=True)
    parser.add_argument("--num", type=int, help="clips to write (default 4), or songs with --seconds (default 1)")
    parser.add_argument("--guidance", type=float, help="classifier-free guidance scale (1 = none); default: the "
                        "scale chosen on valid by evaluate_generation.py --record, else 3")
    parser.add_argument("--steps", type=int, default=50, help="sampler steps")
    parser.add_argument("--sampler", default="ddim", choices=["ddim", "dpm", "ddpm"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, help="length: up to one clip (5 s) cuts each clip; longer makes songs")
    parser.add_argument("--overlap-frames", type=int,
                        help="latent frames shared by consecutive clips (default: a quarter of them)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    if args.num is None:
        args.num = 1 if args.seconds is not None else 4
    pipe = load_pipeline(args.model, device=args.device)
    paths = sample_audio(pipe, args.genre, args.num, args.seconds, args.out, guidance=args.guidance, steps=args.steps,
                         sampler=args.sampler, seed=args.seed, force=args.force, overlap_frames=args.overlap_frames)
    print(json.dumps([str(p) for p in paths]))
    print(f"wrote {len(paths)} file(s) and mels.png to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
