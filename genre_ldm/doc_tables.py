r"""The tables of the README and the docs pages, written from the results JSON so no number is typed by hand.

    python -m genre_ldm.doc_tables            # rewrite every table between its markers
    python -m genre_ldm.doc_tables --check    # exit 1 if a committed table is not what results/ gives

A page marks a generated table with ``<!-- table: NAME -->`` ... ``<!-- end table -->``; ``docs/tables.yaml``
holds, for each NAME, the files it reads, its header and its rows. A cell is text with placeholders
``{alias:key/path}`` or ``{alias:key/path|format}``: ``alias`` names a JSON file of the table's ``files``,
the key path walks into it (list items by index, or ``name=vae-540`` for the item whose ``name`` is that).
Formats:

- ``i3`` (default for an interval, digits after it): ``0.259 [0.249, 0.268]``, as :meth:`Interval.text` prints;
- ``.3f`` and any other Python format spec: the number, or an interval's estimate;
- ``pct`` (``pct1``...): a fraction as a percent with that many decimals;
- ``gib`` (``gib1``...): MiB as GiB with that many decimals;
- ``?yes text/no text``: one of two texts by a true or false value;
- ``sum`` (``sum:KEY``): the sum of the values of the object there (of each value's ``KEY``);
- ``chance``: one over the number of keys of the object there (the genres of a per-genre table);
- ``half_real``: the genres, of a ``recognition`` object, whose ``generated`` recall is at least half the
  ``real_test`` one (``3 of 10 (classical, disco, jazz)``).

Every number is read through :class:`genre_base.report_numbers.Numbers`, so a renamed key raises
:class:`MissingNumber` naming the file and path. ``tests/test_docs.py`` runs the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from genre_base.intervals import Interval, is_interval
from genre_base.report_numbers import Numbers

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "tables.yaml"
PAGES = ("README.md", "docs/*.md")
MARKER = re.compile(r"(<!-- table: ([\w-]+) -->\n)(.*?)(<!-- end table -->)", re.S)
PLACEHOLDER = re.compile(r"\{(\w+):([^{}|]+)(?:\|([^{}]+))?\}")


@dataclass(frozen=True)
class TableSpec:
    """One generated table: the JSON files it reads (alias -> path under the repository), header, rows."""

    name: str
    files: dict[str, str]
    header: list[str]
    rows: list[list[str]]
    align: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, name: str, data: dict) -> TableSpec:
        known = {"files", "header", "rows", "align"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"docs/tables.yaml: table {name!r} has unknown keys {unknown} (known: {sorted(known)})")
        header, rows = data.get("header"), data.get("rows")
        if not isinstance(header, list) or not isinstance(rows, list) or not rows:
            raise ValueError(f"docs/tables.yaml: table {name!r} needs a header list and a non-empty rows list")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != len(header):
                raise ValueError(
                    f"docs/tables.yaml: table {name!r} row {i} has {len(row) if isinstance(row, list) else row!r} "
                    f"cells, the header {len(header)}"
                )
        files = data.get("files") or {}
        return cls(name, dict(files), [str(h) for h in header], [[str(c) for c in r] for r in rows])


def load_specs(path: Path = SPEC) -> dict[str, TableSpec]:
    data = yaml.safe_load(path.read_text()) or {}
    return {name: TableSpec.from_dict(name, body) for name, body in data.items()}


def render(spec: TableSpec, numbers: Numbers) -> str:
    """The markdown of one table (header, rule and rows), ending in a newline."""

    def cell(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: _value(spec, numbers, m.group(1), m.group(2), m.group(3)), text)

    def line(cells: list[str]) -> str:
        return "|" + "|".join(f" {cell(c)} " if c else " " for c in cells) + "|"

    lines = [line(spec.header), "|" + "---|" * len(spec.header), *(line(row) for row in spec.rows)]
    return "\n".join(lines) + "\n"


def _value(spec: TableSpec, numbers: Numbers, alias: str, path: str, fmt: str | None) -> str:
    if alias not in spec.files:
        raise ValueError(f"docs/tables.yaml: table {spec.name!r} uses {alias!r}, not one of its files {spec.files}")
    rel = spec.files[alias]
    keys = _keys(numbers, rel, path.strip().split("/"))
    raw = numbers.raw(rel, *keys)
    if fmt is not None and fmt.startswith("?"):
        yes, _, no = fmt[1:].partition("/")
        if not isinstance(raw, bool):
            raise ValueError(f"docs/tables.yaml: table {spec.name!r}: {rel}:{path} is {raw!r}, not true or false")
        return yes if raw else no
    if fmt is not None and (fmt == "sum" or fmt.startswith("sum:")):
        key = fmt[4:]
        return str(sum(v[key] if key else v for v in raw.values()))
    if fmt == "chance":
        return format(1.0 / len(raw), ".3f")
    if fmt == "half_real":
        return _half_real(raw)
    if fmt is None:
        fmt = "i3" if is_interval(raw) else ".3f"
    if fmt.startswith("i") and fmt[1:].isdigit():
        return numbers.interval(rel, *keys, digits=int(fmt[1:]))
    if fmt.startswith("gib"):
        return numbers.text(rel, *keys, spec=f".{int(fmt[3:] or 0)}f", scale=1 / 1024)
    if fmt.startswith("pct"):
        return numbers.text(rel, *keys, spec=f".{int(fmt[3:] or 0)}f", scale=100.0)
    if isinstance(raw, str):
        return raw
    return numbers.text(rel, *keys, spec=fmt)


def _keys(numbers: Numbers, rel: str, parts: list[str]) -> list:
    """The key path of ``parts``, where a key may itself hold a slash (``"d1080/adversarial/onset_corr"``):
    at each object the longest run of parts that is one of its keys."""
    keys: list = []
    while parts:
        here = numbers.raw(rel, *keys)
        if isinstance(here, list) and parts[0].isdigit():
            keys.append(int(parts.pop(0)))
            continue
        if isinstance(here, list) and "=" in parts[0]:  # the item whose field equals: name=vae-540
            field_name, _, want = parts.pop(0).partition("=")
            found = [i for i, item in enumerate(here) if isinstance(item, dict) and str(item.get(field_name)) == want]
            if len(found) != 1:
                raise ValueError(f"{rel}: {len(found)} items of {'/'.join(map(str, keys))} have {field_name}={want}")
            keys.append(found[0])
            continue
        for n in range(len(parts), 0, -1):
            if isinstance(here, dict) and "/".join(parts[:n]) in here:
                keys.append("/".join(parts[:n]))
                del parts[:n]
                break
        else:  # let Numbers name what is missing
            keys.append(parts.pop(0))
            numbers.raw(rel, *keys)
    return keys


def _half_real(recognition: dict) -> str:
    generated, real = recognition["generated"]["per_genre"], recognition["real_test"]["per_genre"]
    recall = {g: Interval.from_json(v).value if is_interval(v) else float(v) for g, v in generated.items()}
    base = {g: Interval.from_json(v).value if is_interval(v) else float(v) for g, v in real.items()}
    met = [g for g in generated if base.get(g) and recall[g] >= 0.5 * base[g]]
    return f"{len(met)} of {len(generated)} ({', '.join(met) if met else 'none'})"


def pages(root: Path = ROOT) -> list[Path]:
    return sorted({p for pattern in PAGES for p in root.glob(pattern)})


def rewrite(text: str, specs: dict[str, TableSpec], numbers: Numbers, page: str = "") -> tuple[str, list[str]]:
    """``text`` with every marked table rendered anew; and the names it rendered."""
    names: list[str] = []

    def one(m: re.Match) -> str:
        name = m.group(2)
        if name not in specs:
            raise ValueError(f"{page}: table {name!r} has no entry in docs/tables.yaml (known: {sorted(specs)})")
        names.append(name)
        return m.group(1) + render(specs[name], numbers) + m.group(4)

    return MARKER.sub(one, text), names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a table is stale")
    args = parser.parse_args(argv)
    specs, numbers = load_specs(), Numbers(ROOT)
    stale, used = [], []
    for path in pages():
        rel = str(path.relative_to(ROOT))
        text = path.read_text()
        new, names = rewrite(text, specs, numbers, rel)
        used += names
        if new != text:
            stale.append(rel)
            if not args.check:
                from genre_base.files import write_text

                write_text(path, new)
    unused = sorted(set(specs) - set(used))
    twice = sorted({n for n in used if used.count(n) > 1})
    if unused or twice:
        print(f"docs/tables.yaml: tables used by no page {unused}, used twice {twice}", file=sys.stderr)
        return 1
    if args.check and stale:
        print(f"stale tables in {stale}: run python -m genre_ldm.doc_tables", file=sys.stderr)
        return 1
    verb = "checked" if args.check else f"rewrote {len(stale)} page(s) of"
    print(f"{verb} {len(used)} tables ({len(numbers.used)} numbers read from results/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
