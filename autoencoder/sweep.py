"""The latent-size study: one VAE per size, evaluated beside PCA, and the rule that picks D*.

A sweep covers every pair of a nominal size and a latent frame count (``sizes`` x ``frames``): the
frame count fixes how finely the latent follows time (32 frames = 6.4 a second; 108 = the encoder's
own frame rate, 21.6 a second) and the channel count makes up the size, so a layout is
``channels x frames`` floats with the channels rounded to the nearest whole number.

The rule is configuration, fixed before the sweep runs, and applied by code on the valid split,
relative to ceilings measured in the same run: the ceiling of a measure is the better of the
vocoder and Griffin-Lim on true mels (no latent at all). A size qualifies when its VAE + vocoder
reconstructions reach, on valid, ``onset_fraction`` of the onset-correlation ceiling,
``chroma_fraction`` of the chroma ceiling, ``agreement_fraction`` of the independent judge's
agreement ceiling, and a Fréchet audio distance from the real train clips at most ``fad_ratio``
times that of the real valid clips themselves. D* is the smallest qualifying layout (in floats). If none
qualifies, the rule says so and falls back to the smallest relative shortfall; sizes whose
shortfall intervals overlap the best one's are reported as undetermined, and the smallest is taken.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import NamedTuple

from genre_base.intervals import Interval

from .training.vae_task import VAETrainConfig

RELATIVE = {"onset_corr": "onset_fraction", "chroma4096_corr": "chroma_fraction", "ind_agreement": "agreement_fraction"}
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


class Layout(NamedTuple):
    """One latent layout: ``size = global_size + channels * frames`` floats per clip."""

    size: int
    global_size: int
    channels: int
    frames: int

    @property
    def name(self) -> str:
        """``CxF`` (``G+CxF`` with a global part): how tables and decisions name the layout."""
        return (f"{self.global_size}+" if self.global_size else "") + f"{self.channels}x{self.frames}"

    @property
    def run_name(self) -> str:
        """The layout's run folder inside a sweep: ``vae-<size>-f<frames>``."""
        return f"vae-{self.size:04d}-f{self.frames:03d}"


@dataclass
class SweepConfig:
    vae: VAETrainConfig = field(default_factory=VAETrainConfig)
    sizes: list[int] = field(default_factory=lambda: [16, 32, 64, 128, 256, 512, 1024])  # nominal floats per clip
    # Latent frame counts: every size is tried at each (32 = 6.4 frames a second; the encoder's own is 108).
    frames: list[int] = field(default_factory=lambda: [32])
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
        if bad or not self.sizes:
            raise ValueError(f"sizes must be a non-empty list of values in 8..4096, got {self.sizes}")
        if not self.frames or any(not 1 <= f <= 431 for f in self.frames):
            raise ValueError(
                f"frames must be a non-empty list of values in 1..431 (a 5 s mel has 431), got {self.frames}"
            )
        if self.full_max_steps < self.vae.loop.max_steps:
            raise ValueError(
                f"full_max_steps ({self.full_max_steps}) must be at least the brief budget "
                f"vae.loop.max_steps ({self.vae.loop.max_steps})"
            )
        too_big = [lo for lo in self.layouts() if lo.size > 4096]
        if too_big:
            raise ValueError(f"layouts above 4096 floats: {[lo.name for lo in too_big]}")

    def layouts(self) -> list[Layout]:
        """Every distinct layout of ``sizes`` x ``frames``, smallest first."""
        found = {latent_layout(s, f, self.global_fraction) for s in self.sizes for f in self.frames}
        return sorted(found, key=lambda lo: (lo.size, lo.frames, lo.global_size))

    def full_budget(self, layouts: list[Layout]) -> SweepConfig:
        """This sweep at the full budget, for ``layouts`` only (which share one frame count)."""
        full = copy.deepcopy(self)
        full.sizes, full.frames = [lo.size for lo in layouts], sorted({lo.frames for lo in layouts})
        full.vae.loop.max_steps, full.eval_max_clips = self.full_max_steps, self.full_eval_max_clips
        return full


class RuleDecision(NamedTuple):
    size: int
    qualified: bool
    reason: str
    analysis_sizes: tuple[int, int, int]  # D*'s frames with half, the same and twice its channels
    layout: str = ""  # D*'s "CxF"
    frames: int = 0  # D*'s latent frames (0: rows without a layout)
    analysis_layouts: tuple = ()  # the three analysis layouts as [size, global_size, channels, frames]


def latent_layout(size: int, frames: int = 32, global_fraction: float = 0.0) -> Layout:
    """The layout nearest ``size`` floats at ``frames`` latent frames: ``global_fraction`` of it for the
    whole clip, the rest as ``frames`` frames of a whole number of channels (rounded, at least one).
    A temporal part smaller than ``frames`` keeps one channel and as many frames as it has floats."""
    global_size = int(size * global_fraction)
    temporal = size - global_size
    if temporal < frames:
        return Layout(size, global_size, 1, temporal)
    channels = max(1, int(temporal / frames + 0.5))  # round half up
    return Layout(global_size + channels * frames, global_size, channels, frames)


