"""Train the mel VAE at one latent size. Runs with python or accelerate launch.

    python scripts/train_autoencoder.py --data data/gtzan --config configs/autoencoder.yaml \
        --vocoder runs/vocoder/model --out runs/vae-128
    python scripts/train_autoencoder.py ... model.latent_size=64 model.latent_channels=2
    python scripts/train_autoencoder.py ... --resume      # continue after a kill
"""

from __future__ import annotations

import sys

from autoencoder.training.run import train_autoencoder
from autoencoder.training.vae_task import VAETrainConfig
from genre_base.training.cli import train_main


def main(argv: list[str] | None = None) -> int:
    return train_main(
        __doc__,
        VAETrainConfig,
        train_autoencoder,
        argv,
        extra_args=lambda p: p.add_argument("--vocoder", help="trained vocoder folder (else Griffin-Lim)"),
        extra_music=True,
    )


if __name__ == "__main__":
    sys.exit(main())
