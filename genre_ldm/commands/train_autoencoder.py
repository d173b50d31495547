r"""Train the mel VAE at one latent size. Runs with python or accelerate launch.

    genre-ldm train-vae --data data/gtzan --extra-src data/unlabelled --config configs/vae-1080.yaml \
        --vocoder models/vocoder-adversarial --out runs/vae-1080
    genre-ldm train-vae ... model.latent_size=540 model.latent_channels=5
    genre-ldm train-vae ... --resume      # continue after a kill
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
