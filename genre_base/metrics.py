"""Reconstruction and structure metrics between an original and a reconstructed waveform.

Most spectra come from the shared front-end (:class:`genre_base.mel.MelFrontend`), no librosa.
Two measures deliberately do not: harmony and the fixed-resolution yardstick are computed from a
4,096-point STFT of the waveform, so they see what any front-end (its band count, its n_fft) loses
and compare front-ends on one scale. Structure metrics are Pearson correlations of per-frame features:

* onset: the onset-strength envelope (half-wave rectified time difference of the log-mel, summed
  over bands) -- rhythm: a shift by a fraction of a beat decorrelates the peaks;
* chroma4096: 12 pitch classes per frame from a 4,096-point STFT (hop 512, 55 Hz to 5 kHz) --
  harmony: a pitch shift rotates it; its 5.4 Hz bins resolve semitones from about 65 Hz up, where
  a 1,024-point STFT's 21.5 Hz bins cannot (the retired ``chroma_corr`` was computed that way);
* centroid: the spectral-centroid trajectory -- timbre and brightness over time;
* yardstick_db / yardstick_onset_corr: mean absolute dB difference of 4,096-point log-magnitude
  STFTs (over the 80 dB below the original's peak) and the onset envelope taken from them.
"""

from __future__ import annotations

import auraloss
import torch

from .device import module_device
from .mel import MelFrontend

METRIC_NAMES = (
    "log_mel_l1",
    "mr_stft",
    "spectral_convergence",
    "si_sdr",
    "onset_corr",
    "chroma4096_corr",
    "centroid_corr",
    "yardstick_db",
    "yardstick_onset_corr",
)
# Bumped whenever a metric's definition changes; cached evaluations carry it, so no rule mixes values of
# two definitions. 2: chroma from a 4,096-point STFT (chroma4096_corr), the 4,096-point yardstick.
METRICS_VERSION = 2

HARMONY_N_FFT = 4096  # 5.4 Hz bins at 22,050 Hz: 65.4 and 69.3 Hz (C2, C#2) fall in different bins
HARMONY_HOP = 512
YARDSTICK_RANGE_DB = 80.0


MR_STFT_FFTS = (2048, 1024, 512, 256)


