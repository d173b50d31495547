r"""The latent-size study: one VAE per layout (same budget, seed and data), evaluated beside PCA.

    genre-ldm sweep --data data/gtzan --vocoder models/vocoder-adversarial --judge models/judge \
        --extra-src data/unlabelled --config configs/sweep.yaml --out runs/sweep [key=value ...]

Every size of ``sizes`` is tried at every latent frame count of ``frames`` (``--sizes 128,512``,
``frames=[32,108]``); a layout is ``channels x frames`` floats with the channels rounded. With
``--extra-src`` the VAEs also train on that music and PCA is fitted on it too (the same training audio).

Continue the chosen sizes to the full budget from the brief sweep's checkpoints:

    genre-ldm sweep ... --sizes 256,512,1024 --continue-from runs/sweep --out runs/sweep-full \
        vae.loop.max_steps=3000 eval_max_clips=300

Resumable: finished sizes are skipped, an interrupted size resumes from its newest checkpoint.
Prints a table as it goes (valid split), then applies the rule from the config (written before the
sweep runs) and prints D* and the three sizes of the analysis. Writes sweep.json, table.md and
figures into --out; audio of the same test clips at every size goes to --out/audio.
"""

from __future__ import annotations

import argparse
import sys

from autoencoder.sweep import SweepConfig
from autoencoder.training.sweep_runner import sweep_latent_sizes
from genre_base import command
from genre_base.config import load_config


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--vocoder", required=True, help="trained vocoder folder (reused by every size)")
    parser.add_argument("--judge", required=True, help="trained in-house judge folder (a second opinion)")
    parser.add_argument(
        "--independent",
        help="independent judge folder, which the rule uses "
        "(default models/independent-judge; genre-ldm train-independent-judge makes one)",
    )
    parser.add_argument("--sizes", help="comma-separated latent sizes (overrides the config)")
    parser.add_argument(
        "--extra-src",
        action="append",
        default=[],
        metavar="DIR",
        help="extra music for training (and PCA's fit) only; see genre-ldm train-vae",
    )
    parser.add_argument("--config", help="sweep YAML (the rule's thresholds live here)")
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--continue-from",
        help="an earlier sweep's --out: each size starts from its newest "
        "checkpoint (how the chosen sizes go from the brief budget to the full one)",
    )
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("overrides", nargs="*", help="e.g. vae.loop.max_steps=1500 rule.onset_fraction=0.7")
    args = parser.parse_args(argv)
    cfg = load_config(SweepConfig, args.config, args.overrides)
    if args.sizes:
        cfg.sizes = [int(s) for s in args.sizes.split(",")]
    cfg.vae.extra_data = [*cfg.vae.extra_data, *args.extra_src]
    sweep_latent_sizes(
        cfg,
        args.data,
        args.vocoder,
        args.judge,
        args.out,
        continue_from=args.continue_from,
        progress=not args.no_progress,
        independent=args.independent,
    )
    print(f"table and figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
