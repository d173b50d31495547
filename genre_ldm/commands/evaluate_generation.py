r"""Evaluate genre-conditioned generation with the independent judge, beside real clips, reconstructions and the prior.

    genre-ldm evaluate-generation --model models/diffusion --latents latents/vae-1080.npz \
        --out results/generation [--data data/gtzan] [--guidance-grid 1,2,3,5,8 | --guidance 8] [--judge models/judge]

    # issue 15's choice: 100 clips of every genre per setting, remedies for guidance collapse, two samplers
    genre-ldm evaluate-generation ... --per-genre 100 --guidance-grid 1,2,3,5,8 \
        --remedies plain,rescale=0.7,interval=0:0.6 --samplers ddim,dpm --steps-grid 25,50 --fad-margin 0.1

What is measured, and why (the setting chosen on valid by the best worst-genre recognition among the
settings whose FAD is within --fad-margin of the lowest, unless --guidance fixes it; on test: FAD from real
train clips beside the real clips' own, recognition by the independent judge, density/coverage,
per-genre diversity, memorisation): diffusion/generation.py and diffusion/settings_sweep.py.
Writes generation.json, table.md, summary.md, guidance_sweep.png, per_genre.png and a few clips
per genre under audio/ (listen, do not commit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diffusion.generation import GenerationEvalOptions, evaluate_generation
from diffusion.settings_sweep import SEARCHES
from genre_base import UserError, command


def _grid(text: str, kind=float, name: str = "--guidance-grid") -> tuple:
    try:
        return tuple(kind(g) for g in text.split(","))
    except ValueError:
        raise UserError(f"{name} must be comma-separated numbers such as 1,2,3; got {text!r}") from None


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="diffusion pipeline folder")
    parser.add_argument("--judge", help="in-house judge folder (a second opinion, optional)")
    parser.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    parser.add_argument("--latents", required=True, help="latents file of the pipeline's stage-one model")
    parser.add_argument("--data", help="prepared dataset (default: the one named in the latents file)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--guidance-grid", default="1,2,3,5,8")
    parser.add_argument("--guidance", type=float, help="a fixed guidance scale (no sweep on valid)")
    parser.add_argument("--steps", type=int, default=25, help="sampler steps (of the grid too, without --steps-grid)")
    parser.add_argument("--steps-grid", help="comma-separated step counts to try on valid")
    parser.add_argument("--samplers", default="ddim", help="comma-separated samplers to try on valid (ddim, dpm, ddpm)")
    parser.add_argument(
        "--search",
        choices=SEARCHES,
        default="grid",
        help="grid: every combination; staged: guidance scales x remedies at the first sampler and "
        "step count, then every sampler x step count at the chosen guidance",
    )
    parser.add_argument("--sampler", default="ddim", help="the sampler with a fixed --guidance")
    parser.add_argument(
        "--remedies",
        default="plain",
        help="comma-separated guidance remedies to try: plain, rescale=PHI, interval=LO:HI",
    )
    parser.add_argument("--per-genre", type=int, help="generated clips per genre on valid (default: valid's mix)")
    parser.add_argument(
        "--fad-margin",
        type=float,
        default=0.1,
        help="settings within this relative margin of the lowest FAD compete on the worst genre",
    )
    parser.add_argument("--max-clips", type=int, help="cap on real clips per split (default: all)")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--audio-per-genre", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="replace an existing evaluation in --out")
    parser.add_argument(
        "--record",
        action="store_true",
        help="store the chosen guidance (the default of "
        "genre-ldm sample) and the headline test numbers in the pipeline's record",
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    if args.per_genre is not None and args.per_genre < 1:
        raise UserError(f"--per-genre must be >= 1, got {args.per_genre}")
    opts = GenerationEvalOptions(
        _grid(args.guidance_grid),
        args.guidance,
        args.steps,
        args.max_clips,
        args.n_boot,
        args.audio_per_genre,
        args.seed,
        remedies=tuple(args.remedies.split(",")),
        samplers=tuple(args.samplers.split(",")),
        steps_grid=_grid(args.steps_grid, int, "--steps-grid") if args.steps_grid else None,
        per_genre=args.per_genre,
        fad_margin=args.fad_margin,
        sampler=args.sampler,
        search=args.search,
    )
    evaluate_generation(
        args.model,
        args.judge,
        args.latents,
        args.out,
        opts,
        data=args.data,
        force=args.force,
        record=args.record,
        device=args.device,
        independent=args.independent,
    )
    print((Path(args.out) / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
