"""Vocoder head: normalised log-mel -> waveform.

A Vocos-style design (Siuzdenko et al., 2023): a stack of ConvNeXt blocks that keeps the mel's
frame rate, and a head that predicts the STFT (log-magnitude and phase) of the *same* frame grid,
turned into audio by an inverse STFT. Keeping every layer at the frame rate (hop 256) instead of
upsampling to the sample rate, as HiFi-GAN does, is what makes it fast on a CPU: about 1.6 M
parameters decode 5 s of audio in a few tens of milliseconds.
"""

from __future__ import annotations

import math

import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn

from genre_base.mel import MelSettings

_DEFAULT = MelSettings()


def log_magnitude_cap(n_fft: int) -> float:
    """The clamp of the predicted ln|STFT|: above the loudest bin of real music, so it only guards
    against overflow. On the 1,435 training clips the largest ln|STFT| of a 1,024-point Hann STFT is
    5.40 (99th percentile of the per-clip maxima 5.24); magnitudes grow with the window, so the cap
    does too. (The first vocoders used 4.6, which clipped the loudest bins by up to 0.8 nepers.)"""
    return round(6.0 + math.log(n_fft / 1024), 2)


class ConvNeXtBlock(nn.Module):
    """Depthwise conv (k = 7) -> LayerNorm -> MLP, with a learned residual scale. ``(N, C, T)``."""

    def __init__(self, dim: int, intermediate_dim: int, layer_scale: float) -> None:
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, intermediate_dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(intermediate_dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).transpose(1, 2)
        y = self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + (self.gamma * y).transpose(1, 2)


class Vocoder(ModelMixin, ConfigMixin):
    """Mel -> wave. ``forward(mel)``: ``(N, n_mels, T)`` -> ``(N, num_samples or hop_length * (T - 1))``."""

    @register_to_config
    def __init__(
        self,
        n_mels: int = _DEFAULT.n_mels,
        n_fft: int = _DEFAULT.n_fft,
        hop_length: int = _DEFAULT.hop_length,
        dim: int = 192,
        intermediate_dim: int = 576,
        num_layers: int = 6,
        max_log_magnitude: float | None = None,
    ) -> None:
        super().__init__()
        if max_log_magnitude is None:
            self.register_to_config(max_log_magnitude=log_magnitude_cap(n_fft))
        self.embed = nn.Conv1d(n_mels, dim, kernel_size=7, padding=3)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.blocks = nn.ModuleList(ConvNeXtBlock(dim, intermediate_dim, 1.0 / num_layers) for _ in range(num_layers))
        self.final_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, n_fft + 2)  # n_fft / 2 + 1 log-magnitudes and as many phases
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, mel: torch.Tensor, num_samples: int | None = None) -> torch.Tensor:
        x = self.embed(mel)
        x = self.norm(x.transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        x = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2).float()
        log_mag, phase = x.chunk(2, dim=1)
        # Clamp before exp: one large activation early in training would otherwise overflow.
        magnitude = torch.exp(log_mag.clamp(max=self.config.max_log_magnitude))
        spec = torch.polar(magnitude, phase)
        with torch.autocast(mel.device.type, enabled=False):
            return torch.istft(
                spec,
                n_fft=self.config.n_fft,
                hop_length=self.config.hop_length,
                win_length=self.config.n_fft,
                window=self.window,
                center=True,
                length=num_samples,
            )
