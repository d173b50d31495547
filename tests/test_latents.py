"""The latents file: round trip, refusal of malformed files, and the encode_dataset command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from autoencoder.latents import (
    FORMAT_VERSION,
    Latents,
    LatentsFileError,
    check_same_model,
    load_latents,
    normalisation_stats,
    save_latents,
)
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


def _latents(n=6, d=4, model_hash="abc") -> Latents:
    rng = np.random.default_rng(0)
    means = rng.normal(size=(n, d)).astype(np.float32)
    split = np.array(["train", "train", "train", "valid", "test", "test"][:n])
    mean, std = normalisation_stats(means, split)
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "vae",
        "latent_size": d,
        "model_id": "m",
        "model_hash": model_hash,
        "mel": {},
        "layout": {"global_size": 2, "channels": 1, "frames": 2},
        "mean": mean,
        "std": std,
        "command": "test",
        "data": {},
    }
    return Latents(
        means,
        np.array([f"t{i // 2}" for i in range(n)]),
        np.array(["a", "b"] * (n // 2)),
        split,
        np.arange(n) % 2,
        manifest,
        rng.normal(size=(n, d)).astype(np.float32),
    )


def test_round_trip_and_normalisation(tmp_path):
    original = _latents()
    loaded = load_latents(save_latents(tmp_path / "l.npz", original))
    assert np.array_equal(loaded.means, original.means) and np.array_equal(loaded.logvars, original.logvars)
    assert loaded.track_id.tolist() == original.track_id.tolist() and loaded.manifest == original.manifest
    train = loaded.normalized()[loaded.rows("train")]
    assert np.allclose(train.mean(0), 0, atol=1e-5) and np.allclose(train.std(0), 1, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["l.npz"]


def _rewrite(path: Path, **changes) -> None:
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"genre": None}, "lacks \\['genre'\\]"),
        ({"means": np.zeros((6, 5), np.float32)}, "expected \\(N, 4\\)"),
        ({"split": np.array(["train"] * 5)}, "split has shape"),
        ({"split": np.array(["train", "dev", "train", "valid", "test", "test"])}, "unknown split names \\['dev'\\]"),
        ({"manifest": np.array("{not json")}, "not valid JSON"),
        ({"manifest": np.array("null")}, "must be a JSON object"),
    ],
)
def test_malformed_files_are_refused_with_clear_messages(tmp_path, change, message):
    path = save_latents(tmp_path / "l.npz", _latents())
    _rewrite(path, **change)
    with pytest.raises(LatentsFileError, match=message):
        load_latents(path)


def test_newer_version_missing_file_and_mixed_models_are_refused(tmp_path):
    newer = _latents()
    newer.manifest["format_version"] = FORMAT_VERSION + 1
    path = tmp_path / "l.npz"
    np.savez(
        path,
        means=newer.means,
        track_id=newer.track_id,
        genre=newer.genre,
        split=newer.split,
        clip=newer.clip,
        manifest=np.array(json.dumps(newer.manifest)),
    )
    with pytest.raises(LatentsFileError, match="newer than this code"):
        load_latents(path)
    with pytest.raises(LatentsFileError, match="does not exist"):
        load_latents(tmp_path / "nope.npz")
    with pytest.raises(LatentsFileError, match="different models"):
        check_same_model([_latents(model_hash="a"), _latents(model_hash="b")], ["x", "y"])
    check_same_model([_latents(), _latents()], ["x", "y"])


def test_encode_dataset_writes_vae_and_baseline_files(toy_data, tmp_path):
    import torch

    import autoencoder
    from autoencoder.vae import MelVAE
    from genre_base.artifacts import save_model
    from genre_base.features import mfcc_stats
    from genre_base.mel import MelSettings

    torch.manual_seed(0)
    save_model(
        MelVAE(latent_channels=1, latent_frames=8, channels=(16, 16), global_size=8),
        tmp_path / "vae",
        "vae",
        MelSettings(),
        extra={"latent": {"size": 16, "global_size": 8, "channels": 1, "frames": 8, "clip_seconds": 5.0}},
    )
    # On the CPU, so the means can be compared exactly: a GPU's convolutions vary with the batch size (TF32).
    assert (
        run_script(
            "encode_dataset",
            [
                "--model",
                str(tmp_path / "vae"),
                "--data",
                str(toy_data),
                "--out",
                str(tmp_path / "vae.npz"),
                "--logvars",
                "--device",
                "cpu",
            ],
        )
        == 0
    )
    vae = load_latents(tmp_path / "vae.npz")
    data = autoencoder.PreparedDataset(toy_data)
    assert vae.means.shape == (len(data), 16) and vae.logvars.shape == (len(data), 16)
    assert vae.manifest["layout"] == {"global_size": 8, "channels": 1, "frames": 8}
    codec = autoencoder.load(tmp_path / "vae")
    assert np.allclose(vae.means[:2], codec.encode(data.waves([0, 1])).numpy(), atol=1e-5)
    assert (
        run_script(
            "encode_dataset",
            ["--model", str(tmp_path / "vae"), "--data", str(toy_data), "--out", str(tmp_path / "vae.npz")],
        )
        == 2
    )  # never silently overwritten

    assert (
        run_script(
            "encode_dataset", ["--data", str(toy_data), "--baseline", "mfcc", "--out", str(tmp_path / "mfcc.npz")]
        )
        == 0
    )
    mfcc = load_latents(tmp_path / "mfcc.npz")
    assert mfcc.size == 40 and mfcc.manifest["kind"] == "mfcc" and mfcc.manifest["layout"] is None
    expected = mfcc_stats(autoencoder.MelFrontend(), data.waves([3]))[0].numpy()
    assert np.allclose(mfcc.means[3], expected, atol=1e-4)
    assert (
        run_script(
            "encode_dataset",
            ["--data", str(toy_data), "--baseline", "pca", "--dim", "8", "--out", str(tmp_path / "pca.npz")],
        )
        == 0
    )
    assert load_latents(tmp_path / "pca.npz").size == 8


def test_mfcc_baseline_matches_the_stored_expectation_on_fixed_toy_clips():
    """Guards the MFCC-statistics baseline against silent changes of the front-end or the DCT.

    Regenerate tests/data/mfcc_expectation.json only on purpose (see the snippet in its history)."""
    import torch

    from genre_base.features import mfcc_stats
    from genre_base.mel import MelFrontend, MelSettings
    from genre_base.toy import TOY_GENRES, synthesize

    expected = json.loads((Path(__file__).parent / "data" / "mfcc_expectation.json").read_text())
    waves = torch.stack(
        [
            torch.from_numpy(synthesize(g, expected["seconds"], 22050, np.random.default_rng([0, i])))
            for i, g in enumerate(TOY_GENRES[:3])
        ]
    )
    # The expectation was made with the 80-band front-end (as were the shipped MFCC baselines): guard that one.
    got = mfcc_stats(MelFrontend(MelSettings(n_mels=80, log_mean=-4.0, log_std=2.2)), waves).numpy()
    assert got.shape == (3, 40)
    assert np.allclose(got, np.array(expected["mfcc_stats"]), atol=2e-3, rtol=1e-3)


def test_damaged_zip_bytes_are_refused_not_a_traceback(tmp_path):
    # Found by scripts/dev/fuzz.py: a flipped byte or a cut file ended in zipfile.BadZipFile.
    path = save_latents(tmp_path / "l.npz", _latents())
    data = bytearray(path.read_bytes())
    cut = tmp_path / "cut.npz"
    cut.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(LatentsFileError, match="not a readable .npz"):
        load_latents(cut)
    start = data.index(b"manifest.npy") + 200  # inside the manifest member's stored bytes: its CRC no longer matches
    data[start] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(LatentsFileError, match="not a readable .npz"):
        load_latents(path)
