"""The one mel front-end of genre-ldm.

Every mel in the project (data, losses, vocoder input, metrics, analysis baselines) comes from
:class:`MelFrontend`: torchaudio's ``MelSpectrogram`` (power 1, Slaney-normalised HTK-free mel
scale), natural-log compression with a floor, then a fixed affine normalisation so values are
roughly zero-mean, unit-variance on music. The settings are written once (:class:`MelSettings`)
and stored in every model folder, so two models can be checked for compatibility.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import torch
import torchaudio
from torch import nn


@dataclass
class MelSettings:
    sample_rate: int = 22050
    n_fft: int = 1024
    hop_length: int = 256
    # 128 bands: chosen by the front-end comparison (results/frontend/, configs/frontends.yaml), the
    # fewest bands whose Griffin-Lim ceiling keeps harmony (0.96 on valid, 80 bands: 0.70). Models
    # made before it (80 bands, log_mean -4.0, log_std 2.2) record their own settings and load as they were.
    n_mels: int = 128
    f_min: float = 0.0
    f_max: float = 11025.0
    log_floor: float = 1e-5
    # Affine normalisation of ln(mel): the mean and std measured over the 1,435 training clips of the
    # 528-track GTZAN copy at 128 bands (-4.11 and 2.30), then fixed so it never depends on the data a model sees.
    log_mean: float = -4.1
    log_std: float = 2.3

    def __post_init__(self) -> None:
        if self.f_max > self.sample_rate / 2 or self.f_min < 0 or self.f_min >= self.f_max:
            raise ValueError(
                f"need 0 <= f_min < f_max <= sample_rate / 2, got f_min={self.f_min}, "
                f"f_max={self.f_max}, sample_rate={self.sample_rate}"
            )
        if self.hop_length <= 0 or self.n_fft < self.hop_length:
            raise ValueError(f"need 0 < hop_length <= n_fft, got hop_length={self.hop_length}, n_fft={self.n_fft}")
        if self.n_mels <= 0:
            raise ValueError(f"need n_mels > 0, got n_mels={self.n_mels}")
        _check_filterbank(self.sample_rate, self.n_fft, self.n_mels, self.f_min, self.f_max)

    def num_frames(self, num_samples: int) -> int:
        """Frames of a ``num_samples`` signal (centred STFT): 431 for 5 s at the defaults (hop 256)."""
        return 1 + num_samples // self.hop_length

    def to_dict(self) -> dict:
        return asdict(self)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, f_min: float, f_max: float) -> torch.Tensor:
    """The front-end's filterbank (Slaney scale and norm), ``(n_fft // 2 + 1, n_mels)``."""
    return torchaudio.functional.melscale_fbanks(
        n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate, norm="slaney", mel_scale="slaney"
    )


@lru_cache(maxsize=64)
def _check_filterbank(sample_rate: int, n_fft: int, n_mels: int, f_min: float, f_max: float) -> None:
    # A filter over a single STFT bin duplicates its neighbour's information (at 160 bands on a
    # 1,024-point STFT no filter is empty, yet the filterbank has rank 159 of 160 and Griffin-Lim's
    # inverse collapses), so every filter must cover two bins and the filterbank must have full rank.
    fb = mel_filterbank(sample_rate, n_fft, n_mels, f_min, f_max).double()
    bins = (fb > 0).sum(dim=0)
    rank = int(torch.linalg.matrix_rank(fb))
    if int(bins.min()) < 2 or rank < n_mels:
        narrow = int((bins < 2).sum())
        raise ValueError(
            f"n_mels={n_mels} bands on an n_fft={n_fft}-point STFT from f_min={f_min:g} Hz: {narrow} filter(s) cover "
            f"fewer than 2 STFT bins and the filterbank has rank {rank} of {n_mels}; expected every filter to cover "
            f"at least 2 bins and full rank (use fewer bands, a larger n_fft or a higher f_min)"
        )


class MelFrontend(nn.Module):
    """Waveform -> normalised log-mel.

    ``forward(wave)``: ``(..., samples)`` -> ``(..., n_mels, frames)`` with
    ``frames = 1 + samples // hop_length``.
    """

    def __init__(self, settings: MelSettings | None = None) -> None:
        super().__init__()
        self.settings = settings = settings or MelSettings()
        s = settings
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=s.sample_rate,
            n_fft=s.n_fft,
            hop_length=s.hop_length,
            n_mels=s.n_mels,
            f_min=s.f_min,
            f_max=s.f_max,
            power=1.0,
            norm="slaney",
            mel_scale="slaney",
            center=True,
        )

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        # Waves are measured where the front-end lives (a no-op in training, where both are on the
        # accelerator): every caller of the one front-end is device-safe, CPU clips included.
        wave = wave.to(self.mel.spectrogram.window.device)
        # The STFT runs in float32 even under autocast: fp16 magnitudes lose the quiet bins.
        with torch.autocast(wave.device.type, enabled=False):
            mel = self.mel(wave.float())
        return self.normalize(torch.log(mel.clamp_min(self.settings.log_floor)))

    def normalize(self, log_mel: torch.Tensor) -> torch.Tensor:
        return (log_mel - self.settings.log_mean) / self.settings.log_std

    def denormalize(self, mel: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel -> ln(mel magnitude)."""
        return mel * self.settings.log_std + self.settings.log_mean

    @property
    def floor(self) -> float:
        """The normalised value of silence (the log floor)."""
        return (math.log(self.settings.log_floor) - self.settings.log_mean) / self.settings.log_std

    @property
    def filterbank(self) -> torch.Tensor:
        """Mel filterbank, shape ``(n_fft // 2 + 1, n_mels)``."""
        return self.mel.mel_scale.fb
