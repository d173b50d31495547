"""Shared fixtures: everything is generated here, so the suite runs where ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoencoder.prepare import PrepareOptions, prepare_dataset
from autoencoder.toy import make_toy_genres

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
