r"""Apply the latent-size rule (configs/sweep.yaml) to trained VAE folders on the valid split, training nothing.

    genre-ldm apply-rule --models models/vae-540 models/vae-1080 models/vae-2160 --data data/gtzan \
        --out runs/rule [--config configs/sweep.yaml] [--judge models/judge] [--extra-src data/unlabelled]

Each model is evaluated on the valid clips (up to full_eval_max_clips); the ceilings (better of the
vocoder and Griffin-Lim on true mels) are measured in the same run; the decision, its shortfall
intervals over tracks and the table go to --out (rule.json, table.md, eval_valid_D<size>_<layout>.json).
Pass the extra music the models trained on (--extra-src) so that PCA is fitted on the same audio.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autoencoder.sweep import SweepConfig
from autoencoder.training.sweep_runner import apply_rule_to_models
from genre_base import command, refuse_overwrite
from genre_base.config import load_config


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", required=True, help="VAE model folders")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--config", default="configs/sweep.yaml", help="sweep YAML holding the rule")
    parser.add_argument("--judge", help="in-house judge (a second opinion, optional)")
    parser.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    parser.add_argument(
        "--extra-src",
        action="append",
        default=[],
        metavar="DIR",
        help="extra music the models trained on: PCA is fitted on it too (repeatable)",
    )
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("overrides", nargs="*", help="e.g. rule.fad_ratio=1.5 full_eval_max_clips=100")
    args = parser.parse_args(argv)
    refuse_overwrite([Path(args.out) / "rule.json"], args.force)
    cfg = load_config(SweepConfig, args.config, args.overrides)
    cfg.vae.extra_data = [*cfg.vae.extra_data, *args.extra_src]
    record = apply_rule_to_models(
        cfg,
        args.models,
        args.data,
        args.out,
        judge=args.judge,
        independent=args.independent,
        progress=not args.no_progress,
    )
    print((Path(args.out) / "table.md").read_text())
    return 0 if record else 1


if __name__ == "__main__":
    sys.exit(main())
