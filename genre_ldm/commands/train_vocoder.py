r"""Train the vocoder (mel -> waveform) on real clips. Runs with python or accelerate launch.

    genre-ldm train-vocoder --data data/gtzan --config configs/vocoder-128.yaml --out runs/vocoder
    accelerate launch -m genre_ldm train-vocoder --data data/gtzan --out runs/vocoder loop.max_steps=20000
    genre-ldm train-vocoder --data data/gtzan --out runs/vocoder --resume   # after a kill
    genre-ldm train-vocoder --data data/gtzan --config configs/vocoder-128-adversarial.yaml \
        --extra-src data/unlabelled --out runs/vocoder-adv     # adversarial, with extra music
"""

from __future__ import annotations

import sys

from autoencoder.training.run import train_vocoder
from autoencoder.training.vocoder_task import VocoderTrainConfig
from genre_base.training.cli import train_main


def main(argv: list[str] | None = None) -> int:
    return train_main(__doc__, VocoderTrainConfig, train_vocoder, argv, extra_music=True)


if __name__ == "__main__":
    sys.exit(main())
