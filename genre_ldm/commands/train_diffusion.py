"""Train the genre-conditioned latent diffusion model on a latents file. Runs with python or accelerate launch.

    genre-ldm encode --model models/vae-1080 --data data/gtzan --out latents/vae-1080.npz
    genre-ldm train-diffusion --latents latents/vae-1080.npz --out runs/diffusion [--config configs/diffusion.yaml]
    accelerate launch -m genre_ldm train-diffusion --latents ... --out ...     # one CPU to many GPUs
    genre-ldm train-diffusion ... --resume                            # continue after a kill
    tensorboard --logdir runs/diffusion/tensorboard                           # loss, valid loss, samples

The stage-one model is the one that made the latents (its folder is in the file's manifest,
checked by hash); --stage-one points elsewhere when the folder has moved. Writes <out>/model (EMA
weights at the end) and <out>/best (lowest valid loss): pipeline folders for genre-ldm sample.
"""

from __future__ import annotations

import argparse
import sys

from diffusion.training import DiffusionTrainConfig, train_diffusion
from genre_base import command, load_config
from genre_base.training import require_checkpoint
from genre_base.training.cli import print_finished


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latents", required=True, help="latents file of a VAE (genre-ldm encode)")
    parser.add_argument("--config", help="YAML config; defaults are used for what it leaves out")
    parser.add_argument("--out", required=True, help="run folder (checkpoints, tensorboard, model)")
    parser.add_argument("--stage-one", help="the VAE folder, when it is not where the latents file says")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("overrides", nargs="*", help="config overrides such as loop.max_steps=100")
    args = parser.parse_args(argv)
    cfg = load_config(DiffusionTrainConfig, args.config, args.overrides)
    if args.resume:
        require_checkpoint(args.out)
    metrics = train_diffusion(
        cfg, args.latents, args.out, stage_one=args.stage_one, resume=args.resume, progress=not args.no_progress
    )
    print_finished(metrics, f"pipeline written to {args.out}/model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
