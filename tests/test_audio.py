"""The one audio loader: formats, rates, channels, slices, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from genre_base.audio import AudioLoadError, audio_info, load_audio, save_audio


def _tone(freq: float, seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.stack([mono] * channels, axis=1) if channels > 1 else mono


def _peak_frequency(wave: torch.Tensor, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(wave.numpy() * np.hanning(len(wave))))
    return float(np.argmax(spectrum) * rate / len(wave))


@pytest.mark.parametrize(
    "ext,fmt,subtype",
    [
        ("wav", "WAV", "PCM_16"),
        ("au", "AU", "PCM_16"),
        ("flac", "FLAC", "PCM_16"),
        ("ogg", "OGG", "VORBIS"),
        ("mp3", "MP3", "MPEG_LAYER_III"),
    ],
)
def test_formats_decode_to_float32_mono_at_requested_rate(tmp_path, ext, fmt, subtype):
    path = tmp_path / f"tone.{ext}"
    sf.write(path, _tone(440, 2.0, 44100, channels=2), 44100, format=fmt, subtype=subtype)
    wave = load_audio(path, sample_rate=22050)
    assert wave.dtype == torch.float32 and wave.ndim == 1
    assert abs(len(wave) - 44100) < 2000  # mp3 adds encoder padding
    assert abs(_peak_frequency(wave, 22050) - 440) < 3


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_resampled_sine_keeps_its_frequency(tmp_path, rate):
    path = tmp_path / "sine.wav"
    sf.write(path, _tone(1000, 1.0, rate), rate)
    wave = load_audio(path, sample_rate=22050)
    assert len(wave) == 22050
    assert abs(_peak_frequency(wave, 22050) - 1000) < 2


def test_channels_are_averaged(tmp_path):
    left = np.full(1000, 0.5, np.float32)
    right = np.full(1000, -0.25, np.float32)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], 1), 22050, subtype="FLOAT")
    assert torch.allclose(load_audio(path), torch.full((1000,), 0.125))


def test_slice_reads_only_the_requested_window(tmp_path):
    rate = 22050
    ramp = (np.arange(3 * rate) / (3 * rate)).astype(np.float32)
    path = tmp_path / "ramp.wav"
    sf.write(path, ramp, rate, subtype="FLOAT")
    part = load_audio(path, offset=1.0, duration=0.5)
    assert len(part) == rate // 2
    assert part[0].item() == pytest.approx(ramp[rate])
    assert len(load_audio(path, offset=2.5)) == rate // 2
    assert audio_info(path).seconds == pytest.approx(3.0)


def test_save_audio_round_trips_and_leaves_no_temporary(tmp_path):
    wave = torch.from_numpy(_tone(220, 0.5, 22050).astype(np.float32))
    path = save_audio(tmp_path / "out.wav", wave, 22050)
    assert torch.allclose(load_audio(path), wave, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty"),
        (b"this is not audio at all" * 50, ""),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", ""),  # truncated header
    ],
)
def test_unreadable_files_raise_an_error_naming_path_and_reason(tmp_path, content, reason):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioLoadError) as info:
        load_audio(path)
    assert str(path) in str(info.value) and reason in str(info.value)
    assert info.value.reason


def test_audio_that_decodes_to_almost_nothing_is_refused(tmp_path):
    path = tmp_path / "x.au"
    path.write_bytes(bytes(100))  # decodes as 100 raw u-law samples
    with pytest.raises(AudioLoadError, match="less than the 0.02 s"):
        load_audio(path)
    short = tmp_path / "short.wav"
    sf.write(short, _tone(440, 0.3, 8000), 8000)
    assert load_audio(short).shape == (2400,)  # short but real: kept


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(AudioLoadError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    path = tmp_path / "a.wav"
    sf.write(path, _tone(440, 0.1, 8000), 8000)
    with pytest.raises(ValueError, match="offset"):
        load_audio(path, offset=-1)
    with pytest.raises(ValueError, match="sample_rate"):
        load_audio(path, sample_rate=0)
