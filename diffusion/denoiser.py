"""The denoiser of stage two: a small 1-D residual network over the latent's time axis.

A stage-one latent of ``D = channels x frames`` floats is a short sequence (``frames`` steps of
``channels`` features), so the denoiser is a stack of dilated 1-D convolutions over frames, each
block modulated (FiLM: scale and shift per channel) by the diffusion timestep plus the genre.
Genre index ``num_genres`` is the null class used for classifier-free guidance. A latent without
a time axis (a global part, or a baseline) is treated as one frame of ``D`` channels, which makes
the same network an MLP.

Why not ``UNet2DModel``: a 16 x 32 latent viewed as an image gives the 2-D UNet a spatial
inductive bias along the channel axis, which has no order; ``genre-ldm compare-denoisers``
measures both at about the same parameter count (results in ``results/generation/denoisers``).
"""

from __future__ import annotations

import math

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from genre_base.errors import UserError

from .guidance import Guidance


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of (possibly fractional) timesteps ``(N,)`` -> ``(N, dim)``."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class FiLMBlock(nn.Module):
    """GroupNorm -> FiLM(cond) -> SiLU -> dilated conv -> GroupNorm -> SiLU -> conv, plus the input."""

    def __init__(self, width: int, cond_dim: int, dilation: int, groups: int = 8) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, width)
        self.conv1 = nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation)
        self.norm2 = nn.GroupNorm(groups, width)
        self.conv2 = nn.Conv1d(width, width, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * width)
        # Zero-initialised output conv: every block starts as the identity, which keeps an
        # untrained deep stack well-behaved.
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(cond)[:, :, None].chunk(2, dim=1)
        h = self.norm1(x) * (1 + scale) + shift
        h = self.conv1(nn.functional.silu(h))
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return x + h


class LatentDenoiser(ModelMixin, ConfigMixin):
    """Predicts the noise (or ``v``) in a noisy flat latent, given the timestep and the genre.

    Args:
        latent_size: D, floats per clip.
        channels, frames: how D splits into a time axis (``channels * frames == latent_size``);
            ``frames=1`` for a latent without one.
        genres: the genre names; their order fixes the class indices, ``len(genres)`` is null.
        width, dilations: network width and one residual block per dilation.
        latent_mean, latent_std: per-dimension statistics of the training latents; the model
            works on ``(z - mean) / std`` and stores them so samples come back in VAE units.
    """

    @register_to_config
    def __init__(
        self,
        latent_size: int = 512,
        channels: int = 16,
        frames: int = 32,
        genres: tuple[str, ...] = ("blues", "classical"),
        width: int = 128,
        dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2),
        cond_dim: int = 128,
        latent_mean: list[float] | None = None,
        latent_std: list[float] | None = None,
    ) -> None:
        super().__init__()
        if channels * frames != latent_size:
            raise ValueError(f"channels x frames must equal latent_size, got {channels} x {frames} != {latent_size}")
        if len(genres) < 1:
            raise ValueError("genres must name at least one genre")
        self.num_genres = len(genres)
        mean = torch.tensor(latent_mean if latent_mean is not None else [0.0] * latent_size, dtype=torch.float32)
        std = torch.tensor(latent_std if latent_std is not None else [1.0] * latent_size, dtype=torch.float32)
        if mean.shape != (latent_size,) or std.shape != (latent_size,):
            raise ValueError(f"latent_mean and latent_std must have {latent_size} values")
        self.register_buffer("z_mean", mean, persistent=False)
        self.register_buffer("z_std", std.clamp_min(1e-6), persistent=False)
        self.time_mlp = nn.Sequential(nn.Linear(cond_dim, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim))
        self.class_embedding = nn.Embedding(self.num_genres + 1, cond_dim)
        self.inp = nn.Conv1d(channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(FiLMBlock(width, cond_dim, d) for d in dilations)
        self.out_norm = nn.GroupNorm(8, width)
        self.out = nn.Conv1d(width, channels, 3, padding=1)

    @property
    def null_class(self) -> int:
        return self.num_genres

    def genre_index(self, names: list[str]) -> torch.Tensor:
        """Genre names -> class indices ``(N,)``; an unknown name raises a ValueError listing the valid ones."""
        genres = list(self.config.genres)
        unknown = [n for n in names if n not in genres]
        if unknown:
            raise UserError(f"unknown genre {unknown[0]!r}; this model knows: {', '.join(genres)}")
        return torch.tensor([genres.index(n) for n in names], dtype=torch.long)

    def normalize(self, z: torch.Tensor) -> torch.Tensor:
        """VAE latents ``(N, D)`` -> the model's units."""
        return (z - self.z_mean) / self.z_std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """The model's units ``(N, D)`` -> VAE latents."""
        return x * self.z_std + self.z_mean

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, class_labels: torch.Tensor) -> torch.Tensor:
        """``sample (N, D)`` normalised noisy latents, ``timestep (N,)`` or scalar, ``class_labels (N,)``
        (``null_class`` for unconditional) -> the prediction ``(N, D)``."""
        n, d = sample.shape
        if d != self.config.latent_size:
            raise ValueError(f"expected latents of shape (N, {self.config.latent_size}), got {tuple(sample.shape)}")
        timestep = torch.as_tensor(timestep, device=sample.device).reshape(-1).expand(n)
        cond = self.time_mlp(timestep_embedding(timestep, self.config.cond_dim)) + self.class_embedding(
            class_labels.to(sample.device)
        )
        h = self.inp(sample.view(n, self.config.channels, self.config.frames))
        for block in self.blocks:
            h = block(h, cond)
        return self.out(nn.functional.silu(self.out_norm(h))).reshape(n, d)


def guided(
    model: LatentDenoiser,
    x: torch.Tensor,
    t: torch.Tensor,
    labels: torch.Tensor,
    guidance: float | Guidance,
    num_train_timesteps: int = 1000,
) -> torch.Tensor:
    """Classifier-free guidance: ``uncond + g * (cond - uncond)``; ``g = 1`` is the conditional prediction.

    ``x (N, D)``, ``labels (N,)`` -> ``(N, D)``. ``guidance``: a scale, or a :class:`Guidance` with a
    remedy for collapse (rescale, an interval of noise levels). Where only the conditional prediction
    is needed (``g == 1``, or ``t`` outside the interval) only that pass runs.
    """
    guidance = Guidance.of(guidance)
    if not guidance.needs_unconditional(t, num_train_timesteps):
        return model(x, t, labels)
    null = torch.full_like(labels, model.null_class)
    t = torch.as_tensor(t)
    both = model(torch.cat([x, x]), torch.cat([t.reshape(-1)] * 2) if t.numel() > 1 else t, torch.cat([labels, null]))
    cond, uncond = both.chunk(2)
    return guidance.combine(cond, uncond)


def drop_labels(
    labels: torch.Tensor, null_class: int, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Label dropout for classifier-free guidance: each label becomes ``null_class`` with probability ``p``."""
    drop = torch.rand(labels.shape, generator=generator, device=labels.device) < p
    return torch.where(drop, torch.full_like(labels, null_class), labels)
