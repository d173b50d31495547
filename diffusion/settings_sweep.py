"""Choosing how to sample on valid: sampler, steps, guidance scale and a remedy for guidance collapse.

Every setting of the grid generates ``per_genre`` clips of every genre the model knows (valid has
no rock track, so recognition is absolute: the share of generated clips the independent judge
files under the genre asked for, not a ratio to real valid clips). Two numbers decide:

- the Fréchet audio distance of the generated clips from real train clips in the same genre mix
  (musicnn embedding): fidelity and variety of the set as a whole;
- the worst genre's recognition: a setting that makes nine genres recognisable and loses the tenth
  is worse than one that keeps all ten.

The rule (fixed before the sweep runs): among the settings whose FAD is within ``fad_margin`` of the
best one (relative), the one whose worst genre is recognised most often; ties go to the lower FAD.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

from genre_base.errors import UserError
from genre_base.intervals import Interval

from .guidance import Guidance
from .pipeline import SAMPLERS

SEARCHES = ("grid", "staged")  # every combination; or guidance first, then samplers and steps (second_pass)


class SamplingSetting(NamedTuple):
    sampler: str
    steps: int
    guidance: Guidance

    @property
    def label(self) -> str:
        return f"{self.sampler} {self.steps} steps, {self.guidance.describe()}"


def remedy(scale: float, spec: str) -> Guidance:
    """``plain``, ``rescale=PHI`` or ``interval=LO:HI`` at guidance ``scale``."""
    name, _, value = spec.partition("=")
    try:
        if name == "plain" and not value:
            return Guidance(scale)
        if name == "rescale":
            return Guidance(scale, rescale=float(value))
        if name == "interval":
            lo, hi = (float(v) for v in value.split(":"))
            return Guidance(scale, interval=(lo, hi))
    except ValueError:
        pass
    raise UserError(
        f"unknown guidance remedy {spec!r}; expected plain, rescale=PHI (e.g. rescale=0.7) "
        "or interval=LO:HI (e.g. interval=0:0.6)"
    )


def settings_grid(
    samplers: tuple[str, ...], steps: tuple[int, ...], scales: tuple[float, ...], remedies: tuple[str, ...]
) -> list[SamplingSetting]:
    """Every combination; a remedy is pointless at scale 1 (no guidance), so that appears once, plain."""
    bad = [s for s in samplers if s not in SAMPLERS]
    if bad:
        raise UserError(f"unknown sampler {bad[0]!r}; expected one of {sorted(SAMPLERS)}")
    if any(n < 1 for n in steps):
        raise UserError(f"steps must be >= 1, got {list(steps)}")
    out: list[SamplingSetting] = []
    for sampler, n, scale, spec in product(samplers, steps, scales, remedies):
        g = Guidance(scale) if scale == 1.0 else remedy(scale, spec)
        setting = SamplingSetting(sampler, n, g)
        if setting not in out:
            out.append(setting)
    return out


def second_pass(
    chosen: Guidance, samplers: tuple[str, ...], steps: tuple[int, ...], done: list[SamplingSetting]
) -> list[SamplingSetting]:
    """The staged search's second pass: every sampler x step count at the guidance the first pass chose
    (the first pass varies guidance and remedy at the first sampler and step count), less what is done.

    Why staged: each setting costs ``per_genre`` x genres clips through the vocoder and the judge's
    embedding; the full product of samplers, steps, scales and remedies does not fit a CPU budget, and
    the guidance scale is the choice that matters most."""
    todo = [SamplingSetting(a, n, chosen) for a, n in product(samplers, steps)]
    return [s for s in todo if s not in done]


def worst_genre(recognition: dict) -> dict:
    """The genre recognised least often, from a recognition record's ``per_genre``: its name and recall
    (an :class:`Interval`'s JSON)."""
    recall = {g: Interval.from_json(v) for g, v in recognition["per_genre"].items()}
    genre = min(recall, key=lambda g: recall[g].value)
    return {"genre": genre, "recall": recall[genre].to_json()}


def choose_setting(rows: list[dict], fad_margin: float) -> tuple[dict, str]:
    """The row the rule picks (rows have intervals ``fad`` and ``worst_genre.recall``) and why, in a sentence."""
    if not rows:
        raise ValueError("no settings were evaluated")

    def fad(r: dict) -> float:
        return Interval.from_json(r["fad"]).value

    def worst(r: dict) -> float:
        return Interval.from_json(r["worst_genre"]["recall"]).value

    best = min(fad(r) for r in rows)
    near = [r for r in rows if fad(r) <= best * (1 + fad_margin)]
    chosen = max(near, key=lambda r: (worst(r), -fad(r)))
    why = (
        f"{chosen['setting']}: the best worst-genre recognition ({chosen['worst_genre']['genre']} "
        f"{worst(chosen):.2f}) among the {len(near)} of {len(rows)} settings whose FAD is within "
        f"{100 * fad_margin:g} % of the lowest ({best:.1f})"
    )
    return chosen, why


def genre_list(genres: list[str], per_genre: int) -> list[str]:
    """``per_genre`` of each genre, genre by genre."""
    return [g for g in genres for _ in range(per_genre)]