def multi_resolution_stft(
    sample_rate: int = 22050, ffts: tuple[int, ...] | list[int] = MR_STFT_FFTS
) -> auraloss.freq.MultiResolutionSTFTLoss:
    """The MR-STFT loss/distance: by default (the reported ``mr_stft`` measure, always these) 2048 to 256-point
    FFTs (93 to 12 ms at 22.05 kHz), covering bass notes and transients; hop a quarter of the window. A training
    loss may ask for other ``ffts`` (a vocoder config's ``stft_ffts``)."""
    ffts = list(ffts)
    return auraloss.freq.MultiResolutionSTFTLoss(fft_sizes=ffts, hop_sizes=[n // 4 for n in ffts], win_lengths=ffts)


def pearson(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Correlation along the last axis; ``(..., T), (..., T) -> (...)``. Constant inputs give 0."""
    a = a - a.mean(-1, keepdim=True)
    b = b - b.mean(-1, keepdim=True)
    return (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1) + eps)


def onset_envelope(frontend: MelFrontend, wave: torch.Tensor) -> torch.Tensor:
    """``(N, samples) -> (N, frames - 1)``."""
    log_mel = frontend.denormalize(frontend(wave))
    return torch.relu(log_mel.diff(dim=-1)).mean(dim=-2)


def high_resolution_stft(wave: torch.Tensor, sample_rate: int = 22050) -> tuple[torch.Tensor, torch.Tensor]:
    """Magnitude of a 4,096-point Hann STFT (hop 512, centred) and its bin frequencies:
    ``(N, samples) -> (N, 2049, frames), (2049,)``. Independent of any mel front-end."""
    window = torch.hann_window(HARMONY_N_FFT, device=wave.device)
    spec = torch.stft(wave.float(), HARMONY_N_FFT, HARMONY_HOP, window=window, center=True, return_complex=True)
    freqs = torch.linspace(0, sample_rate / 2, HARMONY_N_FFT // 2 + 1, device=wave.device)
    return spec.abs(), freqs


def chroma(wave: torch.Tensor, sample_rate: int = 22050) -> torch.Tensor:
    """``(N, samples) -> (N, 12, frames)``, each frame scaled to sum 1 (pitch classes from 55 Hz to 5 kHz,
    from :func:`high_resolution_stft`); a gain change leaves it unchanged."""
    magnitude, freqs = high_resolution_stft(wave, sample_rate)
    keep = (freqs >= 55.0) & (freqs <= 5000.0)
    pitch_class = (torch.round(12 * torch.log2(freqs[keep] / 440.0)).long() + 9) % 12  # 0 = C
    weights = torch.zeros(12, int(keep.sum()), device=magnitude.device)
    weights[pitch_class, torch.arange(weights.shape[1], device=magnitude.device)] = 1.0
    c = weights @ magnitude[..., keep, :].pow(2)
    return c / (c.sum(dim=-2, keepdim=True) + 1e-8)


def yardstick(
    original: torch.Tensor, reconstruction: torch.Tensor, sample_rate: int = 22050
) -> dict[str, torch.Tensor]:
    """The fixed-resolution yardstick, the same whatever front-end made the reconstruction:
    ``{"yardstick_db": (N,), "yardstick_onset_corr": (N,)}``.

    Both spectra are in dB and floored at the original's peak minus 80 dB (per clip), so silence
    and inaudible detail do not dominate the distance.
    """
    db_o = 20 * torch.log10(high_resolution_stft(original, sample_rate)[0].clamp_min(1e-10))
    db_r = 20 * torch.log10(high_resolution_stft(reconstruction, sample_rate)[0].clamp_min(1e-10))
    floor = db_o.amax(dim=(-2, -1), keepdim=True) - YARDSTICK_RANGE_DB
    db_o, db_r = torch.maximum(db_o, floor), torch.maximum(db_r, floor)
    onset_o, onset_r = (torch.relu(d.diff(dim=-1)).mean(dim=-2) for d in (db_o, db_r))
    return {"yardstick_db": (db_o - db_r).abs().mean(dim=(-2, -1)), "yardstick_onset_corr": pearson(onset_o, onset_r)}


def spectral_centroid(frontend: MelFrontend, wave: torch.Tensor) -> torch.Tensor:
    """``(N, samples) -> (N, frames)`` in Hz."""
    magnitude = _magnitude(frontend, wave)
    freqs = torch.linspace(0, frontend.settings.sample_rate / 2, magnitude.shape[-2], device=magnitude.device)[:, None]
    return (freqs * magnitude).sum(-2) / (magnitude.sum(-2) + 1e-8)


def si_sdr(reference: torch.Tensor, estimate: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale-invariant SDR in dB, ``(N, samples) -> (N,)``. Near or below 0 for any phase-free path."""
    reference = reference - reference.mean(-1, keepdim=True)
    estimate = estimate - estimate.mean(-1, keepdim=True)
    scale = (estimate * reference).sum(-1, keepdim=True) / (reference.pow(2).sum(-1, keepdim=True) + eps)
    target = scale * reference
    return 10 * torch.log10(target.pow(2).sum(-1) / ((estimate - target).pow(2).sum(-1) + eps) + eps)


@torch.no_grad()
def compare(frontend: MelFrontend, original: torch.Tensor, reconstruction: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every metric of :data:`METRIC_NAMES` per clip: ``(N, samples)`` twice -> ``{name: (N,)}``.

    The reconstruction is cut or zero-padded to the original's length first.
    """
    device = module_device(frontend)  # both waves are measured where the front-end is
    original, reconstruction = _as_batch(original).to(device), _as_batch(reconstruction).to(device)
    reconstruction = _match_length(reconstruction, original.shape[-1])
    mel_o, mel_r = frontend(original), frontend(reconstruction)
    mag_o, mag_r = _magnitude(frontend, original), _magnitude(frontend, reconstruction)
    rate = frontend.settings.sample_rate
    mrstft = multi_resolution_stft(rate).to(original.device)
    return {
        "log_mel_l1": (mel_o - mel_r).abs().mean(dim=(-2, -1)),
        "mr_stft": torch.stack([mrstft(r[None, None], o[None, None]) for o, r in zip(original, reconstruction)]),
        "spectral_convergence": (mag_o - mag_r).norm(dim=(-2, -1)) / (mag_o.norm(dim=(-2, -1)) + 1e-8),
        "si_sdr": si_sdr(original, reconstruction),
        "onset_corr": pearson(onset_envelope(frontend, original), onset_envelope(frontend, reconstruction)),
        "chroma4096_corr": pearson(chroma(original, rate).flatten(-2), chroma(reconstruction, rate).flatten(-2)),
        "centroid_corr": pearson(spectral_centroid(frontend, original), spectral_centroid(frontend, reconstruction)),
        **yardstick(original, reconstruction, rate),
    }


def _magnitude(frontend: MelFrontend, wave: torch.Tensor) -> torch.Tensor:
    # The MelSpectrogram's own STFT (power 1): the same window, n_fft and hop as every mel.
    return frontend.mel.spectrogram(wave.float())


def _as_batch(wave: torch.Tensor) -> torch.Tensor:
    return wave.unsqueeze(0) if wave.ndim == 1 else wave


def _match_length(wave: torch.Tensor, length: int) -> torch.Tensor:
    if wave.shape[-1] >= length:
        return wave[..., :length]
    return torch.nn.functional.pad(wave, (0, length - wave.shape[-1]))


__all__ = [
    "METRICS_VERSION",
    "METRIC_NAMES",
    "chroma",
    "compare",
    "high_resolution_stft",
    "multi_resolution_stft",
    "onset_envelope",
    "pearson",
    "si_sdr",
    "spectral_centroid",
    "yardstick",
]
