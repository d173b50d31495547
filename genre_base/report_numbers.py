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


class Numbers:
    """Formatted values from the JSON files of a study folder, each recorded in :attr:`used`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.used: list[dict] = []
        self._files: dict[str, Any] = {}

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def raw(self, rel: str, *keys) -> Any:
        """The value at ``keys`` in JSON file ``rel`` (relative to the study folder)."""
        if rel not in self._files:
            self._files[rel] = json.loads((self.root / rel).read_text())
        value = self._files[rel]
        for k in keys:
            value = value[k]
        return value

    def has(self, rel: str, *keys) -> bool:
        """Whether the file holds a value at ``keys`` (a size without a PCA baseline has none)."""
        try:
            self.raw(rel, *keys)
        except (KeyError, IndexError, TypeError):
            return False
        return True

    def text(self, rel: str, *keys, spec: str = ".3f", scale: float = 1.0) -> str:
        """The value formatted with ``spec`` (times ``scale``, e.g. 100 for percent), recorded;
        "n/a" (not recorded) when the file has no such value."""
        if not self.has(rel, *keys):
            return "n/a"
        value = self.raw(rel, *keys)
        text = _format(value, spec, scale)
        self.used.append({"file": rel, "keys": list(keys), "spec": spec, "scale": scale, "text": text})
        return text

    def with_ci(self, rel: str, *keys, ci_keys: tuple | None = None, spec: str = ".3f") -> str:
        """``mean [low, high]``; the interval is at ``ci_keys`` (default: ``keys[-1] + "_ci"`` beside it)."""
        ci_keys = ci_keys or (*keys[:-1], f"{keys[-1]}_ci")
        if not self.has(rel, *keys) or self.raw(rel, *keys) is None:
            return "n/a"
        return (
            f"{self.text(rel, *keys, spec=spec)} [{self.text(rel, *ci_keys, 0, spec=spec)}, "
            f"{self.text(rel, *ci_keys, 1, spec=spec)}]"
        )


def verdict(
    subject: str, ci: list[float], baseline: str, baseline_ci: list[float], what: str, lower_is_better: bool = True
) -> str:
    """A sentence comparing two 95 % intervals; it claims a winner only when they do not overlap."""
    below, above = ci[1] < baseline_ci[0], ci[0] > baseline_ci[1]
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
