"""The README's and docs' tables are written from results JSON (genre_ldm.doc_tables): the committed pages are
current, and the engine reads what it is told and refuses what it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genre_base.intervals import Interval
from genre_base.report_numbers import MissingNumber, Numbers
from genre_ldm import doc_tables
from genre_ldm.doc_tables import TableSpec, render, rewrite


def test_the_committed_tables_are_what_results_give():
    assert doc_tables.main(["--check"]) == 0, "a table is stale: run python -m genre_ldm.doc_tables"


@pytest.fixture()
def numbers(tmp_path: Path) -> Numbers:
    data = {
        "summary": {
            "d1080/adversarial/onset_corr": Interval(0.7751, 0.7349, 0.8091, 279, 57).to_json(),
            "one_song": Interval(1.29, 1.29, 1.29, 1, 1).to_json(),
        },
        "rows": [{"name": "a", "fad": 3.456, "ok": True}, {"name": "b", "fad": 1.0, "ok": False}],
        "per_genre": {"x": 0.1, "y": 0.2},
        "counts": {"x": {"train": 2, "test": 1}, "y": {"train": 3, "test": 4}},
        "recognition": {
            "generated": {
                "per_genre": {"x": Interval(0.5, 0.4, 0.6).to_json(), "y": Interval(0.1, 0.0, 0.2).to_json()}
            },
            "real_test": {
                "per_genre": {"x": Interval(0.8, 0.7, 0.9).to_json(), "y": Interval(0.9, 0.8, 1.0).to_json()}
            },
        },
        "label": "ten",
    }
    (tmp_path / "m.json").write_text(json.dumps(data))
    return Numbers(tmp_path)


def spec(*cells: str) -> TableSpec:
    return TableSpec.from_dict(
        "t", {"files": {"m": "m.json"}, "header": [f"c{i}" for i in range(len(cells))], "rows": [list(cells)]}
    )


def test_cells_read_intervals_numbers_selectors_and_derived_values(numbers: Numbers):
    table = render(
        spec(
            "{m:summary/d1080/adversarial/onset_corr}",  # a key with slashes in it
            "{m:summary/one_song|i2}",  # an interval over one item prints its value alone
            "{m:rows/name=b/fad|.2f}",
            "{m:rows/0/ok|?yes/no} {m:rows/1/ok|?yes/no}",
            "{m:per_genre|chance} {m:counts|sum:test} {m:label}",
            "{m:recognition|half_real}",
            "",
        ),
        numbers,
    )
    assert table.splitlines()[2] == ("| 0.775 [0.735, 0.809] | 1.29 | 1.00 | yes no | 0.500 5 ten | 1 of 2 (x) | |")
    assert {"file": "m.json", "keys": ["rows", 1, "fad"], "spec": ".2f", "scale": 1.0, "text": "1.00"} in numbers.used


def test_a_renamed_key_raises_naming_file_and_path(numbers: Numbers):
    with pytest.raises(MissingNumber, match=r"m.json: no value at summary/onset"):
        render(spec("{m:summary/onset}"), numbers)
    with pytest.raises(ValueError, match="0 items of rows have name=c"):
        render(spec("{m:rows/name=c/fad}"), numbers)
    with pytest.raises(ValueError, match="uses 'z'"):
        render(spec("{z:rows}"), numbers)


def test_specs_are_validated():
    with pytest.raises(ValueError, match=r"unknown keys \['colour'\]"):
        TableSpec.from_dict("t", {"header": ["a"], "rows": [["1"]], "colour": "red"})
    with pytest.raises(ValueError, match="row 0 has 2 cells, the header 1"):
        TableSpec.from_dict("t", {"header": ["a"], "rows": [["1", "2"]]})


def test_rewrite_replaces_only_between_markers_and_refuses_unknown_tables(numbers: Numbers):
    page = "before\n<!-- table: t -->\n| stale |\n<!-- end table -->\nafter {m:label}\n"
    new, names = rewrite(page, {"t": spec("{m:label}")}, numbers)
    assert names == ["t"]
    assert new == "before\n<!-- table: t -->\n| c0 |\n|---|\n| ten |\n<!-- end table -->\nafter {m:label}\n"
    with pytest.raises(ValueError, match="table 't' has no entry"):
        rewrite(page, {}, numbers, "page.md")
