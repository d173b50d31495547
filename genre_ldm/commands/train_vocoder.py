"""Train the vocoder (mel -> waveform) on real clips. Runs with python or accelerate launch.

    python scripts/train_vocoder.py --data data/gtzan --config configs/vocoder.yaml --out runs/vocoder
    accelerate launch scripts/train_vocoder.py --data data/gtzan --out runs/vocoder loop.max_steps=20000
    python scripts/train_vocoder.py --data data/gtzan --out runs/vocoder --resume   # after a kill
    python scripts/train_vocoder.py --data data/gtzan --config configs/vocoder_adversarial.yaml \
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
