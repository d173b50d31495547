"""Discriminators for adversarial training of stage one (they judge audio; no labels involved).

* :class:`MultiResolutionSTFTDiscriminator` (as in Vocos / UnivNet): 2-D convolutions over the
  complex STFT (real and imaginary parts as two channels) at several resolutions; it sees
  spectral detail and phase coherence that an L1 on magnitudes does not penalise.
* :class:`MultiPeriodDiscriminator` (HiFi-GAN): 2-D convolutions over the wave folded by a
  period ``p`` into ``(T / p, p)``; it sees periodic structure (pitch, its harmonics).
* :class:`MelPatchDiscriminator` (PatchGAN, as in latent diffusion's autoencoder): 2-D convolutions
  over a normalised log-mel ``(N, n_mels, frames)``, one logit per patch; for the mel VAE.

Each returns, per sub-discriminator, its logits and the list of its feature maps (for feature
matching). They take primitive arguments and know nothing about training.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

Outputs = tuple[list[torch.Tensor], list[list[torch.Tensor]]]  # (logits per sub-discriminator, features per sub)


class _ConvStack(nn.Module):
    """Weight-normed 2-D convolutions with leaky ReLUs; the last layer gives one logit channel."""

    def __init__(
        self, in_channels: int, channels: list[int], kernel: tuple[int, int], strides: list[tuple[int, int]]
    ) -> None:
        super().__init__()
        layers, prev = [], in_channels
        pad = (kernel[0] // 2, kernel[1] // 2)
        for ch, stride in zip(channels, strides):
            layers.append(weight_norm(nn.Conv2d(prev, ch, kernel, stride=stride, padding=pad)))
            prev = ch
        self.layers = nn.ModuleList(layers)
        self.out = weight_norm(nn.Conv2d(prev, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.1)
            features.append(x)
        x = self.out(x)
        features.append(x)
        return x.flatten(1), features


class STFTDiscriminator(nn.Module):
    """One resolution: ``(N, samples)`` -> logits ``(N, L)`` and feature maps."""

    def __init__(self, n_fft: int, hop_length: int, channels: int = 32, num_layers: int = 4) -> None:
        super().__init__()
        self.n_fft, self.hop_length = n_fft, hop_length
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        # Strided along time only after the first layer, as in Vocos's resolution discriminator.
        strides = [(1, 1)] + [(1, 2)] * (num_layers - 1)
        self.stack = _ConvStack(2, [channels] * num_layers, (3, 9), strides)

    def forward(self, wave: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        with torch.autocast(wave.device.type, enabled=False):
            spec = torch.stft(wave.float(), self.n_fft, self.hop_length, window=self.window, return_complex=True)
        x = torch.view_as_real(spec).permute(0, 3, 2, 1)  # (N, 2, frames, bins)
        return self.stack(x)


class MultiResolutionSTFTDiscriminator(nn.Module):
    """``forward(wave (N, samples))`` -> one :class:`STFTDiscriminator` output per resolution."""

    def __init__(
        self,
        resolutions: list[tuple[int, int]] = ((2048, 512), (1024, 256), (512, 128)),
        channels: int = 32,
        num_layers: int = 4,
    ) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(STFTDiscriminator(n, h, channels, num_layers) for n, h in resolutions)

    def forward(self, wave: torch.Tensor) -> Outputs:
        outs = [d(wave) for d in self.discriminators]
        return [o[0] for o in outs], [o[1] for o in outs]


class PeriodDiscriminator(nn.Module):
    """One period ``p``: the wave folded to ``(N, 1, samples / p, p)``, convolved along time."""

    def __init__(self, period: int, channels: list[int] = (32, 64, 128, 256)) -> None:
        super().__init__()
        self.period = period
        strides = [(3, 1)] * (len(channels) - 1) + [(1, 1)]
        self.stack = _ConvStack(1, list(channels), (5, 1), strides)

    def forward(self, wave: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        n, t = wave.shape
        pad = (-t) % self.period
        x = F.pad(wave, (0, pad), mode="reflect") if pad else wave
        return self.stack(x.view(n, 1, -1, self.period))


class MultiPeriodDiscriminator(nn.Module):
    """``forward(wave (N, samples))`` -> one :class:`PeriodDiscriminator` output per period."""

    def __init__(self, periods: list[int] = (2, 3, 5, 7, 11), channels: list[int] = (32, 64, 128, 256)) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(PeriodDiscriminator(p, channels) for p in periods)

    def forward(self, wave: torch.Tensor) -> Outputs:
        outs = [d(wave) for d in self.discriminators]
        return [o[0] for o in outs], [o[1] for o in outs]


class MelPatchDiscriminator(nn.Module):
    """``forward(mel (N, n_mels, frames))`` -> one patch-logit map, strided over mel bands and frames."""

    def __init__(self, channels: list[int] = (32, 64, 128)) -> None:
        super().__init__()
        self.stack = _ConvStack(1, list(channels), (3, 3), [(2, 2)] * (len(channels) - 1) + [(1, 1)])

    def forward(self, mel: torch.Tensor) -> Outputs:
        logits, features = self.stack(mel.unsqueeze(1))
        return [logits], [features]


class CombinedDiscriminator(nn.Module):
    """Several multi-discriminators judged together: their outputs concatenated."""

    def __init__(self, parts: list[nn.Module]) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, wave: torch.Tensor) -> Outputs:
        logits, features = [], []
        for part in self.parts:
            lo, fe = part(wave)
            logits += lo
            features += fe
        return logits, features
