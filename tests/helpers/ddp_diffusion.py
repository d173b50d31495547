"""Run by tests/test_training_loop.py under ``accelerate launch`` with two processes.

Trains the denoiser a few steps with the shared loop, then every rank writes the number of
processes it saw, a checksum of its parameters and the device it trained on, so the test can
check that two processes really ran (not two unsynchronised copies) and ended with identical
weights. The run's metrics.json holds the learning rate at the last step.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from accelerate import PartialState

from autoencoder.latents import load_latents
from diffusion.training import DiffusionTask, DiffusionTrainConfig
from genre_base.config import load_config
from genre_base.logs import configure
from genre_base.training import train


def main() -> None:
    configure()  # a script of its own, not a command: it asks for the library's progress lines (the banner)
    latents, stage_one, out = sys.argv[1:4]
    cfg = load_config(
        DiffusionTrainConfig,
        None,
        [
            "loop.max_steps=6",
            "loop.batch_size=4",
            "loop.valid_every=6",
            "loop.media_every=1000",
            "loop.checkpoint_every=6",
            "loop.ema_decay=0",
            "loop.warmup_steps=2",
            "denoiser.width=16",
            "denoiser.dilations=[1,2]",
            "denoiser.cond_dim=16",
        ],
    )
    task = DiffusionTask(cfg, load_latents(latents), stage_one)
    # As the loop's Accelerator: CPU processes (gloo) when CUDA is hidden, one GPU each otherwise.
    state = PartialState(cpu=not torch.cuda.is_available())
    rank, world = state.process_index, state.num_processes  # read before train() ends the process group
    train(task, cfg.loop, Path(out) / "run", cfg, progress=False)
    params = list(task.model.parameters())
    flat = torch.cat([p.detach().reshape(-1).cpu() for p in params]).numpy().tobytes()
    (Path(out) / f"rank{rank}.json").write_text(
        json.dumps(
            {"num_processes": world, "checksum": hashlib.sha256(flat).hexdigest(), "device": str(params[0].device)}
        )
    )


if __name__ == "__main__":
    main()
