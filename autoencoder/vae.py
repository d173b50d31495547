"""Mel VAE: normalised log-mel of one clip <-> a latent of ``global_size + latent_channels x latent_frames`` floats.

The mel bins are the channels of 1-D convolutions over time, so every layer sees the whole
spectrum at once (spectral envelopes are what PCA captures well, and what the VAE must beat).
Two stride-2 stages bring the 431 frames of a 5 s clip to 108; the bottleneck then resamples
time to ``latent_frames`` (adaptive average pooling down, linear interpolation back up), so any
size from 8 to 4096 works with one architecture.

The latent has two parts. A *global* part (``global_size`` floats, pooled over the whole clip)
holds what stays put for 5 s of music -- timbre, spectral envelope, key -- once instead of once
per frame; a *temporal* part (``latent_channels x latent_frames``) holds how the clip moves --
rhythm, onsets, dynamics. A flat latent is ``[global, temporal.flatten()]``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn

from genre_base.mel import MelSettings

_DEFAULT = MelSettings()


class Posterior(NamedTuple):
    """Diagonal Gaussian over the flat latent; ``mean`` and ``logvar`` have shape ``(N, latent_size)``."""

    mean: torch.Tensor
    logvar: torch.Tensor

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        noise = torch.randn(self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype)
        return self.mean + torch.exp(0.5 * self.logvar) * noise

    def kl_per_dim(self) -> torch.Tensor:
        """KL to N(0, I) in nats, per latent float: ``(N, latent_size)``."""
        return 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv (k = 3), twice, plus the input. ``(N, C, T) -> (N, C, T)``."""

    def __init__(self, channels: int, dilation: int = 1) -> None:
        super().__init__()
        groups = 8 if channels % 8 == 0 else 1
        self.body = nn.Sequential(
            nn.GroupNorm(groups, channels),
            nn.SiLU(),
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation),
            nn.GroupNorm(groups, channels),
            nn.SiLU(),
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
    """``encode(mel (N, n_mels, num_frames)) -> Posterior`` over ``(N, latent_size)``; ``decode(z (N, latent_size)) -> mel``."""

    @register_to_config
    def __init__(
        self,
        n_mels: int = _DEFAULT.n_mels,
        num_frames: int = _DEFAULT.num_frames(110250),
        latent_channels: int = 4,
        latent_frames: int = 32,
        channels: tuple[int, ...] = (96, 160, 192),
        num_res_blocks: int = 1,
        global_size: int = 0,
    ) -> None:
        super().__init__()
        if latent_channels < 1 or latent_frames < 1 or global_size < 0:
            raise ValueError(
                f"need latent_channels >= 1, latent_frames >= 1, global_size >= 0; got "
                f"{latent_channels}, {latent_frames}, {global_size}"
            )
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
        self.to_global = nn.Linear(2 * channels[-1], 2 * global_size) if global_size else None

        self.from_latent = nn.Conv1d(latent_channels, channels[-1], 3, padding=1)
        self.mid = ResBlock(channels[-1])
        self.up_levels = nn.ModuleList()
        for i in range(len(channels) - 1, -1, -1):
            blocks: list[nn.Module] = [ResBlock(channels[i], dilation=2 ** (b % 3)) for b in range(num_res_blocks)]
            if i > 0:
                blocks.append(nn.Conv1d(channels[i], channels[i - 1], 3, padding=1))
            self.up_levels.append(nn.Sequential(*blocks))
        # The global part conditions every decoder level (a per-channel bias), so the decoder never
        # has to carry it through the temporal path.
        self.global_bias = (
            nn.ModuleList(nn.Linear(global_size, channels[i]) for i in range(len(channels) - 1, -1, -1))
            if global_size
            else None
        )
        self.to_mel = nn.Sequential(
            nn.GroupNorm(8 if channels[0] % 8 == 0 else 1, channels[0]),
            nn.SiLU(),
            nn.Conv1d(channels[0], n_mels, 3, padding=1),
        )

    @property
    def latent_size(self) -> int:
        return self.config.global_size + self.config.latent_channels * self.config.latent_frames

    def encode(self, mel: torch.Tensor) -> Posterior:
        if mel.shape[1:] != (self.config.n_mels, self.config.num_frames):
            raise ValueError(
                f"expected mel of shape (N, {self.config.n_mels}, {self.config.num_frames}), got {tuple(mel.shape)}"
            )
        features = self.encoder(mel)
        mean, logvar = self.to_posterior(_resample_time(features, self.config.latent_frames)).chunk(2, dim=1)
        mean, logvar = mean.flatten(1), logvar.flatten(1)
        if self.to_global is not None:
            pooled = torch.cat([features.mean(-1), features.amax(-1)], dim=1)
            g_mean, g_logvar = self.to_global(pooled).chunk(2, dim=1)
            mean, logvar = torch.cat([g_mean, mean], 1), torch.cat([g_logvar, logvar], 1)
        return Posterior(mean, logvar.clamp(-30.0, 20.0))

    def split_latent(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Flat ``(N, latent_size)`` -> global ``(N, global_size)`` and temporal ``(N, C, F)``."""
        g = self.config.global_size
        temporal = z[:, g:].reshape(z.shape[0], self.config.latent_channels, self.config.latent_frames)
        return z[:, :g], temporal

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z``: flat ``(N, latent_size)`` -> mel ``(N, n_mels, num_frames)``."""
        if z.ndim != 2 or z.shape[1] != self.latent_size:
            raise ValueError(f"expected a latent of shape (N, {self.latent_size}), got {tuple(z.shape)}")
        g, temporal = self.split_latent(z)
        h = self.mid(self.from_latent(temporal))
        for i, (level, block) in enumerate(zip(reversed(range(len(self.level_frames))), self.up_levels)):
            h = _resample_time(h, self.level_frames[level])
            if self.global_bias is not None:
                # the bias has the channels of the level's input; block[-1] may change them after
                h = h + self.global_bias[i](g).unsqueeze(-1)
            h = block(h)
        return self.to_mel(h)

    def forward(self, mel: torch.Tensor, sample: bool = True) -> tuple[torch.Tensor, Posterior]:
        posterior = self.encode(mel)
        z = posterior.sample() if sample else posterior.mean
        return self.decode(z), posterior
