"""Convert stored results from the legacy interval shapes to :class:`genre_base.intervals.Interval`'s JSON.

    python scripts/dev/migrate_intervals.py                 # results/ and the model records in models/
    python scripts/dev/migrate_intervals.py runs/study-toy  # any folder of results (a study, a sweep, a run)
    python scripts/dev/migrate_intervals.py --check         # change nothing; exit 1 if a legacy shape is left

This script is the only place that knows the legacy shapes. Each (estimate, interval) pair becomes one
interval ``{"value", "low", "high", "n", "groups"}`` under the estimate's own key; ``n`` and ``groups``
are taken from the legacy object or its sibling ``n`` / ``groups`` where it had them, else null. No
number changes. The shapes, and what each becomes:

- ``{"mean", "ci_low", "ci_high"}``, ``{"mean", "ci"[, "n"]}``, ``{"recall", "ci", "n"}``,
  ``{"ratio", "ci"}``: the interval, in place;
- a Fréchet distance ``{"value", "ci", "n", "groups"}``: the interval in place; with more keys
  (``ratio_to_<base>`` + ``ratio_ci``, ``paired_ratios``, ``genres``) or as an entry of ``sets`` (the
  sets of one ``fad_against``): ``{"fad": interval, "ratio_to_<base>": interval, ...}``;
- sibling ``<name>`` + ``<name>_ci`` (``balanced_accuracy``, ``kappa``, the sweep rows' metrics and
  ``shortfall``, the probes' ``accuracy``, the comparison rows' ``*_test``): ``<name>: interval``;
- ``"ci"`` beside ``fraction`` (memorisation), ``accuracy`` (the in-house judge), ``difference``
  (paired probe differences) or ``recall`` (a guidance row's ``worst_genre``, ``n`` from its
  recognition's genre): that estimate becomes the interval;
- a sweep row's ``shortfall_gap_ci`` (intervals without their estimates): ``shortfall_gap``, each
  estimate computed from the row's stored point estimates and the record's ``thresholds`` exactly as
  the sweep computes it (``autoencoder.sweep.shortfall``);
- ``(mean, low, high)`` lists of the out-of-dataset summary (``ood``, ``gtzan_test``,
  ``independent.*.agreement`` / ``kl``): the interval;
- a CSV's ``<name>_ci`` column (``"[low, high]"``): ``<name>_low`` and ``<name>_high`` columns;
- a report's ``numbers.json`` (the key path of every number printed): the paths are rewritten to
  where the numbers now are when the files it cites lie beside it (a study folder), else it is left.

Files are written atomically and only when they change, so a second run changes nothing. In models/
only ``genre_ldm.json`` records are read: config.json and the weights (whose hash is checked) are never
opened for writing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from autoencoder.sweep import row_key, shortfall  # noqa: E402
from genre_base.files import write_text  # noqa: E402
from genre_base.intervals import Interval  # noqa: E402

SKIPPED = {"config.json", "model_index.json", "scheduler_config.json"}  # diffusers files: never rewritten
COUNTS = ("n", "groups")


class LegacyShapeError(ValueError):
    """A legacy interval key that none of the conversions covers."""


def _count(value: Any) -> Any:
    """A sibling ``n`` / ``groups`` an interval may take: an int or a list of ints, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None


def _pair(value: Any, where: str) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2):
        raise LegacyShapeError(f"{where}: an interval [low, high] was expected, got {value!r}")
    return value[0], value[1]


def _is_triple(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    )


def _is_legacy_key(key: str) -> bool:
    return key in ("ci", "ci_low", "ci_high") or key.endswith("_ci")


