r"""Measure songs, continuing a user's song, and genre transfer of a trained diffusion pipeline.

    genre-ldm evaluate-editing songs --model models/diffusion --out results/generation/songs \
        [--seconds 30 --songs-per-genre 4]
    genre-ldm evaluate-editing continue --model models/diffusion --data data/gtzan --out results/generation/continue \
        [--split test --per-genre 4 --seconds 10]
    genre-ldm evaluate-editing transfer --model models/diffusion --data data/gtzan --out results/generation/transfer \
        [--split test --per-genre 5 --strengths 0,0.25,0.5,0.75,1]

Sampling uses the pipeline's setting chosen on valid (steps, sampler, guidance and its remedy) unless
--steps/--sampler/--guidance are given. Each writes ``<kind>.json`` and ``<kind>.md`` into --out;
``songs`` also writes one song per genre under --out/audio/. What is measured: diffusion/edit_eval.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diffusion import Guidance, load_pipeline
from diffusion import edit_eval as E
from genre_base import Interval, PreparedDataset, UserError, command, refuse_overwrite, write_json, write_text
from genre_base.independent import load_independent_judge


def _ci(v: dict) -> str:
    return Interval.from_json(v).text(2)


def seams_markdown(title: str, result: dict) -> str:
    lines = [
        f"# {title}",
        "",
        "Seam / inside-clip ratio (1.0 = a seam is like any other moment; 95 % intervals; "
        "difference paired, chained minus independent).",
        "",
        "| measure | chained (latent inpainting) | independent clips, crossfaded | difference |",
        "|---|---|---|---|",
    ]
    for m, v in result["overall"].items():
        lines.append(f"| {m} | {_ci(v['chained'])} | {_ci(v['independent_crossfaded'])} | {_ci(v['difference'])} |")
    if "per_genre" in result:
        lines += [
            "",
            "| genre | flux: chained | flux: independent | jump: chained | jump: independent |",
            "|---|---|---|---|---|",
        ]
        for g, v in result["per_genre"].items():
            lines.append(
                f"| {g} | {_ci(v['flux']['chained'])} | {_ci(v['flux']['independent_crossfaded'])} | "
                f"{_ci(v['jump']['chained'])} | {_ci(v['jump']['independent_crossfaded'])} |"
            )
    return "\n".join(lines) + "\n"


def transfer_markdown(result: dict) -> str:
    lines = [
        "# Genre transfer (SDEdit toward the next genre)",
        "",
        f"{result['num_clips']} {result['split']} clips of {result['num_tracks']} tracks; intervals over tracks. "
        "Strength 0 is the stage-one reconstruction.",
        "",
        "| strength | target recognised | source recognised | onset corr. with the original |",
        "|---|---|---|---|",
    ]
    for row in result["curve"]:
        lines.append(
            f"| {row['strength']:g} | {_ci(row['target_recognised'])} | {_ci(row['source_recognised'])} | "
            f"{_ci(row['onset_corr'])} |"
        )
    return "\n".join(lines) + "\n"


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", required=True, help="diffusion pipeline folder")
    common.add_argument("--out", required=True)
    common.add_argument("--steps", type=int)
    common.add_argument("--sampler", choices=["ddim", "dpm", "ddpm"])
    common.add_argument("--guidance", type=float, help="a plain guidance scale instead of the chosen setting")
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--n-boot", type=int, default=1000)
    common.add_argument("--force", action="store_true")
    common.add_argument("--device", default="auto")
    held_out = argparse.ArgumentParser(add_help=False)
    held_out.add_argument("--data", required=True, help="prepared dataset")
    held_out.add_argument("--split", default="test")
    held_out.add_argument("--per-genre", type=int, default=4, help="clips (one per track) of each genre")
    held_out.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    sub = parser.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("songs", parents=[common])
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--songs-per-genre", type=int, default=4)
    p = sub.add_parser("continue", parents=[common, held_out])
    p.add_argument("--seconds", type=float, default=10.0, help="music added after the two clips")
    p = sub.add_parser("transfer", parents=[common, held_out])
    p.add_argument("--strengths", default="0,0.25,0.5,0.75,1")
    args = parser.parse_args(argv)
    if getattr(args, "per_genre", 1) < 1 or getattr(args, "songs_per_genre", 1) < 1:
        raise UserError("--per-genre and --songs-per-genre must be >= 1")
    out = Path(args.out)
    refuse_overwrite([out / f"{args.kind}.json"], args.force)
    pipe = load_pipeline(args.model, device=args.device)
    steps, sampler = pipe.default_sampling
    kw = dict(
        steps=args.steps or steps,
        sampler=args.sampler or sampler,
        guidance=Guidance(args.guidance) if args.guidance is not None else pipe.default_guidance_settings,
        seed=args.seed,
        n_boot=args.n_boot,
    )
    if args.kind == "songs":
        result = E.song_seams(pipe, args.seconds, args.songs_per_genre, audio_dir=out / "audio", **kw)
        text = seams_markdown(f"Seams of {result['num_songs']} songs of {args.seconds:g} s", result)
    elif args.kind == "continue":
        result = E.continuation_joins(pipe, PreparedDataset(args.data), args.split, args.per_genre, args.seconds, **kw)
        text = seams_markdown(f"Continuing {result['num_tracks']} {args.split} tracks by {args.seconds:g} s", result)
    else:
        try:
            strengths = tuple(float(s) for s in args.strengths.split(","))
        except ValueError:
            raise UserError(f"--strengths must be comma-separated numbers in [0, 1]; got {args.strengths!r}") from None
        judge = load_independent_judge(args.independent, device=pipe.codec.device)
        result = E.transfer_curve(pipe, judge, PreparedDataset(args.data), args.split, strengths, args.per_genre, **kw)
        text = transfer_markdown(result)
    write_json(out / f"{args.kind}.json", {"model": str(args.model), **result})
    write_text(out / f"{args.kind}.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
