"""Reconstruction and structure metrics between an original and a reconstructed waveform.

All spectra come from the shared front-end (:class:`autoencoder.mel.MelFrontend`), no librosa.
Structure metrics are Pearson correlations of per-frame features:

* onset: the onset-strength envelope (half-wave rectified time difference of the log-mel, summed
  over bands) -- rhythm: a shift by a fraction of a beat decorrelates the peaks;
* chroma: 12 pitch classes per frame from the STFT magnitude -- harmony: a pitch shift rotates it;
* centroid: the spectral-centroid trajectory -- timbre and brightness over time.
"""

from __future__ import annotations

import auraloss
import torch

from .device import module_device
from .mel import MelFrontend

METRIC_NAMES = ("log_mel_l1", "mr_stft", "spectral_convergence", "si_sdr", "onset_corr", "chroma_corr", "centroid_corr")


def multi_resolution_stft(sample_rate: int = 22050) -> auraloss.freq.MultiResolutionSTFTLoss:
    """The MR-STFT loss/distance used everywhere: 2048 to 256-point FFTs (93 to 12 ms at 22.05 kHz),
    covering bass notes and transients; hop a quarter of the window."""
    ffts = [2048, 1024, 512, 256]
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


def chroma(frontend: MelFrontend, wave: torch.Tensor) -> torch.Tensor:
    """``(N, samples) -> (N, 12, frames)``, each frame scaled to sum 1 (pitch classes from 55 Hz to 5 kHz)."""
    magnitude = _magnitude(frontend, wave)
    s = frontend.settings
    freqs = torch.linspace(0, s.sample_rate / 2, s.n_fft // 2 + 1, device=magnitude.device)
    keep = (freqs >= 55.0) & (freqs <= 5000.0)
    pitch_class = (torch.round(12 * torch.log2(freqs[keep] / 440.0)).long() + 9) % 12  # 0 = C
    weights = torch.zeros(12, int(keep.sum()), device=magnitude.device)
    weights[pitch_class, torch.arange(weights.shape[1], device=magnitude.device)] = 1.0
    c = weights @ magnitude[..., keep, :].pow(2)
    return c / (c.sum(dim=-2, keepdim=True) + 1e-8)


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
    mrstft = multi_resolution_stft(frontend.settings.sample_rate).to(original.device)
    return {
        "log_mel_l1": (mel_o - mel_r).abs().mean(dim=(-2, -1)),
        "mr_stft": torch.stack([mrstft(r[None, None], o[None, None]) for o, r in zip(original, reconstruction)]),
        "spectral_convergence": (mag_o - mag_r).norm(dim=(-2, -1)) / (mag_o.norm(dim=(-2, -1)) + 1e-8),
        "si_sdr": si_sdr(original, reconstruction),
        "onset_corr": pearson(onset_envelope(frontend, original), onset_envelope(frontend, reconstruction)),
        "chroma_corr": pearson(chroma(frontend, original).flatten(-2), chroma(frontend, reconstruction).flatten(-2)),
        "centroid_corr": pearson(spectral_centroid(frontend, original), spectral_centroid(frontend, reconstruction)),
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


__all__ = ["METRIC_NAMES", "chroma", "compare", "multi_resolution_stft", "onset_envelope",
           "pearson", "si_sdr", "spectral_centroid"]
