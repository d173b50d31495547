"""The judge: a small genre classifier on log-mels, independent of every latent.

It is trained on real clips of the training split only, and it always judges *audio*: callers
hand it waveforms, it computes their mel with the shared front-end, so a reconstruction or a
generated clip is judged on what a listener would hear. Its 32-float embedding (before the last
layer) is the space for Frechet distances between sets of clips.
"""

from __future__ import annotations

import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn

from .device import module_device
from .mel import MelSettings

_DEFAULT = MelSettings()


class GenreJudge(ModelMixin, ConfigMixin):
    """``forward(mel (N, n_mels, T)) -> logits (N, num_genres)``; ``embed`` gives ``(N, embedding_dim)``."""

    @register_to_config
    def __init__(
        self,
        num_genres: int = 10,
        n_mels: int = _DEFAULT.n_mels,
        channels: tuple[int, ...] = (16, 32, 64, 96),
        embedding_dim: int = 32,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            layers += [
                nn.Conv2d(c_in, c, 3, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, c, 3, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            c_in = c
        self.features = nn.Sequential(*layers)
        # Mean and max over time and frequency: a clip-level summary that ignores where things happen.
        self.embedding = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * c_in, embedding_dim), nn.ReLU())
        self.classifier = nn.Linear(embedding_dim, num_genres)

    def embed(self, mel: torch.Tensor) -> torch.Tensor:
        h = self.features(mel.unsqueeze(1))
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return self.embedding(pooled)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(mel))


class Judge:
    """A trained :class:`GenreJudge` with its front-end and genre names; takes waveforms only.

    Waves are ``(N, clip_samples)`` at the judge's sample rate; longer or shorter clips work too
    (the network pools over time), but the judge was trained on 5 s clips.
    """

    def __init__(self, model: GenreJudge, frontend, genres: list[str], metrics: dict | None = None) -> None:
        self.model, self.frontend, self.genres = model.eval(), frontend, list(genres)
        self.metrics = metrics or {}

    @property
    def sample_rate(self) -> int:
        return self.frontend.settings.sample_rate

    @property
    def device(self) -> torch.device:
        return module_device(self.model)

    def to(self, device: torch.device | str) -> Judge:
        """Move the network and its front-end to ``device``; inputs are moved there by every method."""
        self.model.to(device)
        self.frontend.to(device)
        return self

    @torch.no_grad()
    def _batched(self, wave: torch.Tensor, fn, batch: int = 32) -> torch.Tensor:
        wave = wave.unsqueeze(0) if wave.ndim == 1 else wave
        return torch.cat([fn(self.frontend(wave[i : i + batch].to(self.device))) for i in range(0, len(wave), batch)])

    def probabilities(self, wave: torch.Tensor) -> torch.Tensor:
        """``(N, samples) -> (N, num_genres)``."""
        return self._batched(wave, lambda mel: self.model(mel).softmax(-1))

    def predict(self, wave: torch.Tensor) -> torch.Tensor:
        """``(N, samples) -> (N,)`` genre indices into :attr:`genres`."""
        return self.probabilities(wave).argmax(-1)

    def embed(self, wave: torch.Tensor) -> torch.Tensor:
        """``(N, samples) -> (N, embedding_dim)``."""
        return self._batched(wave, self.model.embed)
