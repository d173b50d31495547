"""Mel VAE: normalised log-mel of one clip <-> a latent of ``latent_channels x latent_frames`` floats.

The mel bins are the channels of 1-D convolutions over time, so every layer sees the whole
spectrum at once (spectral envelopes are what PCA captures well, and what the VAE must beat).
Two stride-2 stages bring the 431 frames of a 5 s clip to 108; the bottleneck then resamples
time to ``latent_frames`` (adaptive average pooling down, linear interpolation back up), so any
``latent_size = latent_channels * latent_frames`` from 8 to 4096 works with one architecture.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn


class Posterior(NamedTuple):
    """Diagonal Gaussian; ``mean`` and ``logvar`` have shape ``(N, latent_channels, latent_frames)``."""

    mean: torch.Tensor
    logvar: torch.Tensor

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        noise = torch.randn(self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype)
        return self.mean + torch.exp(0.5 * self.logvar) * noise

    def kl_per_dim(self) -> torch.Tensor:
        """KL to N(0, I) in nats, per latent float: ``(N, latent_channels, latent_frames)``."""
        return 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv (k = 3), twice, plus the input. ``(N, C, T) -> (N, C, T)``."""

    def __init__(self, channels: int, dilation: int = 1) -> None:
        super().__init__()
        groups = 8 if channels % 8 == 0 else 1
        self.body = nn.Sequential(
            nn.GroupNorm(groups, channels), nn.SiLU(),
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation),
            nn.GroupNorm(groups, channels), nn.SiLU(),
            nn.Conv1d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _resample_time(x: torch.Tensor, frames: int) -> torch.Tensor:
    if x.shape[-1] == frames:
        return x
    if frames < x.shape[-1]:
        return F.adaptive_avg_pool1d(x, frames)
    return F.interpolate(x, size=frames, mode="linear", align_corners=False)


class MelVAE(ModelMixin, ConfigMixin):
    """``encode(mel (N, n_mels, num_frames)) -> Posterior``; ``decode(z (N, C, F)) -> mel``."""

    @register_to_config
    def __init__(self, n_mels: int = 80, num_frames: int = 431, latent_channels: int = 4, latent_frames: int = 32,
                 channels: tuple[int, ...] = (96, 160, 192), num_res_blocks: int = 1) -> None:
        super().__init__()
        if latent_channels < 1 or latent_frames < 1:
            raise ValueError(f"latent_channels and latent_frames must be >= 1, got {latent_channels}, {latent_frames}")
        channels = tuple(channels)
        self.level_frames = [num_frames]
        for _ in channels[1:]:
            self.level_frames.append((self.level_frames[-1] + 1) // 2)

        enc: list[nn.Module] = [nn.Conv1d(n_mels, channels[0], 3, padding=1)]
        for i, ch in enumerate(channels):
            enc += [ResBlock(ch, dilation=2 ** (b % 3)) for b in range(num_res_blocks)]
            if i + 1 < len(channels):
                enc.append(nn.Conv1d(ch, channels[i + 1], 3, stride=2, padding=1))
        enc += [ResBlock(channels[-1]), nn.GroupNorm(8 if channels[-1] % 8 == 0 else 1, channels[-1]), nn.SiLU()]
        self.encoder = nn.Sequential(*enc)
        self.to_posterior = nn.Conv1d(channels[-1], 2 * latent_channels, 1)

        self.from_latent = nn.Conv1d(latent_channels, channels[-1], 3, padding=1)
        self.mid = ResBlock(channels[-1])
        self.up_levels = nn.ModuleList()
        for i in range(len(channels) - 1, -1, -1):
            blocks: list[nn.Module] = [ResBlock(channels[i], dilation=2 ** (b % 3)) for b in range(num_res_blocks)]
            if i > 0:
                blocks.append(nn.Conv1d(channels[i], channels[i - 1], 3, padding=1))
            self.up_levels.append(nn.Sequential(*blocks))
        self.to_mel = nn.Sequential(nn.GroupNorm(8 if channels[0] % 8 == 0 else 1, channels[0]), nn.SiLU(),
                                    nn.Conv1d(channels[0], n_mels, 3, padding=1))

    @property
    def latent_size(self) -> int:
        return self.config.latent_channels * self.config.latent_frames

    def encode(self, mel: torch.Tensor) -> Posterior:
        if mel.shape[1:] != (self.config.n_mels, self.config.num_frames):
            raise ValueError(f"expected mel of shape (N, {self.config.n_mels}, {self.config.num_frames}), "
                             f"got {tuple(mel.shape)}")
        h = _resample_time(self.encoder(mel), self.config.latent_frames)
        mean, logvar = self.to_posterior(h).chunk(2, dim=1)
        return Posterior(mean, logvar.clamp(-30.0, 20.0))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z``: ``(N, C, F)`` or flat ``(N, C * F)`` -> mel ``(N, n_mels, num_frames)``."""
        z = z.reshape(z.shape[0], self.config.latent_channels, self.config.latent_frames)
        h = self.mid(self.from_latent(z))
        for level, block in zip(reversed(range(len(self.level_frames))), self.up_levels):
            h = block(_resample_time(h, self.level_frames[level]))
        return self.to_mel(h)

    def forward(self, mel: torch.Tensor, sample: bool = True) -> tuple[torch.Tensor, Posterior]:
        posterior = self.encode(mel)
        z = posterior.sample() if sample else posterior.mean
        return self.decode(z), posterior
