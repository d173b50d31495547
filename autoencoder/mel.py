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

import torch
import torchaudio
from torch import nn


@dataclass
class MelSettings:
    sample_rate: int = 22050
    n_fft: int = 1024
    hop_length: int = 256
    n_mels: int = 80
    f_min: float = 0.0
    f_max: float = 11025.0
    log_floor: float = 1e-5
    # Affine normalisation of ln(mel): the mean and std measured over the training clips of the
    # shared GTZAN copy (-4.06 and 2.20), then fixed so it never depends on the data a model sees.
    log_mean: float = -4.0
    log_std: float = 2.2

    def __post_init__(self) -> None:
        if self.f_max > self.sample_rate / 2 or self.f_min < 0 or self.f_min >= self.f_max:
            raise ValueError(f"need 0 <= f_min < f_max <= sample_rate / 2, got f_min={self.f_min}, "
                             f"f_max={self.f_max}, sample_rate={self.sample_rate}")
        if self.hop_length <= 0 or self.n_fft < self.hop_length:
            raise ValueError(f"need 0 < hop_length <= n_fft, got hop_length={self.hop_length}, n_fft={self.n_fft}")

    def num_frames(self, num_samples: int) -> int:
        """Frames of a ``num_samples`` signal (centred STFT): 431 for 5 s at the defaults."""
        return 1 + num_samples // self.hop_length

    def to_dict(self) -> dict:
        return asdict(self)


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
            sample_rate=s.sample_rate, n_fft=s.n_fft, hop_length=s.hop_length, n_mels=s.n_mels,
            f_min=s.f_min, f_max=s.f_max, power=1.0, norm="slaney", mel_scale="slaney", center=True,
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
