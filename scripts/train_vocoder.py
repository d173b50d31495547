"""Train the vocoder (mel -> waveform) on real clips. Runs with python or accelerate launch.

    python scripts/train_vocoder.py --data data/gtzan --config configs/vocoder.yaml --out runs/vocoder
    accelerate launch scripts/train_vocoder.py --data data/gtzan --out runs/vocoder loop.max_steps=20000
    python scripts/train_vocoder.py --data data/gtzan --out runs/vocoder --resume   # after a kill
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autoencoder.training.cli import train_main  # noqa: E402
from autoencoder.training.vocoder_task import VocoderTask, VocoderTrainConfig  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return train_main(__doc__, VocoderTrainConfig, lambda cfg, data, args: VocoderTask(cfg, data), argv)


if __name__ == "__main__":
    sys.exit(main())
