"""Where every number of the study report comes from, and the sentences that interpret them.

:class:`Numbers` reads a study folder's JSON files and formats values for the report, recording
each one (file, key path, format, text) so a test can check that every number printed equals
the value in the run's metrics files. :func:`verdict` writes a conclusion only when the 95 %
intervals support it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .intervals import KEYS, Interval, is_interval


class MissingNumber(KeyError):
    """A report asked for a value its file does not hold (a renamed field, a step that did not run).

    Raised rather than printed as "n/a", so that a renamed key cannot silently empty a table; a value
    whose absence is legitimate is asked for with ``optional=True``."""

    def __str__(self) -> str:
        return str(self.args[0])


class Numbers:
    """Formatted values from the JSON files of a study folder, each recorded in :attr:`used`.

    A key path may end inside an interval (:class:`genre_base.intervals.Interval`, read through
    ``Interval.from_json``): ``(..., "onset_corr", "low")``; :meth:`text` of an interval is its estimate."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.used: list[dict] = []
        self._files: dict[str, Any] = {}

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def raw(self, rel: str, *keys) -> Any:
        """The value at ``keys`` in JSON file ``rel`` (relative to the study folder); :class:`MissingNumber`
        naming the file and key path when it holds none."""
        if rel not in self._files:
            self._files[rel] = json.loads((self.root / rel).read_text())
        value = self._files[rel]
        for i, k in enumerate(keys):
            try:
                value = getattr(Interval.from_json(value), k) if is_interval(value) and k in KEYS else value[k]
            except (KeyError, IndexError, TypeError, AttributeError):
                there = f"keys {sorted(map(str, value))}" if isinstance(value, dict) else type(value).__name__
                if isinstance(value, list):
                    there = f"a list of {len(value)}"
                path = "/".join(map(str, keys[: i + 1]))
                raise MissingNumber(f"{rel}: no value at {path} (there: {there})") from None
        return value

    def has(self, rel: str, *keys) -> bool:
        """Whether the file exists and holds a value at ``keys`` (a size without a PCA baseline has none)."""
        try:
            self.raw(rel, *keys)
        except (MissingNumber, FileNotFoundError):
            return False
        return True

    def interval_of(self, rel: str, *keys) -> Interval:
        """The interval at ``keys`` (not recorded: for a :func:`verdict`, which prints no number)."""
        return Interval.from_json(self.raw(rel, *keys))

    def text(
        self, rel: str, *keys, spec: str = ".3f", scale: float = 1.0, part: str = "value", optional: bool = False
    ) -> str:
        """The value formatted with ``spec`` (times ``scale``, e.g. 100 for percent), recorded. Of an
        interval, its ``part`` (``value``, ``low`` or ``high``). A missing value raises
        :class:`MissingNumber` unless ``optional`` (then it is "n/a", not recorded)."""
        if optional and not self.has(rel, *keys):
            return "n/a"
        value = self.raw(rel, *keys)
        if is_interval(value):
            keys, value = (*keys, part), getattr(Interval.from_json(value), part)
        text = _format(value, spec, scale)
        self.used.append({"file": rel, "keys": list(keys), "spec": spec, "scale": scale, "text": text})
        return text

    def interval(self, rel: str, *keys, digits: int = 3, optional: bool = False) -> str:
        """The interval at ``keys`` as :meth:`Interval.text` prints it, each number printed recorded. A
        missing one raises :class:`MissingNumber` unless ``optional``; a null one (not applicable) is "n/a"."""
        if optional and not self.has(rel, *keys):
            return "n/a"
        if self.raw(rel, *keys) is None:
            return "n/a"
        interval = self.interval_of(rel, *keys)
        text = interval.text(digits)
        for part in ("value", "low", "high") if "[" in text else ("value",):
            number = format(getattr(interval, part), f".{digits}f")
            self.used.append({"file": rel, "keys": [*keys, part], "spec": f".{digits}f", "scale": 1.0, "text": number})
        return text


def verdict(
    subject: str, ci: Interval, baseline: str, baseline_ci: Interval, what: str, lower_is_better: bool = True
) -> str:
    """A sentence comparing two 95 % intervals; it claims a winner only when they do not overlap."""
    below, above = ci.high < baseline_ci.low, ci.low > baseline_ci.high
    if not (below or above):
        return f"On {what}, {subject} and {baseline} cannot be told apart (95 % intervals overlap)."
    better = below if lower_is_better else above
    return f"On {what}, {subject} {'beats' if better else 'is worse than'} {baseline} (95 % intervals apart)."


def used_numbers_match(root: str | Path, used: list[dict]) -> list[str]:
    """Re-read every recorded number from its file; returns the mismatches (empty when all match)."""
    fresh = Numbers(root)
    bad = []
    for u in used:
        value = fresh.raw(u["file"], *u["keys"])
        text = _format(value, u["spec"], u["scale"])
        if text != u["text"]:
            bad.append(f"{u['file']}:{u['keys']} is {text}, report says {u['text']}")
    return bad


def _format(value, spec: str, scale: float) -> str:
    if value is None:
        return "n/a"
    return format(value * scale if scale != 1.0 else value, spec)
