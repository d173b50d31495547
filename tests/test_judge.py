"""The judge on toy genres: far above chance, judges waveforms, reports its test scores."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import autoencoder
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def judge_dir(toy_data, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("judge") / "run"
    assert (
        run_script(
            "train_classifier",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/judge_tiny.yaml"),
                "--out",
                str(run),
                "--no-progress",
            ],
        )
        == 0
    )
    return run / "model"


def test_judge_beats_chance_by_a_wide_margin_on_toy_genres(judge_dir, toy_data):
    judge = autoencoder.load_judge(judge_dir)
    data = autoencoder.PreparedDataset(toy_data)
    rows = data.indices("test")
    waves = torch.stack([data.wave(int(r)) for r in rows])
    truth = torch.tensor([judge.genres.index(g) for g in data.genres[rows]])
    accuracy = (judge.predict(waves) == truth).float().mean().item()
    chance = 1 / len(judge.genres)
    assert accuracy >= 5 * chance, f"test accuracy {accuracy:.2f} vs chance {chance:.2f}"
    assert judge.metrics["test_balanced_accuracy"] == pytest.approx(accuracy, abs=0.11)  # balanced vs plain
    assert {"test_cohen_kappa", "valid_balanced_accuracy", "test_chance_balanced_accuracy"} <= set(judge.metrics)


def test_judge_outputs(judge_dir):
    judge = autoencoder.load_judge(judge_dir)
    waves = 0.1 * torch.randn(3, 110250)
    probs = judge.probabilities(waves)
    assert probs.shape == (3, 10) and torch.allclose(probs.sum(-1), torch.ones(3), atol=1e-5)
    assert judge.embed(waves).shape == (3, 16)
    assert torch.equal(judge.predict(waves), judge.predict(waves.clone()))
