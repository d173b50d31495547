"""Shared fixtures: everything is generated here, so the suite runs where ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from genre_base.prepare import PrepareOptions, prepare_dataset
from genre_base.toy import make_toy_genres
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]
SHARED_GTZAN = REPO.parent / "shared" / "data" / "gtzan"
SHARED_OOD = REPO.parent / "shared" / "data" / "ood"


@pytest.fixture(scope="session")
def toy_audio(tmp_path_factory) -> Path:
    """Ten toy genres x 4 tracks x 11 s (two 5 s clips per track, a 1 s tail dropped)."""
    root = tmp_path_factory.mktemp("toy_audio")
    make_toy_genres(root, tracks_per_genre=4, seconds=11.0)
    return root


@pytest.fixture(scope="session")
def toy_data(toy_audio, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("toy_data") / "prepared"
    prepare_dataset(toy_audio, out, PrepareOptions(), progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_stage_one(tmp_path_factory) -> Path:
    """An untrained tiny VAE (D = 16: 2 channels x 8 frames) referring to an untrained tiny vocoder."""
    import torch

    from autoencoder.vae import MelVAE
    from autoencoder.vocoder import Vocoder
    from genre_base.artifacts import reference, save_model
    from genre_base.mel import MelSettings

    root = tmp_path_factory.mktemp("stage_one")
    torch.manual_seed(0)
    save_model(Vocoder(dim=16, intermediate_dim=32, num_layers=1), root / "voc", "vocoder", MelSettings())
    save_model(
        MelVAE(latent_channels=2, latent_frames=8, channels=(16, 16)),
        root / "vae",
        "vae",
        MelSettings(),
        references={"vocoder": reference(root / "voc", root / "vae")},
        extra={"latent": {"size": 16, "global_size": 0, "channels": 2, "frames": 8, "clip_seconds": 5.0}},
    )
    return root / "vae"


@pytest.fixture(scope="session")
def tiny_latents(toy_data, tiny_stage_one, tmp_path_factory) -> Path:
    """The toy dataset encoded by :func:`tiny_stage_one` (with log-variances)."""

    out = tmp_path_factory.mktemp("latents") / "tiny.npz"
    assert (
        run_script(
            "encode_dataset", ["--model", str(tiny_stage_one), "--data", str(toy_data), "--out", str(out), "--logvars"]
        )
        == 0
    )
    return out


@pytest.fixture(scope="session")
def study(tmp_path_factory) -> Path:
    """The whole study (scripts/run_study.py) on configs/study_tiny.yaml and generated toy genres."""

    out = tmp_path_factory.mktemp("study") / "run"
    assert run_script("run_study", ["--out", str(out), "--config", str(REPO / "configs/study_tiny.yaml")]) == 0
    return out


# Tests that share an expensive fixture (the tiny study, a fitted judge, the app server) are slow whatever they
# assert; `make test-fast` (-m "not slow") leaves them out, `make test` runs them.
SLOW_FIXTURES = {"study", "judge_run", "judge_dir", "server"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