def size_config(base: VAETrainConfig, layout: Layout) -> VAETrainConfig:
    """``base`` with the model's latent set to ``layout``."""
    cfg = copy.deepcopy(base)
    cfg.model.latent_size, cfg.model.global_size, cfg.model.latent_channels = (
        layout.size,
        layout.global_size,
        layout.channels,
    )
    cfg.model.__post_init__()
    return cfg


def row_key(row: dict) -> str:
    """How a row is named in the rule's paired gaps: its layout, else its size."""
    return row.get("layout") or str(row["size"])


def choose_size(rows: list[dict], rule: RuleConfig, ceilings: dict[str, float]) -> RuleDecision:
    """Apply the rule to valid-split rows ``{"size": D, <RULE_METRICS>: float..., "channels": C?, "frames": F?,
    "layout": "CxF"?, "shortfall": Interval?, "shortfall_gap": {other row's key: Interval}?}`` (stored
    rows are read into this form by ``rule_rows``: point estimates for the metrics, intervals as :class:`Interval`).

    ``ceilings``: the better of vocoder and Griffin-Lim on true mels for each of :data:`RELATIVE`.
    ``shortfall_gap``: the paired interval of ``shortfall(row) - shortfall(other)`` on the same
    clips (keyed by :func:`row_key`); when present it decides whether a layout is distinguishable
    from the best one, else the two marginal ``shortfall`` intervals are compared (overlap = undetermined).
    Between layouts of one size the fewer frames come first (ties are rare; the rule is about floats).
    """
    if not rows:
        raise ValueError("the rule needs at least one evaluated size")
    thresholds = rule.thresholds(ceilings)
    rows = sorted(rows, key=lambda r: (r["size"], r.get("frames", 0)))
    stated = ", ".join(f"{k} {'<=' if k == 'fad_ratio' else '>='} {v:.3f}" for k, v in thresholds.items())

    def values(row: dict) -> str:
        return ", ".join(f"{k} {row[k]:.3f}" for k in thresholds)

    for row in rows:
        if shortfall(row, thresholds) == 0:
            smaller = [_label(r) for r in rows if r["size"] < row["size"]]
            why = f"the rule picks {_label(row)}, the smallest size of this run with {stated} on valid ({values(row)})"
            if smaller:
                why += f"; sizes {smaller} miss at least one threshold"
            return _decision(row, True, why)
    best = min(rows, key=lambda r: (shortfall(r, thresholds), r["size"]))
    close = [r for r in rows if _overlaps(r, best)]
    chosen = close[0]
    why = (
        f"no size reaches {stated} on valid; the closest of the sizes of this run is {_label(best)} ({values(best)}; relative "
        f"shortfall {shortfall(best, thresholds):.3f})"
    )
    if len(close) > 1:
        how = "paired" if any("shortfall_gap" in r for r in rows) else "marginal"
        why += (
            f"; the pick is undetermined between sizes {[_label(r) for r in close]} (their shortfalls cannot be told "
            f"apart: {how} 95 % intervals), so the smallest, {_label(chosen)}, is taken"
        )
    return _decision(chosen, False, why)


def _label(row: dict) -> int | str:
    return f"{row['size']} ({row['layout']})" if row.get("layout") else row["size"]


def _decision(row: dict, qualified: bool, why: str) -> RuleDecision:
    if "frames" not in row:
        return RuleDecision(row["size"], qualified, why, _neighbours(row["size"]))
    layouts = analysis_layouts(Layout(row["size"], row.get("global_size", 0), row["channels"], row["frames"]))
    return RuleDecision(
        row["size"],
        qualified,
        why,
        tuple(lo.size for lo in layouts),
        row["layout"],
        row["frames"],
        tuple(list(lo) for lo in layouts),
    )


def analysis_layouts(layout: Layout) -> tuple[Layout, Layout, Layout]:
    """D*'s frames with half, the same and twice its channels (one channel: 1, 2 and 4 channels)."""
    c = layout.channels
    channels = (c, 2 * c, 4 * c) if c == 1 else (c // 2, c, 2 * c)
    return tuple(Layout(layout.global_size + k * layout.frames, layout.global_size, k, layout.frames) for k in channels)


def intervals_overlap(a: Interval | None, b: Interval | None) -> bool:
    """True when both intervals are given and share a point."""
    return a is not None and b is not None and a.overlaps(b)


def _overlaps(row: dict, best: dict) -> bool:
    if row is best:
        return True
    gap = (row.get("shortfall_gap") or {}).get(row_key(best))
    if gap is not None:
        return gap.low <= 0  # row's shortfall is not shown to exceed the best one's
    return intervals_overlap(row.get("shortfall"), best.get("shortfall"))


def _neighbours(size: int) -> tuple[int, int, int]:
    """Three distinct sizes around D*: half, D*, double; at the ends of 8..4096 the three nearest that exist."""
    if size // 2 < 8:
        return size, size * 2, size * 4
    if size * 2 > 4096:
        return size // 4, size // 2, size
    return size // 2, size, size * 2
