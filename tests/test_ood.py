"""Out-of-dataset evaluation runs on generated audio in odd formats, skipping a corrupt file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_ood_command_on_odd_formats(toy_data, tmp_path):

    from autoencoder.vae import MelVAE
    from autoencoder.vocoder import Vocoder
    from genre_base.artifacts import reference, save_model
    from genre_base.mel import MelSettings

    torch.manual_seed(0)
    save_model(Vocoder(dim=16, intermediate_dim=32, num_layers=1), tmp_path / "voc", "vocoder", MelSettings())
    save_model(
        MelVAE(latent_channels=2, latent_frames=8, channels=(16, 16)),
        tmp_path / "vae",
        "vae",
        MelSettings(),
        references={"vocoder": reference(tmp_path / "voc", tmp_path / "vae")},
        extra={"latent": {"size": 16, "global_size": 0, "channels": 2, "frames": 8, "clip_seconds": 5.0}},
    )
    assert (
        run_script(
            "encode_dataset",
            ["--model", str(tmp_path / "vae"), "--data", str(toy_data), "--out", str(tmp_path / "lat.npz")],
        )
        == 0
    )
    src = tmp_path / "ood"
    src.mkdir()
    rng = np.random.default_rng(0)
    for name, rate, channels, seconds in (
        ("a.mp3", 44100, 2, 11.0),
        ("b.ogg", 48000, 1, 3.0),
        ("c.flac", 16000, 2, 6.0),
    ):
        audio = 0.2 * rng.standard_normal((int(rate * seconds), channels))
        sf.write(src / name, audio if channels > 1 else audio[:, 0], rate)
    (src / "broken.wav").write_bytes(b"RIFF....not audio")
    assert (
        run_script(
            "evaluate_ood",
            [
                "--model",
                str(tmp_path / "vae"),
                "--src",
                str(src),
                "--latents",
                str(tmp_path / "lat.npz"),
                "--out",
                str(tmp_path / "out"),
                "--no-umap",
                "--max-test-clips",
                "8",
            ],
        )
        == 0
    )
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    assert summary["files"] == 3 and summary["clips"] == 2 + 1 + 1
    assert [s["path"].endswith("broken.wav") for s in summary["skipped"]] == [True]
    assert 0 <= summary["nearest_train_distance"]["ood_share_beyond_test_p95"] <= 1
    assert (tmp_path / "out/maps.png").is_file() and (tmp_path / "out/files.csv").read_text().count("\n") == 4
