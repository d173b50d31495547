"""Structure metrics that can fail: identity is perfect, time shifts hurt rhythm, pitch shifts hurt harmony."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genre_base.mel import MelFrontend
from genre_base.metrics import compare, pearson
from genre_base.stats import bootstrap_mean_ci

RATE = 22050


def _beat_music(seconds=5.0, bpm=120, semitones=0.0, shift=0.0) -> torch.Tensor:
    """Clicks on every beat plus a three-note chord; ``shift`` delays the clicks by seconds."""
    t = np.arange(int(seconds * RATE)) / RATE
    chord = sum(np.sin(2 * np.pi * 261.63 * 2 ** ((n + semitones) / 12) * t) for n in (0, 4, 7)) / 3
    clicks = np.zeros_like(t)
    beat = 60 / bpm
    for start in np.arange(shift, seconds, beat):
        i = int(start * RATE)
        n = min(len(t) - i, 2000)
        clicks[i : i + n] += np.exp(-np.arange(n) / 200) * np.random.default_rng(i).standard_normal(n)
    return torch.tensor(0.3 * chord + 0.5 * clicks, dtype=torch.float32)


@pytest.fixture(scope="module")
def frontend():
    return MelFrontend()


def test_identical_signals_score_perfectly(frontend):
    x = _beat_music()[None]
    m = compare(frontend, x, x.clone())
    assert m["log_mel_l1"].item() == 0 and m["mr_stft"].item() < 1e-6 and m["spectral_convergence"].item() < 1e-6
    for name in ("onset_corr", "chroma4096_corr", "centroid_corr"):
        assert m[name].item() == pytest.approx(1.0, abs=1e-5)
    assert m["si_sdr"].item() > 60


def test_onset_correlation_drops_when_shifted_by_a_fraction_of_a_beat(frontend):
    x = _beat_music()[None]
    same = compare(frontend, x, _beat_music()[None])["onset_corr"].item()
    shifted = compare(frontend, x, _beat_music(shift=0.125)[None])["onset_corr"].item()  # a quarter of a beat
    assert same > 0.99 and shifted < 0.5


def test_chroma4096_correlation_drops_under_a_pitch_shift(frontend):
    x = _beat_music()[None]
    m = compare(frontend, x, _beat_music(semitones=3)[None])
    assert m["chroma4096_corr"].item() < 0.6
    assert compare(frontend, x, _beat_music(semitones=0)[None])["chroma4096_corr"].item() > 0.99


def test_lengths_are_matched_and_pearson_of_constants_is_zero(frontend):
    x = _beat_music()[None]
    m = compare(frontend, x, x[:, :-3000])
    assert m["log_mel_l1"].shape == (1,) and torch.isfinite(torch.stack(list(m.values()))).all()
    assert pearson(torch.ones(10), torch.arange(10.0)).item() == 0


def test_bootstrap_over_groups_widens_the_interval():
    rng = np.random.default_rng(0)
    track_means = rng.normal(0, 1, 10)
    values = np.repeat(track_means, 6) + rng.normal(0, 0.01, 60)
    groups = np.repeat(np.arange(10), 6)
    mean, lo, hi = bootstrap_mean_ci(values, groups)
    _, lo_clip, hi_clip = bootstrap_mean_ci(values)
    assert lo < mean < hi and (hi - lo) > 1.5 * (hi_clip - lo_clip)


def _low_note(f0: float, seconds: float = 3.0) -> torch.Tensor:
    """A bass note with six harmonics (amplitudes 0.6^k)."""
    t = torch.arange(int(seconds * RATE)) / RATE
    return 0.3 * sum((0.6**k) * torch.sin(2 * np.pi * f0 * (k + 1) * t) for k in range(6))[None]


def _chroma_at(n_fft: int, wave: torch.Tensor) -> torch.Tensor:
    """The retired measure: the same pitch-class map on an ``n_fft``-point STFT (the front-end's 1,024)."""
    mag = torch.stft(wave, n_fft, 256, window=torch.hann_window(n_fft), return_complex=True).abs()
    freqs = torch.linspace(0, RATE / 2, n_fft // 2 + 1)
    keep = (freqs >= 55) & (freqs <= 5000)
    pc = (torch.round(12 * torch.log2(freqs[keep] / 440)).long() + 9) % 12
    w = torch.zeros(12, int(keep.sum()))
    w[pc, torch.arange(w.shape[1])] = 1
    c = w @ mag[..., keep, :].pow(2)
    return c / (c.sum(-2, keepdim=True) + 1e-8)


def test_harmony_measure_tells_apart_low_notes_a_semitone_apart_and_ignores_gain(frontend):
    from genre_base.metrics import chroma

    c2, c_sharp2 = _low_note(65.41), _low_note(69.30)  # C2 and C#2: 3.9 Hz apart
    new = pearson(chroma(c2).flatten(-2), chroma(c_sharp2).flatten(-2)).item()
    retired = pearson(_chroma_at(1024, c2).flatten(-2), _chroma_at(1024, c_sharp2).flatten(-2)).item()
    assert new <= 0.6 and retired >= 0.8
    assert compare(frontend, c2, c2.clone())["chroma4096_corr"].item() == pytest.approx(1.0, abs=1e-5)
    assert compare(frontend, c2, 0.1 * c2)["chroma4096_corr"].item() == pytest.approx(1.0, abs=1e-5)


def test_yardstick_is_zero_for_identity_and_grows_with_noise(frontend):
    x = _beat_music()[None]
    noisy = x + 0.05 * torch.randn_like(x)
    same, other = compare(frontend, x, x.clone()), compare(frontend, x, noisy)
    assert same["yardstick_db"].item() == 0 and same["yardstick_onset_corr"].item() == pytest.approx(1.0, abs=1e-5)
    assert other["yardstick_db"].item() > 1.0 and other["yardstick_onset_corr"].item() < 1.0
