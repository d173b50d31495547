"""Run by tests/test_diffusion.py under ``accelerate launch`` with two processes.

Trains the denoiser a few steps with the shared loop, then every rank writes the number of
processes it saw and a checksum of its parameters, so the test can check that two processes
really ran (not two unsynchronised copies) and ended with identical weights.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402
from accelerate import PartialState  # noqa: E402

from analysis.latents import load_latents  # noqa: E402
from autoencoder.config import load_config  # noqa: E402
from autoencoder.training import train  # noqa: E402
from diffusion.training import DiffusionTask, DiffusionTrainConfig  # noqa: E402


def main() -> None:
    latents, stage_one, out = sys.argv[1:4]
    cfg = load_config(DiffusionTrainConfig, None, ["loop.max_steps=6", "loop.batch_size=4", "loop.valid_every=6",
                                                   "loop.media_every=1000", "loop.checkpoint_every=6", "loop.ema_decay=0",
                                                   "denoiser.width=16", "denoiser.dilations=[1,2]", "denoiser.cond_dim=16"])
    task = DiffusionTask(cfg, load_latents(latents), stage_one)
    state = PartialState(cpu=True)  # as the loop's Accelerator(cpu=True); PartialState() alone would not join the group
    rank, world = state.process_index, state.num_processes  # read before train() ends the process group
    train(task, cfg.loop, Path(out) / "run", cfg, progress=False)
    flat = torch.cat([p.detach().reshape(-1) for p in task.model.parameters()]).numpy().tobytes()
    (Path(out) / f"rank{rank}.json").write_text(json.dumps(
        {"num_processes": world, "checksum": hashlib.sha256(flat).hexdigest()}))


if __name__ == "__main__":
    main()
