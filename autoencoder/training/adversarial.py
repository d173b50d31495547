"""Adversarial terms shared by stage-one trainings: hinge losses and feature matching.

A task that trains adversarially exposes ``discriminator`` (an ``nn.Module``) and
``discriminator_loss(discriminator, step)``; the loop (:mod:`genre_base.training.loop`) gives the
discriminator its own optimiser, schedule and checkpoints. In the generator's step the task calls
the discriminator with its parameters frozen (:func:`frozen`), so only the generator gets gradients.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

DISCRIMINATORS = ("mrd", "mpd", "patch")


@dataclass
class AdversarialConfig:
    enabled: bool = False
    # Which discriminators judge the output: "mrd" (multi-resolution STFT) and/or "mpd" (multi-period) for
    # audio; "patch" (a PatchGAN over log-mels) for the mel VAE.
    discriminators: list[str] = field(default_factory=lambda: ["mrd"])
    channels: int = 32
    weight: float = 0.1  # of the generator's hinge loss, beside the reconstruction losses (about 1 to 2)
    feature_weight: float = 0.2  # of feature matching (L1 between real and generated feature maps)
    start_step: int = 0  # steps of reconstruction losses alone before the adversarial terms start
    lr: float = 2e-4  # the discriminator's learning rate (AdamW, betas 0.8 / 0.99 as in HiFi-GAN)
    # Latent diffusion's adaptive weight: scale the hinge loss by |grad rec| / |grad adv| at the decoder's
    # last layer, so neither term swamps the other whatever their scales (``weight`` multiplies it).
    adaptive: bool = False

    def __post_init__(self) -> None:
        bad = [d for d in self.discriminators if d not in DISCRIMINATORS]
        if bad or (self.enabled and not self.discriminators):
            raise ValueError(
                f"adversarial.discriminators must be a non-empty subset of {list(DISCRIMINATORS)}, "
                f"got {self.discriminators}"
            )
        if self.weight < 0 or self.feature_weight < 0 or self.lr <= 0 or self.start_step < 0:
            raise ValueError(
                f"adversarial weight, feature_weight and start_step must be >= 0 and lr > 0, got "
                f"{self.weight}, {self.feature_weight}, {self.start_step}, {self.lr}"
            )


def build_discriminator(cfg: AdversarialConfig) -> nn.Module:
    """The discriminator ``cfg`` names (its parts judged together)."""
    from ..discriminators import (
        CombinedDiscriminator,
        MelPatchDiscriminator,
        MultiPeriodDiscriminator,
        MultiResolutionSTFTDiscriminator,
    )

    parts = {
        "mrd": lambda: MultiResolutionSTFTDiscriminator(channels=cfg.channels),
        "patch": lambda: MelPatchDiscriminator(channels=[cfg.channels, 2 * cfg.channels, 4 * cfg.channels]),
        "mpd": lambda: MultiPeriodDiscriminator(
            channels=[cfg.channels, 2 * cfg.channels, 4 * cfg.channels, 8 * cfg.channels]
        ),
    }
    return CombinedDiscriminator([parts[name]() for name in cfg.discriminators])


def discriminator_hinge(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    """Hinge loss of the discriminator: mean over sub-discriminators of relu(1 - D(x)) + relu(1 + D(G(z)))."""
    terms = [torch.relu(1 - r).mean() + torch.relu(1 + f).mean() for r, f in zip(real, fake)]
    return torch.stack(terms).mean()


def generator_hinge(fake: list[torch.Tensor]) -> torch.Tensor:
    """Hinge loss of the generator: mean over sub-discriminators of relu(1 - D(G(z)))."""
    return torch.stack([torch.relu(1 - f).mean() for f in fake]).mean()


def feature_matching(real: list[list[torch.Tensor]], fake: list[list[torch.Tensor]]) -> torch.Tensor:
    """Mean L1 between the discriminator's feature maps of real (held fixed) and generated input."""
    terms = [(r.detach() - f).abs().mean() for rs, fs in zip(real, fake) for r, f in zip(rs, fs)]
    return torch.stack(terms).mean()


def generator_terms(
    discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The generator's hinge loss and feature matching on ``fake``, with the discriminator frozen."""
    with frozen(discriminator) as disc:
        fake_logits, fake_features = disc(fake)
        with torch.no_grad():
            _, real_features = disc(real)
    return generator_hinge(fake_logits), feature_matching(real_features, fake_features)


class Adversary:
    """Mixin for a training task with a discriminator: what the loop reads (``discriminator``,
    ``discriminator_lr``, :meth:`discriminator_loss`) and the generator's terms of each step."""

    def init_adversary(self, cfg: AdversarialConfig) -> None:
        self.discriminator = build_discriminator(cfg) if cfg.enabled else None
        self.discriminator_lr = cfg.lr
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None  # (real, generated) of the last step

    def generator_terms(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`generator_terms`, keeping the pair for the discriminator's update that follows."""
        self._last = (real, fake.detach())
        return generator_terms(self.discriminator, real, fake)

    def discriminator_loss(self, discriminator: nn.Module, step: int) -> dict[str, torch.Tensor]:
        """Hinge loss of the discriminator on the last step's real and generated batches ({} before it starts)."""
        if self._last is None:
            return {}
        real, fake = self._last
        self._last = None
        return {"discriminator": discriminator_step(discriminator, real, fake)}


def discriminator_step(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge loss of ``discriminator`` on real and (detached) generated batches, in one call on both
    halves: one forward per backward, as DistributedDataParallel expects."""
    logits, _ = discriminator(torch.cat([real, fake.detach()]))
    n = real.shape[0]
    return discriminator_hinge([lo[:n] for lo in logits], [lo[n:] for lo in logits])


def adaptive_weight(
    reconstruction: torch.Tensor, adversarial: torch.Tensor, last_layer: torch.Tensor, max_weight: float = 1e4
) -> torch.Tensor:
    """``|d rec / d W| / (|d adv / d W| + 1e-4)`` at the decoder's last weight ``W`` (Esser et al. 2021),
    detached and clamped to ``[0, max_weight]``."""
    g_rec = torch.autograd.grad(reconstruction, last_layer, retain_graph=True)[0]
    g_adv = torch.autograd.grad(adversarial, last_layer, retain_graph=True)[0]
    return (g_rec.norm() / (g_adv.norm() + 1e-4)).clamp(0.0, max_weight).detach()


@contextlib.contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` with ``requires_grad`` off for the generator's step (restored afterwards)."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield module
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)
