"""Generation with the encoder alone: interpolation, genre arithmetic and prior samples.

These are the brief's first generation experiments, and the reason stage two exists: a VAE
trained with a very small KL weight has an aggregate posterior far from its N(0, I) prior, so
prior samples decode to noise-like textures, and straight lines between two songs pass through
regions no song occupies. ``scripts/manipulate.py`` writes the audio and the judge's verdicts so
this is heard and measured rather than asserted.
"""

from __future__ import annotations

import numpy as np
import torch

import autoencoder
from analysis.latents import Latents


def middle_clip(path: str, codec: autoencoder.StageOne, offset_seconds: float | None = None) -> torch.Tensor:
    """One clip ``(clip_samples,)`` of an audio file: from ``offset_seconds``, else its middle (zero-padded if short)."""
    wave = autoencoder.load_audio(path, codec.sample_rate)
    n = codec.clip_samples
    if offset_seconds is None:
        start = max(0, (wave.shape[0] - n) // 2)
    else:
        start = int(offset_seconds * codec.sample_rate)
        if not 0 <= start < wave.shape[0]:
            raise ValueError(f"--offset {offset_seconds} s is outside {path!r} ({wave.shape[0] / codec.sample_rate:.1f} s)")
    clip = wave[start:start + n]
    return torch.nn.functional.pad(clip, (0, n - clip.shape[0]))


def interpolate(za: torch.Tensor, zb: torch.Tensor, steps: int) -> torch.Tensor:
    """Straight line from ``za (D,)`` to ``zb (D,)``: ``(steps, D)``, both ends included."""
    if steps < 2:
        raise ValueError(f"--steps must be >= 2, got {steps}")
    w = torch.linspace(0, 1, steps)[:, None]
    return (1 - w) * za[None] + w * zb[None]


def genre_centroids(latents: Latents, split: str = "train") -> dict[str, np.ndarray]:
    """Mean latent ``(D,)`` of each genre over ``split``."""
    rows = latents.rows(split)
    return {g: latents.means[rows][latents.genre[rows] == g].mean(0) for g in sorted(set(latents.genre[rows]))}


def genre_direction(latents: Latents, source: str, target: str) -> torch.Tensor:
    """``centroid(target) - centroid(source)``, ``(D,)``; unknown genres raise a ValueError listing the known ones."""
    centroids = genre_centroids(latents)
    for name in (source, target):
        if name not in centroids:
            raise ValueError(f"unknown genre {name!r}; the latents file has: {', '.join(centroids)}")
    return torch.from_numpy(centroids[target] - centroids[source]).float()


def shift(z: torch.Tensor, direction: torch.Tensor, strengths: list[float]) -> torch.Tensor:
    """``z (D,)`` moved by each strength times ``direction``: ``(len(strengths), D)``."""
    return torch.stack([z + s * direction for s in strengths])


def prior_samples(latent_size: int, num: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Samples of the VAE prior N(0, I): ``(num, latent_size)``."""
    return torch.randn((num, latent_size), generator=generator)
