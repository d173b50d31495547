"""Train the mel VAE at one latent size. Runs with python or accelerate launch.

    python scripts/train_autoencoder.py --data data/gtzan --config configs/autoencoder.yaml \
        --vocoder runs/vocoder/model --out runs/vae-128
    python scripts/train_autoencoder.py ... model.latent_size=64 model.latent_channels=2
    python scripts/train_autoencoder.py ... --resume      # continue after a kill
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autoencoder.codec import load_vocoder  # noqa: E402
from autoencoder.training.cli import train_main  # noqa: E402
from autoencoder.training.vae_task import VAETask, VAETrainConfig  # noqa: E402


def make_task(cfg: VAETrainConfig, data, args) -> VAETask:
    folder = args.vocoder or cfg.vocoder
    if folder is None:
        return VAETask(cfg, data)
    vocoder, frontend = load_vocoder(folder)
    if frontend.settings != cfg.mel:
        raise ValueError(f"the vocoder at {folder!r} uses other mel settings than this config: "
                         f"{frontend.settings} vs {cfg.mel}")
    return VAETask(cfg, data, vocoder, folder)


def main(argv: list[str] | None = None) -> int:
    return train_main(__doc__, VAETrainConfig, make_task, argv,
                      extra_args=lambda p: p.add_argument("--vocoder", help="trained vocoder folder (else Griffin-Lim)"))


if __name__ == "__main__":
    sys.exit(main())
