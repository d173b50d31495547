"""The command line shared by every stage-one training script: data, config, overrides, output, resume."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from ..config import load_config
from ..errors import command
from .loop import require_checkpoint

T = TypeVar("T")


def train_main(
    doc: str,
    schema: type[T],
    run: Callable[..., dict],
    argv: list[str] | None = None,
    extra_args: Callable[[argparse.ArgumentParser], None] | None = None,
    extra_music: bool = False,
) -> int:
    """Parse ``--data --config --out [--resume] [key=value ...]`` and call ``run(cfg, data, out, resume=,
    progress=, **extra)``; user errors exit 2 with one line, anything else keeps its traceback.

    With ``extra_music`` (stage one), ``--extra-src DIR`` (repeatable) adds folders of unlabelled
    music to ``cfg.extra_data``: training clips only, recorded in the run's config and the model."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="prepared dataset (genre-ldm prepare)")
    parser.add_argument("--config", help="YAML config; defaults are used for what it leaves out")
    parser.add_argument("--out", required=True, help="run folder (checkpoints, tensorboard, model)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    parser.add_argument("--no-progress", action="store_true")
    if extra_music:
        parser.add_argument(
            "--extra-src",
            action="append",
            default=[],
            metavar="DIR",
            help="extra music for training only (audio in any layout, or a prepared dataset); "
            "prepared once into <data>/../extra/ and reused",
        )
    if extra_args is not None:
        extra_args(parser)
    parser.add_argument("overrides", nargs="*", help="config overrides such as loop.max_steps=100")
    args = parser.parse_args(argv)
    known = {"data", "config", "out", "resume", "no_progress", "overrides", "extra_src"}
    extra = {k: v for k, v in vars(args).items() if k not in known}

    @command
    def go() -> int:
        cfg = load_config(schema, args.config, args.overrides)
        if args.resume:
            require_checkpoint(args.out)
        if getattr(args, "extra_src", None):
            cfg.extra_data = [*cfg.extra_data, *args.extra_src]
        metrics = run(cfg, args.data, args.out, resume=args.resume, progress=not args.no_progress, **extra)
        print_finished(metrics, f"model written to {args.out}/model")
        return 0

    return go()


def print_finished(metrics: dict[str, float], message: str) -> None:
    """The last validation metrics and where the model went, printed once (by the main process)."""
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(" ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
        print(message)
