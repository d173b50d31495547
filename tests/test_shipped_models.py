"""The models shipped in models/ load (hash-checked), decode, and judge right after install."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import autoencoder

MODELS = Path(__file__).resolve().parents[1] / "models"
pytestmark = pytest.mark.skipif(not (MODELS / "vae-128").is_dir(), reason="no shipped models in models/")


def test_shipped_vae_vocoder_and_judge_work_together():
    codec = autoencoder.load(MODELS / "vae-128")
    assert codec.latent_size == 128 and codec.vocoder is not None
    t = torch.arange(codec.clip_samples) / codec.sample_rate
    wave = 0.3 * torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 2 * t))
    z = codec.encode(wave)
    out = codec.decode(z)
    assert z.shape == (1, 128) and out.shape == (1, codec.clip_samples) and torch.isfinite(out).all()
    judge = autoencoder.load_judge(MODELS / "judge")
    assert len(judge.genres) == 10 and judge.metrics["test_balanced_accuracy"] > 2 * judge.metrics["test_chance_balanced_accuracy"]
    assert judge.probabilities(out).shape == (1, 10)
