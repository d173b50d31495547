"""The public stage-one API: files of any format, rate, channel count and length; seamless joins."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

import autoencoder
from autoencoder.codec import StageOne, overlap_add
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from genre_base.artifacts import ModelFolderError, reference, save_model
from genre_base.mel import MelFrontend, MelSettings
from tests.helpers.scripts import run_script


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    save_model(Vocoder(dim=16, intermediate_dim=32, num_layers=1), root / "vocoder", "vocoder", MelSettings())
    vae = MelVAE(latent_channels=2, latent_frames=8, channels=(16, 16), num_res_blocks=1)
    save_model(
        vae,
        root / "vae",
        "vae",
        MelSettings(),
        references={"vocoder": reference(root / "vocoder", root / "vae")},
        extra={"latent": {"size": 16, "channels": 2, "frames": 8, "clip_seconds": 5.0}},
    )
    return root


def test_overlap_add_of_a_pure_tone_has_no_seam():
    rate, clip = 22050, 5 * 22050
    t = torch.arange(12 * rate) / rate
    tone = torch.sin(2 * torch.pi * 441 * t)
    codec = StageOne.__new__(StageOne)
    codec.clip_samples, codec.sample_rate = clip, rate
    starts = codec.windows(len(tone))
    assert starts[0] == 0 and starts[-1] == len(tone) - clip
    joined = overlap_add(torch.stack([tone[s : s + clip] for s in starts]), starts, len(tone), fade=rate // 2)
    assert torch.allclose(joined, tone, atol=1e-5)
    # clips that disagree in level still join without a jump: the largest sample-to-sample step
    # stays at the tone's own
    scaled = torch.stack([tone[s : s + clip] * (0.5 + 0.25 * k) for k, s in enumerate(starts)])
    joined = overlap_add(scaled, starts, len(tone), fade=rate // 2)
    assert joined.diff().abs().max() < 1.05 * (scaled.diff(dim=1).abs().max())


@pytest.mark.parametrize(
    "rate,channels,seconds,ext",
    [
        (22050, 1, 3.3, "wav"),
        (44100, 2, 12.7, "mp3"),
        (16000, 1, 5.0, "flac"),
        (48000, 2, 7.01, "ogg"),
    ],
)
def test_files_of_any_format_rate_and_length_come_back_at_their_length(
    model_dirs, tmp_path, rate, channels, seconds, ext
):
    codec = autoencoder.load(model_dirs / "vae")
    assert codec.vocoder is not None and codec.latent_size == 16
    t = np.arange(int(seconds * rate)) / rate
    audio = 0.3 * np.sin(2 * np.pi * 330 * t)
    path = tmp_path / f"in.{ext}"
    sf.write(path, np.stack([audio] * channels, 1) if channels > 1 else audio, rate)
    expected = len(autoencoder.load_audio(path, 22050))
    trajectory = codec.encode_file(path)
    assert trajectory.z.shape == (len(codec.windows(max(expected, codec.clip_samples))), 16)
    wave = codec.decode_trajectory(trajectory)
    assert wave.shape == (expected,) and torch.isfinite(wave).all()


def test_encode_decode_shapes_and_errors(model_dirs):
    codec = autoencoder.load(model_dirs / "vae", vocoder=False)
    assert codec.vocoder is None
    z = codec.encode(torch.zeros(3, codec.clip_samples))
    assert z.shape == (3, 16) and codec.decode(z).shape == (3, codec.clip_samples)
    with pytest.raises(ValueError, match="110250 samples"):
        codec.encode(torch.zeros(2, 1000))
    with pytest.raises(ValueError, match=r"\(N, 16\)"):
        codec.decode(torch.zeros(2, 15))


def test_the_api_takes_numpy_arrays_as_well_as_tensors(model_dirs):
    codec = autoencoder.load(model_dirs / "vae")
    wave = (0.3 * np.sin(2 * np.pi * 330 * np.arange(codec.clip_samples) / codec.sample_rate)).astype(np.float64)
    z = codec.encode(wave)
    assert torch.allclose(z, codec.encode(torch.from_numpy(wave).float()))
    assert torch.allclose(codec.decode(z.numpy()), codec.decode(z))
    assert codec.encode_wave(wave[:1000]).z.shape == (1, 16)
    with pytest.raises(TypeError, match="float"):
        codec.encode(np.zeros(codec.clip_samples, dtype=np.int16))


@pytest.mark.parametrize("damage", ["truncated", "zeroed", "config"])
def test_a_damaged_model_folder_is_one_clear_error_naming_it(model_dirs, tmp_path, damage):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(model_dirs, copy)
    weights = next((copy / "vae").glob("*.safetensors"))
    data = weights.read_bytes()
    if damage == "truncated":
        weights.write_bytes(data[: len(data) // 3])
    elif damage == "zeroed":  # still a valid safetensors file: only the recorded hash can tell
        weights.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    else:
        (copy / "vae" / "config.json").write_text("{not json")
    with pytest.raises(ModelFolderError, match=str(copy / "vae")):
        autoencoder.load(copy / "vae")


def test_a_changed_or_missing_vocoder_is_reported(model_dirs, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(model_dirs, copy)
    torch.manual_seed(1)
    Vocoder(dim=16, intermediate_dim=32, num_layers=1).save_pretrained(copy / "vocoder")
    with pytest.raises(ModelFolderError, match="has changed"):
        autoencoder.load(copy / "vae")
    shutil.rmtree(copy / "vocoder")
    with pytest.raises(ModelFolderError, match="missing"):
        autoencoder.load(copy / "vae")
    with pytest.raises(ModelFolderError, match="expected a 'vae'"):
        autoencoder.load(model_dirs / "vocoder")
    assert MelFrontend().settings == MelSettings()


def test_shipped_fp16_models_load_and_decode_like_the_originals(model_dirs, tmp_path):

    from safetensors import safe_open

    assert (
        run_script(
            "ship_models",
            [
                "--out",
                str(tmp_path / "models"),
                "--vocoder",
                str(model_dirs / "vocoder"),
                "--vae",
                f"vae-16={model_dirs / 'vae'}",
            ],
        )
        == 0
    )
    with safe_open(str(tmp_path / "models/vae-16/diffusion_pytorch_model.safetensors"), "pt") as f:
        assert all(f.get_tensor(k).dtype == torch.float16 for k in f.keys())
    original, shipped = autoencoder.load(model_dirs / "vae"), autoencoder.load(tmp_path / "models/vae-16")
    wave = 0.1 * torch.randn(1, original.clip_samples)
    assert next(shipped.vae.parameters()).dtype == torch.float32
    assert torch.allclose(shipped.encode(wave), original.encode(wave), atol=2e-2)
    # Another VAE shipped later refers to the vocoder already there; a missing vocoder folder is named.
    base = ["--out", str(tmp_path / "models"), "--vae", f"vae-b={model_dirs / 'vae'}"]
    assert run_script("ship_models", base) == 0
    assert autoencoder.load(tmp_path / "models/vae-b").vocoder is not None
    assert run_script("ship_models", base + ["--vocoder-name", "no-such-vocoder"]) == 2


def test_reconstruct_cli_takes_a_stereo_mp3_and_keeps_its_length(model_dirs, tmp_path, capsys):

    t = np.arange(int(7.3 * 44100)) / 44100
    sf.write(tmp_path / "song.mp3", np.stack([0.3 * np.sin(2 * np.pi * 220 * t)] * 2, 1), 44100)
    out = tmp_path / "out.wav"
    for extra in ([], ["--griffin-lim", "--force"]):
        assert (
            run_script(
                "reconstruct",
                [str(tmp_path / "song.mp3"), "--model", str(model_dirs / "vae"), "--out", str(out)] + extra,
            )
            == 0
        )
        info = sf.info(out)
        assert info.samplerate == 22050 and info.channels == 1
        assert info.frames == len(autoencoder.load_audio(tmp_path / "song.mp3", 22050))
    assert (
        run_script("reconstruct", [str(tmp_path / "song.mp3"), "--model", str(model_dirs / "vae"), "--out", str(out)])
        == 2
    )
    assert "--force" in capsys.readouterr().err
    assert (
        run_script(
            "reconstruct",
            [str(tmp_path / "missing.wav"), "--model", str(model_dirs / "vae"), "--out", str(tmp_path / "x.wav")],
        )
        == 2
    )


def test_a_vae_and_vocoder_of_different_front_ends_are_refused_naming_both(tmp_path):
    old = MelSettings(n_mels=80, log_mean=-4.0, log_std=2.2)  # the front-end of the first shipped models
    save_model(Vocoder(n_mels=80, dim=16, intermediate_dim=32, num_layers=1), tmp_path / "voc80", "vocoder", old)
    vae = MelVAE(latent_channels=2, latent_frames=8, channels=(16, 16))
    save_model(
        vae,
        tmp_path / "vae",
        "vae",
        MelSettings(),
        references={"vocoder": reference(tmp_path / "voc80", tmp_path / "vae")},
        extra={"latent": {"size": 16, "channels": 2, "frames": 8, "clip_seconds": 5.0}},
    )
    with pytest.raises(ModelFolderError, match=r"VAE at .*vae.* and its vocoder at .*voc80.*n_mels 128 vs 80"):
        autoencoder.load(tmp_path / "vae")
    assert autoencoder.load(tmp_path / "vae", vocoder=False).frontend.settings == MelSettings()
    # A record that contradicts the weights' own shape (an edited folder) is named too.
    save_model(
        Vocoder(n_mels=80, dim=16, intermediate_dim=32, num_layers=1), tmp_path / "edited", "vocoder", MelSettings()
    )
    with pytest.raises(ModelFolderError, match="n_mels=80 but its record says n_mels=128"):
        autoencoder.load_vocoder(tmp_path / "edited")


def test_models_of_the_old_front_end_still_load_with_their_own_settings(tmp_path):
    old = MelSettings(n_mels=80, log_mean=-4.0, log_std=2.2)
    save_model(
        Vocoder(n_mels=80, dim=16, intermediate_dim=32, num_layers=1, max_log_magnitude=4.6),
        tmp_path / "voc",
        "vocoder",
        old,
    )
    vocoder, frontend = autoencoder.load_vocoder(tmp_path / "voc")
    assert frontend.settings == old and vocoder.config.max_log_magnitude == 4.6
    assert frontend(torch.zeros(1, 22050)).shape[1] == 80
