"""The whole study in one command: data -> stage one -> latent sizes -> analysis -> stage two -> report.

    genre-ldm study --out runs/study-toy                      # toy genres; 108 min on 2 shared cores
    genre-ldm study --src ../shared/data/gtzan --out runs/study --config configs/study.yaml

Every step config named by the study YAML is loaded and checked before the first step runs.
Steps: prepare, vocoder, judge, independent, sweep, full, encode, analysis, ood, diffusion, generation,
samples, manipulate, report; each is skipped when its output exists and training resumes after
an interruption (see genre_ldm/study.py).
"""

from __future__ import annotations

import argparse
import sys
import time

from genre_base import command
from genre_ldm.study import run_study
from genre_ldm.study_config import load_study_config


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", help="a GTZAN folder (any usual layout); default: generated toy genres")
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--config", help="study YAML (default: configs/study_toy.yaml without --src, configs/study.yaml with it)"
    )
    parser.add_argument("--only", help="comma-separated steps to run (the others must be current)")
    parser.add_argument("--progress", action="store_true", help="progress bars for training and encoding")
    parser.add_argument(
        "overrides",
        nargs="*",
        help="e.g. song_seconds=20 reuse.vocoder=models/vocoder 'sweep.set={vae: {loop: {max_steps: 400}}}'",
    )
    args = parser.parse_args(argv)
    plan = load_study_config(
        args.config or ("configs/study.yaml" if args.src else "configs/study_toy.yaml"), args.overrides
    )
    start = time.time()
    report = run_study(plan, args.src, args.out, args.only.split(",") if args.only else None, progress=args.progress)
    print(f"study finished in {time.time() - start:.0f} s; report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
