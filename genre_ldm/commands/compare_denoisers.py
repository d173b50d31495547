"""Measure the denoiser choice: the 1-D FiLM network against diffusers' UNet2DModel on the same latents.

    genre-ldm compare-denoisers --latents latents/vae-1080.npz --steps 1500 --out results/generation/denoisers/denoisers.json

Both are trained with the same batches, noise, schedule, optimiser and step count (no EMA) and
scored by the conditional validation loss at fixed timesteps (the loss train_diffusion.py
reports). The 2-D UNet sees a latent as a 1 x channels x frames image with class embeddings;
its widths are set to land near the 1-D network's parameter count.
"""

from __future__ import annotations

import argparse
import sys

from diffusion.denoiser_comparison import compare_denoisers
from diffusion.training import DiffusionTrainConfig
from genre_base import command, load_config


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latents", required=True)
    parser.add_argument("--config", help="diffusion config of the 1-D network (default: the built-in defaults)")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--unet-widths", default="24,48,64", help="0.82 M parameters, about the 1-D network's 0.83 M")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="JSON file for the results")
    args = parser.parse_args(argv)
    record = compare_denoisers(
        load_config(DiffusionTrainConfig, args.config),
        args.latents,
        args.out,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        unet_widths=tuple(int(w) for w in args.unet_widths.split(",")),
        seed=args.seed,
    )
    for name, r in record["results"].items():
        print(
            f"{name:>8}: {r['parameters'] / 1e6:.2f} M params, valid loss {r['final_valid_loss']:.4f}, "
            f"{1000 * r['seconds_per_step']:.0f} ms/step"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
