"""The one interval type of the project: an estimate with its 95 % interval, as results store it.

Every result that carries an interval writes ``Interval(...).to_json()``::

    {"value": 0.259, "low": 0.249, "high": 0.268, "n": 279, "groups": 57}

``n`` (clips) and ``groups`` (tracks, files or songs the interval resamples) are an int, a list of
ints (a distance between two sets counts both) or null when the writer did not record them. Readers
take an interval back only through :meth:`Interval.from_json`, which is strict: a legacy shape or a
renamed field raises instead of being read as something else. The statistics
(:mod:`genre_base.stats`) still return plain tuples; ``Interval(*bootstrap_mean_ci(...))`` wraps one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

Count = int | tuple[int, ...] | None
KEYS = ("value", "low", "high", "n", "groups")
LEGACY_KEYS = {"ci", "ci_low", "ci_high", "mean"}  # what the shapes before this type held


@dataclass(frozen=True)
class Interval:
    """An estimate ``value`` with its interval ``[low, high]`` over ``n`` items in ``groups`` groups."""

    value: float
    low: float
    high: float
    n: Count = None
    groups: Count = None

    def __post_init__(self) -> None:
        for name in ("value", "low", "high"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, Real):
                raise TypeError(f"Interval.{name} must be a number, got {number!r}")
            object.__setattr__(self, name, float(number))
        for name in ("n", "groups"):
            object.__setattr__(self, name, _count(name, getattr(self, name)))

    def to_json(self) -> dict[str, Any]:
        """``{"value", "low", "high", "n", "groups"}``; ``n`` and ``groups`` as an int, a list or None."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n": list(self.n) if isinstance(self.n, tuple) else self.n,
            "groups": list(self.groups) if isinstance(self.groups, tuple) else self.groups,
        }

    @classmethod
    def from_json(cls, data: Any) -> Interval:
        """The interval :meth:`to_json` wrote; a ValueError naming what is missing or extra otherwise."""
        if not isinstance(data, Mapping):
            raise ValueError(f"an interval is an object with keys {list(KEYS)}, got {type(data).__name__} {data!r}")
        missing = [k for k in KEYS if k not in data]
        extra = sorted(str(k) for k in data if k not in KEYS)
        if missing or extra:
            what = "; ".join(
                part
                for part in (f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else "")
                if part
            )
            hint = (
                " (a legacy interval shape: scripts/dev/migrate_intervals.py converts it)"
                if LEGACY_KEYS & set(data)
                else ""
            )
            raise ValueError(f"not an interval: {what}; it has keys {sorted(map(str, data))}{hint}")
        try:
            return cls(data["value"], data["low"], data["high"], data["n"], data["groups"])
        except TypeError as exc:
            raise ValueError(f"not an interval: {exc}") from None

    def text(self, digits: int = 3, sign: bool = False) -> str:
        """``"0.259 [0.249, 0.268]"`` (``sign``: ``"+0.259 [+0.249, +0.268]"``).

        An interval over one item (``low == high`` and no count above one recorded, e.g. one song)
        prints its value alone: a bracket would claim an uncertainty that was never measured. A
        degenerate interval over many items (every resample gave 0) keeps its bracket."""
        spec = f"{'+' if sign else ''}.{digits}f"
        if self.low == self.high and self._one_item():
            return format(self.value, spec)
        return f"{format(self.value, spec)} [{format(self.low, spec)}, {format(self.high, spec)}]"

    def excludes(self, x: float) -> bool:
        """Whether ``x`` lies outside ``[low, high]`` (e.g. 0 for a difference: the difference is shown)."""
        return x < self.low or x > self.high

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share a point."""
        return self.low <= other.high and other.low <= self.high

    def _one_item(self) -> bool:
        counts = self.n if isinstance(self.n, tuple) else (self.n,)
        return all(c is None or c <= 1 for c in counts)


def is_interval(obj: Any) -> bool:
    """Whether ``obj`` is an :class:`Interval` or the JSON of one (an object with exactly its keys)."""
    return isinstance(obj, Interval) or (isinstance(obj, Mapping) and set(obj) == set(KEYS))


def _count(name: str, value: Any) -> Count:
    if value is None:
        return None
    items = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if any(isinstance(v, bool) or not hasattr(v, "__index__") for v in items):
        raise TypeError(f"Interval.{name} must be an int, a list of ints or None, got {value!r}")
    return tuple(int(v) for v in items) if isinstance(value, (list, tuple)) else int(value)


__all__ = ["Interval", "is_interval"]
