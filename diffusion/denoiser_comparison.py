"""The denoiser choice, measured: the 1-D FiLM network against diffusers' UNet2DModel on the same latents.

Both are trained with the same batches, noise, schedule, optimiser and step count (no EMA) and
scored by the conditional validation loss at fixed timesteps (the loss of the training loop). The
2-D UNet sees a latent as a 1 x channels x frames image with class embeddings; its widths are set
to land near the 1-D network's parameter count.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
from diffusers import UNet2DModel
from torch import nn

from autoencoder.latents import load_latents
from genre_base import write_json

from .training import DiffusionTask, DiffusionTrainConfig, denoiser_layout

log = logging.getLogger(__name__)


class UNet2DDenoiser(nn.Module):
    """UNet2DModel behind the LatentDenoiser interface (flat latents in and out)."""

    def __init__(self, reference, channels: int, frames: int, widths: tuple[int, ...]) -> None:
        super().__init__()
        self.reference, self.channels, self.frames = [reference], channels, frames  # list: not a submodule
        self.null_class = reference.null_class
        blocks = len(widths)
        self.unet = UNet2DModel(
            sample_size=(channels, frames),
            in_channels=1,
            out_channels=1,
            block_out_channels=widths,
            layers_per_block=1,
            down_block_types=("DownBlock2D",) * blocks,
            up_block_types=("UpBlock2D",) * blocks,
            num_class_embeds=reference.num_genres + 1,
            norm_num_groups=8,
        )

    def normalize(self, z):
        return self.reference[0].normalize(z)

    def forward(self, x, t, labels):
        n = len(x)
        out = self.unet(x.view(n, 1, self.channels, self.frames), t, class_labels=labels).sample
        return out.reshape(n, -1)


def run(task: DiffusionTask, model: nn.Module, steps: int, batch: int, lr: float, seed: int) -> dict:
    """Train ``model`` on the task's training latents for ``steps``; its validation curve and speed."""
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
            log.info(f"  step {step}: valid loss {curve[-1]['valid_loss']:.4f}")
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "curve": curve,
        "final_valid_loss": curve[-1]["valid_loss"],
        "seconds_per_step": (time.perf_counter() - start) / steps,
    }


def compare_denoisers(
    cfg: DiffusionTrainConfig,
    latents: str | Path,
    out: str | Path,
    *,
    steps: int = 1500,
    batch_size: int = 64,
    lr: float = 5e-4,
    unet_widths: tuple[int, ...] = (24, 48, 64),
    seed: int = 0,
) -> dict:
    """Train both denoisers on the latents file and write their validation curves to ``out`` (JSON)."""
    data = load_latents(latents)
    # The stage-one folder is only needed for media and export, neither of which runs here.
    task = DiffusionTask(cfg, data, data.manifest["model_id"])
    channels, frames = denoiser_layout(data)
    results = {}
    for name, model in (
        ("film_1d", task.model),
        ("unet_2d", UNet2DDenoiser(task.model, channels, frames, unet_widths)),
    ):
        log.info(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
        results[name] = run(task, model.train(), steps, batch_size, lr, seed)
    record = {
        "latents": str(latents),
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "unet_widths": list(unet_widths),
        "results": results,
    }
    write_json(out, record)
    return record
