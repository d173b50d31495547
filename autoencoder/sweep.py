"""The latent-size study: one VAE per size, evaluated beside PCA, and the rule that picks D*.

The rule is configuration, fixed before the sweep runs, and applied by code on the valid split,
relative to ceilings measured in the same run: the ceiling of a measure is the better of the
vocoder and Griffin-Lim on true mels (no latent at all). A size qualifies when its VAE + vocoder
reconstructions reach, on valid, ``onset_fraction`` of the onset-correlation ceiling,
``chroma_fraction`` of the chroma ceiling, ``agreement_fraction`` of the independent judge's
agreement ceiling, and a Fréchet audio distance from the real train clips at most ``fad_ratio``
times that of the real valid clips themselves. D* is the smallest qualifying size. If none
qualifies, the rule says so and falls back to the smallest relative shortfall; sizes whose
shortfall intervals overlap the best one's are reported as undetermined, and the smallest is taken.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import NamedTuple

from .training.vae_task import VAETrainConfig

RELATIVE = {"onset_corr": "onset_fraction", "chroma_corr": "chroma_fraction", "ind_agreement": "agreement_fraction"}
RULE_METRICS = (*RELATIVE, "fad_ratio")  # the row columns the rule reads (and "ceiling_<name>" for RELATIVE)


@dataclass
class RuleConfig:
    onset_fraction: float = 0.8  # of the ceiling's onset-envelope correlation
    chroma_fraction: float = 0.8  # of the ceiling's chroma correlation
    agreement_fraction: float = 0.7  # of the ceiling's independent-judge agreement
    fad_ratio: float = 2.0  # FAD(reconstructed valid, train) / FAD(real valid, train) at most

    def __post_init__(self) -> None:
        for name in ("onset_fraction", "chroma_fraction", "agreement_fraction"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"rule.{name} must be in (0, 1], got {getattr(self, name)}")
        if self.fad_ratio < 1:
            raise ValueError(f"rule.fad_ratio must be at least 1 (the real clips' own distance), got {self.fad_ratio}")

    def thresholds(self, ceilings: dict[str, float]) -> dict[str, float]:
        """Absolute thresholds for the row columns: fractions of ``ceilings`` and the FAD ratio."""
        out = {name: getattr(self, field) * ceilings[name] for name, field in RELATIVE.items()}
        out["fad_ratio"] = self.fad_ratio
        return out


def shortfall(values: dict[str, float], thresholds: dict[str, float]) -> float:
    """Sum of relative shortfalls below each threshold (above it, for the FAD ratio); 0 = qualifies."""
    total = 0.0
    for name, t in thresholds.items():
        v = values[name]
        total += max(0.0, v - t) / t if name == "fad_ratio" else max(0.0, t - v) / t
    return total


@dataclass
class SweepConfig:
    vae: VAETrainConfig = field(default_factory=VAETrainConfig)
    sizes: list[int] = field(default_factory=lambda: [16, 32, 64, 128, 256, 512, 1024])
    max_latent_frames: int = 32  # a latent keeps up to 32 frames (6.4 frames a second) and adds channels above
    global_fraction: float = 0.0  # share of each size spent on the whole-clip (global) part (see VAEModelConfig)
    rule: RuleConfig = field(default_factory=RuleConfig)
    eval_max_clips: int = 96  # per split and size: a seeded subset keeps a sweep in CPU-hours
    audio_clips: int = 3  # clips written as audio at every size (in the run folder, never committed)
    n_boot: int = 1000  # bootstrap resamples of every interval (fewer only in test configs)
    # The full budget: the three sizes the rule picks continue from their brief checkpoints to
    # full_max_steps and are evaluated on up to full_eval_max_clips clips per split.
    full_max_steps: int = 3000
    full_eval_max_clips: int = 300

    def __post_init__(self) -> None:
        bad = [s for s in self.sizes if not 8 <= s <= 4096]
        if bad:
            raise ValueError(f"sizes must be in 8..4096, got {bad}")
        if self.full_max_steps < self.vae.loop.max_steps:
            raise ValueError(f"full_max_steps ({self.full_max_steps}) must be at least the brief budget "
                             f"vae.loop.max_steps ({self.vae.loop.max_steps})")

    def full_budget(self, sizes: list[int]) -> "SweepConfig":
        """This sweep at the full budget, for ``sizes`` only."""
        full = copy.deepcopy(self)
        full.sizes, full.vae.loop.max_steps, full.eval_max_clips = list(sizes), self.full_max_steps, self.full_eval_max_clips
        return full


class RuleDecision(NamedTuple):
    size: int
    qualified: bool
    reason: str
    analysis_sizes: tuple[int, int, int]  # about D*/2, D*, about 2 D*


def latent_layout(size: int, max_frames: int = 32, global_fraction: float = 0.5) -> tuple[int, int, int]:
    """``(global_size, channels, frames)`` of a latent of ``size`` floats: ``global_fraction`` of it
    for the whole clip, the rest per frame with as many frames as allowed, then more channels."""
    global_size = int(size * global_fraction)
    temporal = size - global_size
    frames = min(temporal, max_frames)
    while temporal % frames:
        frames -= 1
    return global_size, temporal // frames, frames


def size_config(base: VAETrainConfig, size: int, max_frames: int, global_fraction: float) -> VAETrainConfig:
    cfg = copy.deepcopy(base)
    global_size, channels, _ = latent_layout(size, max_frames, global_fraction)
    cfg.model.latent_size, cfg.model.global_size, cfg.model.latent_channels = size, global_size, channels
    cfg.model.__post_init__()
    return cfg


def choose_size(rows: list[dict], rule: RuleConfig, ceilings: dict[str, float]) -> RuleDecision:
    """Apply the rule to valid-split rows ``{"size": D, <RULE_METRICS>..., "shortfall_ci": [lo, hi]?,
    "shortfall_gap_ci": {other size: [lo, hi]}?}``.

    ``ceilings``: the better of vocoder and Griffin-Lim on true mels for each of :data:`RELATIVE`.
    ``shortfall_gap_ci``: the paired interval of ``shortfall(row) - shortfall(other)`` on the same
    clips; when present it decides whether a size is distinguishable from the best one, else the
    two marginal ``shortfall_ci`` are compared (overlap = undetermined; more conservative).
    """
    if not rows:
        raise ValueError("the rule needs at least one evaluated size")
    thresholds = rule.thresholds(ceilings)
    rows = sorted(rows, key=lambda r: r["size"])
    stated = ", ".join(f"{k} {'<=' if k == 'fad_ratio' else '>='} {v:.3f}" for k, v in thresholds.items())

    def values(row: dict) -> str:
        return ", ".join(f"{k} {row[k]:.3f}" for k in thresholds)
    for row in rows:
        if shortfall(row, thresholds) == 0:
            d = row["size"]
            smaller = [r["size"] for r in rows if r["size"] < d]
            why = f"D* = {d}: the smallest size with {stated} on valid ({values(row)})"
            if smaller:
                why += f"; sizes {smaller} miss at least one threshold"
            return RuleDecision(d, True, why, _neighbours(d))
    best = min(rows, key=lambda r: (shortfall(r, thresholds), r["size"]))
    close = [r["size"] for r in rows if _overlaps(r, best)]
    d = min(close)
    why = (f"no size reaches {stated} on valid; the closest is D* = {best['size']} ({values(best)}; relative "
           f"shortfall {shortfall(best, thresholds):.3f})")
    if len(close) > 1:
        how = "paired" if any("shortfall_gap_ci" in r for r in rows) else "marginal"
        why += (f"; D* is undetermined between sizes {close} (their shortfalls cannot be told apart: {how} "
                f"95 % intervals), so the smallest, {d}, is taken")
    return RuleDecision(d, False, why, _neighbours(d))


def intervals_overlap(a: list[float] | None, b: list[float] | None) -> bool:
    """True when both intervals are given and share a point."""
    return bool(a and b and a[0] <= b[1] and b[0] <= a[1])


def _overlaps(row: dict, best: dict) -> bool:
    if row is best:
        return True
    gap = (row.get("shortfall_gap_ci") or {}).get(str(best["size"]))
    if gap is not None:
        return gap[0] <= 0  # row's shortfall is not shown to exceed the best one's
    return intervals_overlap(row.get("shortfall_ci"), best.get("shortfall_ci"))


def _neighbours(size: int) -> tuple[int, int, int]:
    """Three distinct sizes around D*: half, D*, double; at the ends of 8..4096 the three nearest that exist."""
    if size // 2 < 8:
        return size, size * 2, size * 4
    if size * 2 > 4096:
        return size // 4, size // 2, size
    return size // 2, size, size * 2
