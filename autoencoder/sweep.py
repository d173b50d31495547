"""The latent-size study: one VAE per size, evaluated beside PCA, and the rule that picks D*.

The rule is configuration, fixed before the sweep runs, and applied by code on the valid split:
D* is the smallest size whose onset correlation, chroma correlation and judge agreement (VAE +
vocoder against the original, both judged as audio) all reach their thresholds. If none does,
the rule says so and falls back to the size with the smallest relative shortfall.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import NamedTuple

from .training.vae_task import VAETrainConfig

RULE_METRICS = ("onset_corr", "chroma_corr", "judge_agreement")


@dataclass
class RuleConfig:
    onset_corr: float = 0.75
    chroma_corr: float = 0.75
    judge_agreement: float = 0.85


@dataclass
class SweepConfig:
    vae: VAETrainConfig = field(default_factory=VAETrainConfig)
    sizes: list[int] = field(default_factory=lambda: [16, 32, 64, 128, 256, 512, 1024])
    max_latent_frames: int = 32  # a latent keeps up to 32 frames (6.4 frames a second) and adds channels above
    global_fraction: float = 0.0  # share of each size spent on the whole-clip (global) part (see VAEModelConfig)
    rule: RuleConfig = field(default_factory=RuleConfig)
    eval_max_clips: int = 96  # per split and size: a seeded subset keeps a sweep in CPU-hours
    audio_clips: int = 3  # clips written as audio at every size (in the run folder, never committed)
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


def choose_size(rows: list[dict], rule: RuleConfig) -> RuleDecision:
    """Apply the rule to valid-split rows ``{"size": D, "onset_corr": ..., "chroma_corr": ..., "judge_agreement": ...}``."""
    if not rows:
        raise ValueError("the rule needs at least one evaluated size")
    thresholds = {name: getattr(rule, name) for name in RULE_METRICS}
    rows = sorted(rows, key=lambda r: r["size"])
    stated = ", ".join(f"{k} >= {v:g}" for k, v in thresholds.items())
    for row in rows:
        if all(row[name] >= t for name, t in thresholds.items()):
            d = row["size"]
            values = ", ".join(f"{k} {row[k]:.3f}" for k in thresholds)
            smaller = [r["size"] for r in rows if r["size"] < d]
            why = f"D* = {d}: the smallest size with {stated} on valid ({values})"
            if smaller:
                why += f"; sizes {smaller} miss at least one threshold"
            return RuleDecision(d, True, why, _neighbours(d))

    def shortfall(row: dict) -> float:
        return sum(max(0.0, t - row[name]) / t for name, t in thresholds.items())
    best = min(rows, key=lambda r: (shortfall(r), r["size"]))
    values = ", ".join(f"{k} {best[k]:.3f}" for k in thresholds)
    why = (f"no size reaches {stated} on valid; falling back to the closest, D* = {best['size']} "
           f"({values}; relative shortfall {shortfall(best):.3f})")
    return RuleDecision(best["size"], False, why, _neighbours(best["size"]))


def _neighbours(size: int) -> tuple[int, int, int]:
    """Three distinct sizes around D*: half, D*, double; at the ends of 8..4096 the three nearest that exist."""
    if size // 2 < 8:
        return size, size * 2, size * 4
    if size * 2 > 4096:
        return size // 4, size // 2, size
    return size // 2, size, size * 2