class Migrator:
    """Converts one JSON value; :attr:`count` is the number of intervals made."""

    def __init__(self) -> None:
        self.count = 0

    def interval(self, value, low, high, n=None, groups=None) -> dict:
        self.count += 1
        return Interval(value, low, high, _count(n), _count(groups)).to_json()

    def convert(self, value: Any, key: str | None = None, parent_key: str | None = None, where: str = "") -> Any:
        if isinstance(value, list):
            return [self.convert(v, None, key, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        d = dict(value)
        self._records(d, where)
        replaced = self._in_place(d, parent_key, where)
        if replaced is not None:
            d = replaced
        else:
            self._siblings(d, where)
        left = [k for k in d if isinstance(k, str) and _is_legacy_key(k)]
        if left:
            raise LegacyShapeError(f"{where or '/'}: legacy interval keys {left} in keys {sorted(d)} not converted")
        return {k: self.convert(v, k, key, f"{where}/{k}") for k, v in d.items()}

    def _records(self, d: dict, where: str) -> None:
        """Conversions that need more than one object: the sweep's paired gaps, the out-of-dataset
        summary's triples, a guidance row's worst genre."""
        if isinstance(d.get("rows"), dict) and isinstance(d.get("thresholds"), dict):
            d["rows"] = {
                split: self._gaps(rows, d["thresholds"], f"{where}/rows/{split}") if isinstance(rows, list) else rows
                for split, rows in d["rows"].items()
            }
        if isinstance(d.get("ood"), dict) and isinstance(d.get("gtzan_test"), dict):
            for name in ("ood", "gtzan_test"):
                d[name] = {m: self.interval(*v) if _is_triple(v) else v for m, v in d[name].items()}
            for name, part in (d.get("independent") or {}).items():
                if isinstance(part, dict):
                    d["independent"] = {**d["independent"], name: self._triples(part, ("agreement", "kl"))}
        worst = d.get("worst_genre")
        if isinstance(worst, dict) and "ci" in worst:
            if worst["ci"] is None:
                raise LegacyShapeError(f"{where}/worst_genre: a recall without an interval")
            n = d.get("recognition", {}).get("per_genre", {}).get(worst["genre"], {}).get("n")
            recall = self.interval(worst["recall"], *_pair(worst["ci"], f"{where}/worst_genre"), n)
            d["worst_genre"] = {k: recall if k == "recall" else v for k, v in worst.items() if k != "ci"}

    def _triples(self, part: dict, names: tuple[str, ...]) -> dict:
        return {k: self.interval(*v) if k in names and _is_triple(v) else v for k, v in part.items()}

    def _gaps(self, rows: list, thresholds: dict, where: str) -> list:
        """``shortfall_gap_ci`` -> ``shortfall_gap``: each paired interval with its estimate, computed as
        ``autoencoder.training.sweep_runner.shortfall_gaps`` does (FAD terms equal when their intervals overlap)."""
        if not any(isinstance(r, dict) and "shortfall_gap_ci" in r for r in rows):
            return rows
        by_key = {row_key(r): r for r in rows}
        rule = [k for k in thresholds if k != "fad_ratio"]
        out = []
        for i, row in enumerate(rows):
            if "shortfall_gap_ci" not in row:
                out.append(row)
                continue
            gaps = {}
            for key, ci in row["shortfall_gap_ci"].items():
                other = by_key[key]
                fa = row["fad_ratio"]
                a, b = row.get("fad_ratio_ci"), other.get("fad_ratio_ci")
                overlap = bool(a and b and a[0] <= b[1] and b[0] <= a[1])
                fb = fa if overlap else other["fad_ratio"]
                point = shortfall({**{k: row[k] for k in rule}, "fad_ratio": fa}, thresholds) - shortfall(
                    {**{k: other[k] for k in rule}, "fad_ratio": fb}, thresholds
                )
                gaps[key] = self.interval(point, *_pair(ci, f"{where}[{i}]/shortfall_gap_ci/{key}"))
            out.append(
                {
                    ("shortfall_gap" if k == "shortfall_gap_ci" else k): (gaps if k == "shortfall_gap_ci" else v)
                    for k, v in row.items()
                }
            )
        return out

    def _in_place(self, d: dict, parent_key: str | None, where: str) -> dict | None:
        """The shapes that are an interval themselves (or, for a distance with more, hold one under ``fad``)."""
        keys = set(d)
        if keys == {"mean", "ci_low", "ci_high"}:
            return self.interval(d["mean"], d["ci_low"], d["ci_high"])
        if {"mean", "ci"} <= keys <= {"mean", "ci", "n"}:
            return self.interval(d["mean"], *_pair(d["ci"], where), d.get("n"))
        if keys == {"recall", "ci", "n"}:
            return self.interval(d["recall"], *_pair(d["ci"], where), d["n"])
        if keys == {"ratio", "ci"}:
            return self.interval(d["ratio"], *_pair(d["ci"], where))
        if {"value", "ci"} <= keys:
            fad = self.interval(d["value"], *_pair(d["ci"], where), d.get("n"), d.get("groups"))
            if keys <= {"value", "ci", *COUNTS} and parent_key != "sets":
                return fad
            out: dict = {}
            for k, v in d.items():
                if k == "value":
                    out["fad"] = fad
                elif k in ("ci", "ratio_ci", *COUNTS):
                    continue
                elif k.startswith("ratio_to_"):
                    out[k] = self.interval(v, *_pair(d.get("ratio_ci"), f"{where}/ratio_ci"))
                elif k in ("paired_ratios", "genres"):
                    out[k] = v
                else:
                    raise LegacyShapeError(f"{where}: a Fréchet distance with an unknown key {k!r}")
            return out
        return None

    def _siblings(self, d: dict, where: str) -> None:
        """``<name>`` + ``<name>_ci`` -> ``<name>: interval``; ``ci`` beside a known estimate likewise."""
        counts = {k: d.get(k) for k in COUNTS}
        for k in [k for k in d if isinstance(k, str) and k.endswith("_ci") and k != "shortfall_gap_ci"]:
            name = k[: -len("_ci")]
            if name not in d:
                raise LegacyShapeError(f"{where}: interval {k!r} without its estimate {name!r}")
            d[name] = self.interval(d[name], *_pair(d[k], f"{where}/{k}"), counts["n"], counts["groups"])
            del d[k]
        if "ci" in d:
            for name in ("fraction", "accuracy", "difference"):
                if name in d and not isinstance(d[name], dict):
                    d[name] = self.interval(d[name], *_pair(d["ci"], f"{where}/ci"), counts["n"], counts["groups"])
                    del d["ci"]
                    break


def leaf_paths(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Every leaf (not a dict or list) of a JSON value under its key path."""
    if isinstance(value, dict):
        return {p: v for k, item in value.items() for p, v in leaf_paths(item, (*path, k)).items()}
    if isinstance(value, list):
        return {p: v for i, item in enumerate(value) for p, v in leaf_paths(item, (*path, i)).items()}
    return {path: value}


def path_map(value: Any) -> dict[tuple, tuple]:
    """Where each numeric leaf of a legacy value lies after :class:`Migrator` (old path -> new path).

    Each float is replaced by a distinct float marker before converting, and the markers are found again
    afterwards; ints (counts, sizes) are left, and keep their paths. A computed estimate (a shortfall
    gap's) has no old path and is not in the map."""
    markers: dict[float, tuple] = {}

    def mark(v: Any, path: tuple) -> Any:
        if isinstance(v, dict):
            return {k: mark(item, (*path, k)) for k, item in v.items()}
        if isinstance(v, list):
            return [mark(item, (*path, i)) for i, item in enumerate(v)]
        if isinstance(v, float):
            marker = 1e12 + len(markers)
            markers[marker] = path
            return marker
        return v

    converted = Migrator().convert(mark(value, ()))
    return {markers[v]: p for p, v in leaf_paths(converted).items() if isinstance(v, float) and v in markers}


def migrate_numbers(used: list, folder: Path) -> tuple[list, int, str]:
    """A report's numbers.json with each key path moved to where its number now lies; ``folder`` is the
    study folder its paths are relative to. Unchanged (with the reason) when a file it cites is absent."""
    files = sorted({u["file"] for u in used})
    absent = [f for f in files if not (folder / f).is_file()]
    if absent:
        return used, 0, f"left as recorded: the files it cites are not beside it ({absent[:3]}...)"
    maps = {}
    for f in files:
        value = json.loads((folder / f).read_text())
        maps[f] = path_map(value) if _legacy(value) else {}
    out, moved = [], 0
    for u in used:
        keys = tuple(u["keys"])
        new = maps[u["file"]].get(keys, keys)
        moved += new != keys
        out.append({**u, "keys": list(new)})
    return out, moved, ""


def _legacy(value: Any) -> bool:
    """Whether a JSON value still holds a legacy interval shape (what the migration would change)."""
    before = json.dumps(value, sort_keys=True)
    return json.dumps(Migrator().convert(value), sort_keys=True) != before


def migrate_csv(text: str) -> tuple[str, int]:
    """``<name>_ci`` columns holding ``"[low, high]"`` -> ``<name>_low`` and ``<name>_high``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not any(k.endswith("_ci") for k in rows[0]):
        return text, 0
    columns, count = [], 0
    for k in rows[0]:
        columns += [f"{k[:-3]}_low", f"{k[:-3]}_high"] if k.endswith("_ci") else [k]
    out = []
    for row in rows:
        flat = {}
        for k, v in row.items():
            if k.endswith("_ci"):
                low, high = json.loads(v.replace("nan", "NaN"))
                flat[f"{k[:-3]}_low"], flat[f"{k[:-3]}_high"] = repr(float(low)), repr(float(high))
                count += 1
            else:
                flat[k] = v
        out.append(flat)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(out)
    return buffer.getvalue(), count


def files_under(root: Path) -> list[Path]:
    """The JSON and CSV files of ``root`` the migration reads; in a models/ folder only the records. A report's
    ``numbers.json`` comes first: its key paths are moved by converting the files it cites, still in their old shape."""
    if root.is_file():
        return [root]
    if root.resolve() == (REPO / "models").resolve():
        return sorted([*root.glob("*/genre_ldm.json"), *root.glob("*/*/genre_ldm.json")])
    found = [p for p in [*root.rglob("*.json"), *root.rglob("*.csv")] if p.name not in SKIPPED]
    return sorted(found, key=lambda p: (p.name != "numbers.json", str(p)))


def migrate_file(path: Path, check: bool) -> tuple[int, str]:
    """Convert one file (unless ``check``); returns how many intervals (or, in a report's numbers.json,
    key paths) it converted and a line saying so (empty when there was nothing to convert)."""
    text = path.read_text()
    end = "\n" if text.endswith("\n") else ""
    if path.suffix == ".csv":
        new, count = migrate_csv(text)
        what = f"{count} interval columns split"
    else:
        value = json.loads(text)
        if path.name == "numbers.json" and isinstance(value, list) and value and "keys" in value[0]:
            used, count, note = migrate_numbers(value, path.parent.parent)
            new = json.dumps(used, indent=1, default=str) + end
            what = note or f"{count} key paths moved"
        else:
            migrator = Migrator()
            converted = migrator.convert(value)
            count = migrator.count
            # written only when an interval was converted: a file without one keeps its own formatting
            new = json.dumps(converted, indent=1, default=str) + end if count else text
            what = f"{count} interval{'s' if count != 1 else ''} converted"
    if new != text and not check:
        write_text(path, new)
    return (count, what) if new != text or "left" in what else (0, "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="*", type=Path, help="folders or files (default: results/ and models/)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file would change")
    args = parser.parse_args(argv)
    roots = args.roots or [REPO / "results", REPO / "models"]
    total, files, failed = 0, 0, []
    for root in roots:
        for path in files_under(root):
            try:
                count, note = migrate_file(path, args.check)
            except LegacyShapeError as exc:
                failed.append(f"{path}: {exc}")
                continue
            shown = path.resolve().relative_to(REPO) if path.resolve().is_relative_to(REPO) else path
            if note:
                print(f"{shown}: {note}{' (--check: not written)' if args.check and count else ''}")
            total += count
            files += bool(count)
    print(f"{total} conversions in {files} files{' to make (--check)' if args.check else ''}")
    for line in failed:
        print("not converted:", line, file=sys.stderr)
    return 1 if failed or (args.check and total) else 0


if __name__ == "__main__":
    sys.exit(main())
