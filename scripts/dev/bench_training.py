"""Training throughput: clips per second of the vocoder, VAE and denoiser training steps.

    python scripts/dev/bench_training.py --out results/bench/training_cpu.json
    python scripts/dev/bench_training.py --device cuda --out results/bench/training_cuda.json

Each model is the default config's (the VAE at D = 512, 16 x 32, as the study picks; the denoiser
on 512-float latents), trained on random inputs of the real shapes with the training tasks' own
loss terms: one forward, backward and AdamW step, timed as the median of --runs steps after one
warm-up, at two batch sizes, in fp32 and under bf16 autocast. On the CPU, bf16 is measured here
to show why the training loop refuses it there. A benchmark, not a test: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from contextlib import nullcontext

import torch
import torch.nn.functional as F

from autoencoder.training.vae_task import VAETrainConfig
from autoencoder.training.vocoder_task import VocoderTrainConfig
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from diffusion.denoiser import LatentDenoiser
from diffusion.training import DiffusionTrainConfig, make_scheduler
from genre_base import command, resolve_device, write_json
from genre_base.mel import MelFrontend
from genre_base.metrics import multi_resolution_stft


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(model: torch.nn.Module, loss_fn, device: torch.device, precision: str, runs: int) -> float:
    """Median seconds of one optimiser step (forward + backward + AdamW) after one warm-up step."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else nullcontext()

    def step() -> None:
        with autocast:
            loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.float().backward()
        opt.step()

    step()
    times = []
    for _ in range(runs):
        _sync(device)
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def vocoder_case(device: torch.device, batch: int):
    cfg = VocoderTrainConfig()
    fe = MelFrontend(cfg.mel).to(device)
    m = cfg.model
    model = Vocoder(
        n_mels=cfg.mel.n_mels,
        n_fft=cfg.mel.n_fft,
        hop_length=cfg.mel.hop_length,
        dim=m.dim,
        intermediate_dim=m.intermediate_dim,
        num_layers=m.num_layers,
    ).to(device)
    mrstft = multi_resolution_stft(cfg.mel.sample_rate).to(device)
    wave = 0.1 * torch.randn(batch, int(cfg.crop_seconds * cfg.mel.sample_rate), device=device)
    mel = fe(wave)

    def loss():
        pred = model(mel, wave.shape[-1]).float()
        return mrstft(pred[:, None], wave[:, None]) + cfg.mel_weight * F.l1_loss(fe(pred), mel)

    return model, loss


def vae_case(device: torch.device, batch: int):
    cfg = VAETrainConfig()
    fe = MelFrontend(cfg.mel).to(device)
    samples = int(cfg.clip_seconds * cfg.mel.sample_rate)
    model = MelVAE(
        n_mels=cfg.mel.n_mels,
        num_frames=cfg.mel.num_frames(samples),
        latent_channels=16,
        latent_frames=32,
        channels=tuple(cfg.model.channels),
        num_res_blocks=cfg.model.num_res_blocks,
    ).to(device)
    mel = fe(0.1 * torch.randn(batch, samples, device=device))

    def loss():
        recon, post = model(mel)
        recon = recon.float()
        return (
            F.l1_loss(recon, mel)
            + cfg.delta_weight * F.l1_loss(recon.diff(dim=-1), mel.diff(dim=-1))
            + cfg.kl_weight * post.kl_per_dim().flatten(1).sum(1).mean()
        )

    return model, loss


def denoiser_case(device: torch.device, batch: int):
    cfg = DiffusionTrainConfig()
    d = cfg.denoiser
    model = LatentDenoiser(
        latent_size=512,
        channels=16,
        frames=32,
        genres=tuple(f"g{i}" for i in range(10)),
        width=d.width,
        dilations=tuple(d.dilations),
        cond_dim=d.cond_dim,
    ).to(device)
    scheduler = make_scheduler(cfg.scheduler)
    x0 = torch.randn(batch, 512, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)

    def loss():
        noise = torch.randn_like(x0)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (batch,), device=device)
        return F.mse_loss(model(scheduler.add_noise(x0, noise, t), t, labels).float(), noise)

    return model, loss


CASES = {
    "vocoder (1 s crops)": (vocoder_case, (16, 32)),
    "vae D=512 (5 s clips)": (vae_case, (32, 64)),
    "denoiser D=512": (denoiser_case, (64, 256)),
}


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (the 2-core reference machine)")
    parser.add_argument("--out", help="JSON file to write")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for name, (make, batches) in CASES.items():
        for batch in batches:
            for precision in ("fp32", "bf16"):
                model, loss = make(device, batch)
                seconds = time_steps(model.train(), loss, device, precision, args.runs)
                rows.append(
                    {
                        "model": name,
                        "batch": batch,
                        "precision": precision,
                        "seconds_per_step": seconds,
                        "clips_per_second": batch / seconds,
                        "parameters": sum(p.numel() for p in model.parameters()),
                    }
                )
                print(
                    f"{name:<24} batch {batch:>4} {precision}: {seconds * 1000:8.1f} ms/step "
                    f"{batch / seconds:9.1f} clips/s",
                    flush=True,
                )
    machine = {
        "device": str(device),
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
    }
    result = {
        "protocol": f"median of {args.runs} optimiser steps after one warm-up; random inputs of the real shapes",
        "machine": machine,
        "command": " ".join(sys.argv),
        "rows": rows,
    }
    if args.out:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
