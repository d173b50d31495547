"""The one interval type: its JSON, its strictness, how it prints; the report's missing keys; and every
stored result holding intervals only in that shape."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from genre_base.intervals import Interval, is_interval
from genre_base.report_numbers import MissingNumber, Numbers, used_numbers_match

REPO = Path(__file__).resolve().parents[1]


def test_json_round_trip_keeps_every_field():
    for interval in (
        Interval(0.259, 0.249, 0.268),
        Interval(0.755, 0.652, 0.874, n=279, groups=57),
        Interval(19.07, 12.2, 30.2, n=(117, 607), groups=(20, 134)),
        Interval(float("nan"), float("nan"), float("nan")),
    ):
        data = json.loads(json.dumps(interval.to_json()))
        assert list(data) == ["value", "low", "high", "n", "groups"]
        again = Interval.from_json(data)
        assert again.to_json() == interval.to_json() or math.isnan(interval.value)
        assert is_interval(data) and is_interval(again)
    assert Interval(1, 0, 2, n=[3, 4]).to_json() == {"value": 1.0, "low": 0.0, "high": 2.0, "n": [3, 4], "groups": None}


def test_reading_is_strict_and_names_what_is_wrong():
    good = Interval(0.5, 0.4, 0.6, n=10).to_json()
    with pytest.raises(ValueError, match=r"missing \['groups'\].*keys \['high', 'low', 'n', 'value'\]"):
        Interval.from_json({k: v for k, v in good.items() if k != "groups"})
    with pytest.raises(ValueError, match=r"unexpected \['ci'\]"):
        Interval.from_json({**good, "ci": [0.4, 0.6]})
    with pytest.raises(ValueError, match="legacy interval shape.*migrate_intervals"):
        Interval.from_json({"mean": 0.5, "ci_low": 0.4, "ci_high": 0.6})
    with pytest.raises(ValueError, match="an object"):
        Interval.from_json([0.5, 0.4, 0.6])
    with pytest.raises(ValueError, match="Interval.value must be a number"):
        Interval.from_json({**good, "value": "0.5"})
    with pytest.raises(ValueError, match="Interval.n must be an int"):
        Interval.from_json({**good, "n": 2.5})
    assert not is_interval({**good, "ci": None}) and not is_interval({"value": 1.0})


def test_text_prints_the_interval_and_an_interval_over_one_item_as_its_value_alone():
    assert Interval(0.2594, 0.2491, 0.2678).text() == "0.259 [0.249, 0.268]"
    assert Interval(19.07, 12.23, 30.16, n=(117, 117)).text(1) == "19.1 [12.2, 30.2]"
    assert Interval(-0.012, -0.05, 0.031).text(3, sign=True) == "-0.012 [-0.050, +0.031]"
    # one song: the bootstrap can only return the song itself, so there is no interval to print
    assert Interval(1.29, 1.29, 1.29, n=1).text(2) == "1.29"
    assert Interval(1.29, 1.29, 1.29).text(2) == "1.29"
    # a degenerate interval over many items (every resample recognised nothing) keeps its bracket
    assert Interval(0.0, 0.0, 0.0, n=6).text(2) == "0.00 [0.00, 0.00]"
    assert Interval(float("nan"), float("nan"), float("nan")).text() == "nan [nan, nan]"


def test_excludes_and_overlaps():
    difference = Interval(0.03, 0.01, 0.05)
    assert difference.excludes(0) and not difference.excludes(0.02) and not difference.excludes(0.05)
    assert Interval(0.0, -0.01, 0.05).excludes(0) is False
    assert not Interval(float("nan"), float("nan"), float("nan")).excludes(0)
    assert difference.overlaps(Interval(0.06, 0.05, 0.07)) and not difference.overlaps(Interval(0.1, 0.06, 0.2))


def test_the_type_is_a_public_name_of_the_base_and_of_stage_one():
    import autoencoder
    import genre_base

    assert "Interval" in genre_base.__all__ and "is_interval" in genre_base.__all__
    assert autoencoder.Interval is genre_base.Interval is Interval


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    record = {
        "fad": Interval(20.0, 12.0, 31.0, n=(10, 50)).to_json(),
        "song": Interval(1.29, 1.29, 1.29, n=1).to_json(),
    }
    (tmp_path / "r.json").write_text(json.dumps({**record, "size": 16, "active_dims": None}))
    return tmp_path


def test_a_report_raises_on_a_missing_key_unless_it_is_declared_optional(folder: Path):
    n = Numbers(folder)
    with pytest.raises(MissingNumber, match=r"r.json: no value at fad_ratio \(there: keys \['active_dims', 'fad'"):
        n.text("r.json", "fad_ratio")
    with pytest.raises(KeyError, match=r"r.json: no value at pca \(there"):  # the path as far as it goes
        n.interval("r.json", "pca", "value")
    assert n.interval("r.json", "pca_mel_l1", optional=True) == "n/a"  # absent where PCA does not apply
    assert n.text("r.json", "gone", optional=True) == "n/a" and n.text("nofile.json", "x", optional=True) == "n/a"
    assert n.used == []  # what is not printed is not recorded
    assert n.text("r.json", "active_dims") == "n/a"  # present but null: not applicable, as the file says


def test_a_report_prints_intervals_through_the_type_and_records_each_number(folder: Path):
    n = Numbers(folder)
    assert n.interval("r.json", "fad", digits=1) == "20.0 [12.0, 31.0]"
    assert n.interval("r.json", "song", digits=2) == "1.29"
    assert n.text("r.json", "fad", spec=".0f") == "20"  # an interval's text is its estimate
    assert n.text("r.json", "fad", part="high", spec=".0f") == "31"
    assert [u["keys"] for u in n.used] == [
        ["fad", "value"],
        ["fad", "low"],
        ["fad", "high"],
        ["song", "value"],
        ["fad", "value"],
        ["fad", "high"],
    ]
    assert used_numbers_match(folder, n.used) == []
    assert n.interval_of("r.json", "fad") == Interval(20.0, 12.0, 31.0, n=(10, 50))


LEGACY_KEYS = ("ci", "ci_low", "ci_high")


def legacy_shapes(value, where: str = "") -> list[str]:
    """Where a JSON value still holds an interval in a legacy shape (or an interval object that does not read)."""
    found = []
    if isinstance(value, dict):
        keys = [k for k in value if k in LEGACY_KEYS or str(k).endswith("_ci")]
        if keys:
            found.append(f"{where or '/'}: {keys}")
        if is_interval(value):
            try:
                Interval.from_json(value)
            except ValueError as exc:
                found.append(f"{where}: {exc}")
        if isinstance(value.get("ood"), dict) and isinstance(value.get("gtzan_test"), dict):
            found += [
                f"{where}/ood/{k}: a (mean, low, high) list" for k, v in value["ood"].items() if isinstance(v, list)
            ]
        for k, v in value.items():
            found += legacy_shapes(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += legacy_shapes(v, f"{where}[{i}]")
    return found


def stored_json() -> list[Path]:
    return sorted(
        [*(REPO / "results").rglob("*.json"), *(REPO / "models").glob("*/genre_ldm.json")],
        key=str,
    )


def test_every_stored_result_holds_intervals_only_in_the_one_shape():
    files = stored_json()
    assert len(files) > 30
    problems = [
        f"{path.relative_to(REPO)}{line}" for path in files for line in legacy_shapes(json.loads(path.read_text()))
    ]
    assert not problems, "legacy interval shapes (run scripts/dev/migrate_intervals.py):\n" + "\n".join(problems[:20])
    header = (REPO / "results" / "analysis" / "comparison.csv").read_text().splitlines()[0].split(",")
    assert not [c for c in header if c.endswith("_ci")]


@pytest.fixture
def migrate():
    sys.path.insert(0, str(REPO / "scripts" / "dev"))
    try:
        import migrate_intervals

        yield migrate_intervals
    finally:
        sys.path.remove(str(REPO / "scripts" / "dev"))


def test_the_migration_converts_each_legacy_shape_once_and_keeps_every_number(migrate, tmp_path):
    legacy = {
        "summary": {"vae_mel_l1": {"mean": 0.3, "ci_low": 0.29, "ci_high": 0.31}},
        "seams": {"mean": 1.29, "ci": [1.29, 1.29], "n": 1},
        "test": {
            "balanced_accuracy": 0.75,
            "balanced_accuracy_ci": [0.65, 0.87],
            "kappa": 0.8,
            "kappa_ci": [0.7, 0.89],
            "n": 279,
            "groups": 57,
            "per_genre": {"blues": {"recall": 0.96, "ci": [0.88, 1.0], "n": 24}},
        },
        "fad": {
            "sets": {
                "original": {"value": 10.0, "ci": [8.0, 12.0], "n": [40, 60], "groups": [10, 15]},
                "vae": {
                    "value": 30.0,
                    "ci": [25.0, 36.0],
                    "n": [40, 60],
                    "groups": [10, 15],
                    "ratio_to_original": 3.0,
                    "ratio_ci": [2.5, 3.6],
                    "paired_ratios": {"original": {"ratio": 3.0, "ci": [2.4, 3.7]}},
                },
            }
        },
        "floor": {"value": 6.9, "ci": [5.0, 9.0], "n": [30, 60], "groups": [8, 15], "genres": ["jazz"]},
        "memorisation": {"fraction": 0.04, "ci": [0.02, 0.08], "threshold": 3.1, "expected": 0.05, "n": 300},
        "difference": {"a": "vae", "b": "pca", "difference": -0.02, "ci": [-0.05, 0.01]},
        "ood": {"log_mel_l1": [0.27, 0.24, 0.30]},
        "gtzan_test": {"log_mel_l1": [0.26, 0.25, 0.27]},
    }
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(legacy, indent=1))
    count, line = migrate.migrate_file(path, check=False)
    assert count == 14 and "14 intervals converted" in line
    new = json.loads(path.read_text())
    assert legacy_shapes(new) == []
    assert new["summary"]["vae_mel_l1"] == Interval(0.3, 0.29, 0.31).to_json()
    assert new["test"]["balanced_accuracy"] == Interval(0.75, 0.65, 0.87, 279, 57).to_json()
    assert new["test"]["per_genre"]["blues"] == Interval(0.96, 0.88, 1.0, n=24).to_json()
    assert set(new["fad"]["sets"]["original"]) == {"fad"} and new["floor"]["genres"] == ["jazz"]
    assert new["fad"]["sets"]["vae"]["ratio_to_original"] == Interval(3.0, 2.5, 3.6).to_json()
    assert new["memorisation"]["fraction"] == Interval(0.04, 0.02, 0.08, n=300).to_json()
    assert new["ood"]["log_mel_l1"] == Interval(0.27, 0.24, 0.30).to_json()
    # every number is where the map says it went, unchanged
    old_leaves, new_leaves = migrate.leaf_paths(legacy), migrate.leaf_paths(new)
    moved = migrate.path_map(legacy)
    assert {p for p, v in old_leaves.items() if isinstance(v, float)} == set(moved)
    assert all(new_leaves[moved[p]] == old_leaves[p] for p in moved)
    text = path.read_text()
    assert migrate.migrate_file(path, check=False) == (0, "") and path.read_text() == text  # a second run: nothing
    with pytest.raises(migrate.LegacyShapeError, match="without its estimate"):
        migrate.Migrator().convert({"onset_ci": [0.1, 0.2]})
