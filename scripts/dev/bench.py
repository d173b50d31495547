"""Speed of stage one under a fixed protocol: batch 1, 2 threads, one 5 s clip, median of runs.

    python scripts/dev/bench.py --out results/bench.json [--model models/vae-1080] [--vocoder models/vocoder-adversarial] [--runs 20]

Reports, in seconds and in times real time (5 s of audio / seconds taken): the log-mel front-end,
VAE encode, VAE decode, vocoder decode, Griffin-Lim decode (32 iterations, including the inverse
mel scale), and one training step of the vocoder (batch 16 of 1 s crops; with the default adversarial
config's discriminator, batch 16 of its 0.5 s crops) and of the VAE (batch 32 of 5 s clips). Without --model the default configs' models are timed (random weights run
exactly as fast as trained ones). A benchmark, not a test: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

import torch

from autoencoder.griffin_lim import GriffinLim
from autoencoder.training.vae_task import VAETrainConfig
from autoencoder.training.vocoder_task import VocoderTrainConfig
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from genre_base import command
from genre_base.artifacts import write_json
from genre_base.mel import MelFrontend
from genre_base.metrics import multi_resolution_stft
from genre_base.timing import median_seconds


def models(model_dir: str | None) -> tuple[MelVAE, Vocoder, MelFrontend]:
    if model_dir:
        import autoencoder

        codec = autoencoder.load(model_dir)
        if codec.vocoder is None:
            raise SystemExit(f"error: {model_dir} refers to no vocoder")
        return codec.vae, codec.vocoder, codec.frontend
    vae_cfg, voc_cfg = VAETrainConfig(), VocoderTrainConfig()
    m = vae_cfg.model
    vae = MelVAE(
        latent_channels=m.latent_channels,
        latent_frames=m.latent_frames,
        channels=tuple(m.channels),
        num_res_blocks=m.num_res_blocks,
    )
    v = voc_cfg.model
    return vae, Vocoder(dim=v.dim, intermediate_dim=v.intermediate_dim, num_layers=v.num_layers), MelFrontend()


def train_step(model, loss_fn, batch, lr=1e-4):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)

    def step():
        loss = loss_fn(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def adversarial_step(vocoder, fe, mrstft):
    """One generator step and one discriminator step of configs/vocoder-128-adversarial.yaml's recipe."""
    from autoencoder.training.adversarial import build_discriminator, discriminator_step, generator_terms
    from genre_base.config import load_config

    cfg = load_config(VocoderTrainConfig, "configs/vocoder-128-adversarial.yaml", ["init_from=null"])
    disc = build_discriminator(cfg.adversarial)
    g_opt = torch.optim.AdamW(vocoder.parameters(), lr=1e-4)
    d_opt = torch.optim.AdamW(disc.parameters(), lr=1e-4)
    crops = 0.1 * torch.randn(16, int(cfg.crop_seconds * fe.settings.sample_rate))

    def step():
        pred = vocoder(fe(crops), crops.shape[-1])
        hinge, fm = generator_terms(disc, crops, pred)
        loss = mrstft(pred[:, None], crops[:, None]) + (fe(pred) - fe(crops)).abs().mean() + hinge + fm
        g_opt.zero_grad()
        loss.backward()
        g_opt.step()
        d_loss = discriminator_step(disc, crops, pred)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()

    return step


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="trained VAE folder (its vocoder is timed too)")
    parser.add_argument("--vocoder", help="trained vocoder folder to time instead of the VAE's")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", help="JSON file to write")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    vae, vocoder, fe = models(args.model)
    if args.vocoder:
        from autoencoder.codec import load_vocoder

        vocoder, _ = load_vocoder(args.vocoder)
    vae.eval(), vocoder.eval()
    seconds = 5.0
    wave = 0.1 * torch.randn(1, int(seconds * fe.settings.sample_rate))
    mel = fe(wave)
    griffin_lim = GriffinLim(fe)
    with torch.no_grad():
        z = vae.encode(mel).mean
        timings = {
            "mel_front_end": median_seconds(lambda: fe(wave), args.runs),
            "vae_encode": median_seconds(lambda: vae.encode(fe(wave)), args.runs),
            "vae_decode": median_seconds(lambda: vae.decode(z), args.runs),
            "vocoder_decode": median_seconds(lambda: vocoder(mel, wave.shape[-1]), args.runs),
            "griffin_lim_decode": median_seconds(lambda: griffin_lim(mel, wave.shape[-1]), max(5, args.runs // 4)),
        }
    mrstft = multi_resolution_stft()
    crops = 0.1 * torch.randn(16, fe.settings.sample_rate)
    vocoder.train()
    timings["vocoder_train_step_b16_1s"] = median_seconds(
        train_step(
            vocoder,
            lambda m, w: (
                mrstft(m(fe(w), w.shape[-1])[:, None], w[:, None]) + (fe(m(fe(w), w.shape[-1])) - fe(w)).abs().mean()
            ),
            crops,
        ),
        5,
    )
    timings["adversarial_vocoder_train_step_b16_0.5s"] = median_seconds(adversarial_step(vocoder, fe, mrstft), 5)
    vae.train()
    clips = fe(0.1 * torch.randn(32, wave.shape[-1]))
    timings["vae_train_step_b32_5s"] = median_seconds(
        train_step(vae, lambda m, x: (m(x)[0] - x).abs().mean(), clips), 5
    )
    result = {
        "protocol": f"batch 1, 2 threads, one {seconds:g} s clip, median of {args.runs} runs (Griffin-Lim "
        f"{max(5, args.runs // 4)}, training steps 5) after one warm-up",
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__},
        "model": args.model or "default configs",
        "vocoder": args.vocoder or ("the model's" if args.model else "default config"),
        "parameters": {
            "vae": sum(p.numel() for p in vae.parameters()),
            "vocoder": sum(p.numel() for p in vocoder.parameters()),
        },
        "seconds": timings,
        "times_real_time": {k: seconds / v for k, v in timings.items() if "train" not in k},
        "vocoder_speedup_over_griffin_lim": timings["griffin_lim_decode"] / timings["vocoder_decode"],
    }
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
