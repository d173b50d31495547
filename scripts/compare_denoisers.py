"""Measure the denoiser choice: the 1-D FiLM network against diffusers' UNet2DModel on the same latents.

    python scripts/compare_denoisers.py --latents latents/vae-512.npz --steps 1500 --out results/diffusion/denoisers.json

Both are trained with the same batches, noise, schedule, optimiser and step count (no EMA) and
scored by the conditional validation loss at fixed timesteps (the loss train_diffusion.py
reports). The 2-D UNet sees a latent as a 1 x channels x frames image with class embeddings;
its widths are set to land near the 1-D network's parameter count.
"""

from __future__ import annotations

import argparse
import sys
import time


import torch
from diffusers import UNet2DModel
from torch import nn

from analysis.latents import load_latents
from autoencoder import write_json
from autoencoder.config import load_config
from diffusion.training import DiffusionTask, DiffusionTrainConfig, denoiser_layout


class UNet2DDenoiser(nn.Module):
    """UNet2DModel behind the LatentDenoiser interface (flat latents in and out)."""

    def __init__(self, reference, channels: int, frames: int, widths: tuple[int, ...]) -> None:
        super().__init__()
        self.reference, self.channels, self.frames = [reference], channels, frames  # list: not a submodule
        self.null_class = reference.null_class
        blocks = len(widths)
        self.unet = UNet2DModel(sample_size=(channels, frames), in_channels=1, out_channels=1, block_out_channels=widths,
                                layers_per_block=1, down_block_types=("DownBlock2D",) * blocks,
                                up_block_types=("UpBlock2D",) * blocks, num_class_embeds=reference.num_genres + 1,
                                norm_num_groups=8)

    def normalize(self, z):
        return self.reference[0].normalize(z)

    def forward(self, x, t, labels):
        n = len(x)
        out = self.unet(x.view(n, 1, self.channels, self.frames), t, class_labels=labels).sample
        return out.reshape(n, -1)


def run(task: DiffusionTask, model: nn.Module, steps: int, batch: int, lr: float, seed: int) -> dict:
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    data = task.train_dataset()
    gen = torch.Generator().manual_seed(seed)
    curve, start = [], time.perf_counter()
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(data), (batch,), generator=gen)
        loss = task.loss(model, tuple(t[idx] for t in data.tensors), step)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % max(1, steps // 6) == 0 or step == steps:
            model.eval()
            with torch.no_grad():
                curve.append({"step": step, "valid_loss": task.validate(model, step)["loss"]})
            model.train()
            print(f"  step {step}: valid loss {curve[-1]['valid_loss']:.4f}")
    return {"parameters": sum(p.numel() for p in model.parameters()), "curve": curve,
            "final_valid_loss": curve[-1]["valid_loss"], "seconds_per_step": (time.perf_counter() - start) / steps}


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
    latents = load_latents(args.latents)
    cfg = load_config(DiffusionTrainConfig, args.config)
    # The stage-one folder is only needed for media and export, neither of which runs here.
    task = DiffusionTask(cfg, latents, latents.manifest["model_id"])
    channels, frames = denoiser_layout(latents)
    widths = tuple(int(w) for w in args.unet_widths.split(","))
    results = {}
    for name, model in (("film_1d", task.model), ("unet_2d", UNet2DDenoiser(task.model, channels, frames, widths))):
        print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
        results[name] = run(task, model.train(), args.steps, args.batch_size, args.lr, args.seed)
    write_json(args.out, {"latents": args.latents, "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
                          "unet_widths": widths, "results": results})
    for name, r in results.items():
        print(f"{name:>8}: {r['parameters'] / 1e6:.2f} M params, valid loss {r['final_valid_loss']:.4f}, "
              f"{1000 * r['seconds_per_step']:.0f} ms/step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
