"""Classifier-free guidance, and two remedies for the collapse a large scale brings.

Plain guidance, ``uncond + g * (cond - uncond)``, pushes every sample of a genre toward the
texture the denoiser finds most typical of it: recognisable, but one texture per genre (the
measured collapse of the first stage two). Two published remedies, both switched off by default:

- ``rescale`` (Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed"):
  the guided prediction is rescaled to the spread (standard deviation over the latent) of the
  conditional one, then mixed with the unrescaled one by ``rescale`` (their phi; 0.7 in the paper).
  It undoes the over-amplification that large scales give without giving up the direction.
- ``interval`` (Kynkäänniemi et al. 2024, "Applying guidance in a limited interval improves
  sample and distribution quality"): guidance only at noise levels whose ``t / T`` lies in
  ``[lo, hi]``, the conditional prediction elsewhere. Guidance at the highest noise levels is what
  drags every sample to the same mode; at the lowest it does little.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from genre_base.errors import UserError


@dataclass(frozen=True)
class Guidance:
    """How the conditional and unconditional predictions are combined at each sampling step.

    Args:
        scale: ``g``; 1 is the conditional prediction alone, 0 the unconditional one.
        rescale: phi in [0, 1]: how much of the spread-matched prediction to use (0 = plain guidance).
        interval: ``(lo, hi)`` in [0, 1]: guidance only where ``t / num_train_timesteps`` is in it.
    """

    scale: float = 3.0
    rescale: float = 0.0
    interval: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rescale <= 1.0:
            raise UserError(f"guidance rescale must be in [0, 1], got {self.rescale:g}")
        lo, hi = self.interval
        if not 0.0 <= lo < hi <= 1.0:
            raise UserError(f"guidance interval must be lo,hi with 0 <= lo < hi <= 1, got {lo:g},{hi:g}")
        object.__setattr__(self, "interval", (float(lo), float(hi)))

    @classmethod
    def of(cls, value: float | Guidance | dict) -> Guidance:
        """A scale (plain guidance), a :class:`Guidance` or its :meth:`to_dict` form."""
        if isinstance(value, Guidance):
            return value
        if isinstance(value, dict):
            return cls(
                float(value["scale"]), float(value.get("rescale", 0.0)), tuple(value.get("interval", (0.0, 1.0)))
            )
        return cls(float(value))

    @property
    def plain(self) -> bool:
        """True when this is plain classifier-free guidance (no remedy)."""
        return self.rescale == 0.0 and self.interval == (0.0, 1.0)

    def needs_unconditional(self, t: torch.Tensor, num_train_timesteps: int) -> bool:
        """Whether step ``t`` (a scalar timestep) combines two predictions (otherwise: conditional only)."""
        return self.scale != 1.0 and self.active(t, num_train_timesteps)

    def active(self, t: torch.Tensor, num_train_timesteps: int) -> bool:
        lo, hi = self.interval
        level = float(torch.as_tensor(t).float().reshape(-1)[0]) / num_train_timesteps
        return lo <= level <= hi

    def combine(self, cond: torch.Tensor, uncond: torch.Tensor) -> torch.Tensor:
        """The guided prediction ``(N, D)`` from the conditional and unconditional ones ``(N, D)``."""
        out = uncond + self.scale * (cond - uncond)
        if self.rescale > 0:
            # Spread over each sample's latent, as in the paper (per image there).
            ratio = cond.std(dim=1, keepdim=True) / out.std(dim=1, keepdim=True).clamp_min(1e-8)
            out = self.rescale * out * ratio + (1 - self.rescale) * out
        return out

    def describe(self) -> str:
        """Short label, e.g. ``g=5`` or ``g=5 rescale 0.7 in [0, 0.6]``."""
        text = f"g={self.scale:g}"
        if self.rescale:
            text += f" rescale {self.rescale:g}"
        if self.interval != (0.0, 1.0):
            text += f" in [{self.interval[0]:g}, {self.interval[1]:g}]"
        return text

    def to_dict(self) -> dict:
        return {**asdict(self), "interval": list(self.interval)}


def parse_interval(text: str | None) -> tuple[float, float]:
    """``"lo,hi"`` from the command line (None: the whole range)."""
    if text is None:
        return 0.0, 1.0
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise UserError(
            f"--guidance-interval must be two numbers lo,hi in [0, 1] such as 0,0.6; got {text!r}"
        ) from None
    return lo, hi
