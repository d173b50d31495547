r"""Sample genre-conditioned clips (or a whole song) from a trained latent diffusion pipeline, continue a
song of yours, or move it toward another genre.

    genre-ldm sample --model models/diffusion --genre jazz --num 4 --guidance 3 --steps 50 --seed 0 --out samples/jazz
    genre-ldm sample --model models/diffusion --genre metal --seconds 30 --out samples/metal-song
    genre-ldm sample --model models/diffusion --genre jazz --continue my_song.wav --seconds 10 --out samples/cont
    genre-ldm sample --model models/diffusion --genre metal --transfer my_song.wav --strength 0.25,0.5,0.75 \
        --out samples/to-metal

Writes ``<genre>_<i>.wav`` (one clip each, 5 s) and ``mels.png``; with ``--seconds`` longer than
a clip, ``<genre>_song_<i>.wav``: clips chained by inpainting their latent overlap (see
diffusion/song.py), plus ``seams.json`` comparing the seams (spectral flux and texture jump) with independently
sampled clips joined by the same crossfade. The same seed gives the same audio. An existing
output file is never overwritten without --force.

``--continue FILE`` keeps the file and adds ``--seconds`` of the genre after it: its last clip is
encoded and the first new clip is sampled with that latent's overlap held (``seams.json`` measures the
join). ``--transfer FILE`` noises every clip latent of the file part of the way (``--strength``: 0 keeps
it, 1 keeps nothing) and denoises it toward the genre.

Guidance: ``--guidance`` (the scale; default the one chosen on valid and stored with the model), and
two remedies for the collapse a large scale brings: ``--guidance-rescale 0.7`` and
``--guidance-interval 0,0.6`` (guidance only at noise levels t/T in that range); see diffusion/guidance.py.
"""

from __future__ import annotations

import argparse
import json
import sys

from diffusion import Guidance, load_pipeline
from diffusion.guidance import parse_interval
from diffusion.sampling import continue_file, sample_audio, transfer_file
from genre_base import UserError, command


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="diffusion pipeline folder (genre-ldm train-diffusion)")
    parser.add_argument("--genre", required=True)
    parser.add_argument("--num", type=int, help="clips to write (default 4), or songs with --seconds (default 1)")
    parser.add_argument(
        "--guidance",
        type=float,
        help="classifier-free guidance scale (1 = none); default: the "
        "scale chosen on valid by evaluate_generation.py --record, else 3",
    )
    parser.add_argument("--steps", type=int, help="sampler steps (default: as chosen on valid, else 50)")
    parser.add_argument("--sampler", choices=["ddim", "dpm", "ddpm"], help="default: as chosen on valid, else ddim")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--seconds",
        type=float,
        help="length: up to one clip (5 s) cuts each clip; longer makes songs; "
        "with --continue: the music added after the file",
    )
    parser.add_argument(
        "--overlap-frames", type=int, help="latent frames shared by consecutive clips (default: a quarter of them)"
    )
    parser.add_argument("--out", required=True)
    parser.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    parser.add_argument("--guidance-rescale", type=float, help="guidance rescale phi in [0, 1] (0: plain guidance)")
    parser.add_argument("--guidance-interval", help="lo,hi: guidance only at noise levels t/T in [lo, hi]")
    user = parser.add_mutually_exclusive_group()
    user.add_argument("--continue", dest="continue_from", metavar="FILE", help="an audio file to continue by --seconds")
    user.add_argument("--transfer", metavar="FILE", help="an audio file to move toward --genre")
    parser.add_argument("--strength", default="0.5", help="with --transfer: comma-separated strengths in [0, 1]")
    args = parser.parse_args(argv)
    if args.num is None:
        args.num = 1 if args.seconds is not None or args.continue_from else 4
    pipe = load_pipeline(args.model, device=args.device)
    guidance = _guidance(pipe, args)
    steps, sampler = pipe.default_sampling
    args.steps = args.steps if args.steps is not None else steps
    args.sampler = args.sampler or sampler
    common = dict(guidance=guidance, steps=args.steps, sampler=args.sampler, seed=args.seed, force=args.force)
    if args.continue_from:
        if args.seconds is None:
            raise UserError("--continue needs --seconds: how much music to add after the file")
        paths = continue_file(
            pipe,
            args.continue_from,
            args.genre,
            args.seconds,
            args.out,
            num=args.num,
            overlap_frames=args.overlap_frames,
            **common,
        )
    elif args.transfer:
        paths = transfer_file(pipe, args.transfer, args.genre, _strengths(args.strength), args.out, **common)
    else:
        paths = sample_audio(
            pipe, args.genre, args.num, args.seconds, args.out, overlap_frames=args.overlap_frames, **common
        )
    print(json.dumps([str(p) for p in paths]))
    print(f"wrote {len(paths)} file(s) and mels.png to {args.out}")
    return 0


def _guidance(pipe, args) -> Guidance:
    """The command line's guidance; what it leaves out comes from the setting chosen on valid."""
    chosen = pipe.default_guidance_settings
    scale = chosen.scale if args.guidance is None else args.guidance
    rescale = chosen.rescale if args.guidance_rescale is None else args.guidance_rescale
    interval = chosen.interval if args.guidance_interval is None else parse_interval(args.guidance_interval)
    return Guidance(scale, rescale, interval)


def _strengths(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise UserError(
            f"--strength must be comma-separated numbers in [0, 1] such as 0.25,0.5; got {text!r}"
        ) from None


if __name__ == "__main__":
    sys.exit(main())
