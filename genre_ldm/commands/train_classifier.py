"""Train the judge: a small genre classifier on log-mels of real training clips (never latents).

    genre-ldm train-judge --data data/gtzan --out runs/judge [--config configs/judge.yaml]

Its balanced accuracy and Cohen's kappa on real test clips are stored with the model and reported
beside every figure it produces. Runs with python or accelerate launch; --resume after a kill.
"""

from __future__ import annotations

import sys

from autoencoder.training.run import train_judge
from genre_base.training.cli import train_main
from genre_base.training.judge_task import JudgeTrainConfig


def main(argv: list[str] | None = None) -> int:
    return train_main(__doc__, JudgeTrainConfig, train_judge, argv)


if __name__ == "__main__":
    sys.exit(main())
