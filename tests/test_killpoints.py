"""A small run of the kill-point harness (scripts/dev/killpoints.py; the full one is a command): `prepare` killed
by SIGKILL at its first two file moves, run again, gives the uninterrupted run's dataset bit for bit."""

from __future__ import annotations

import json

import pytest

from tests.helpers.scripts import load_dev_script


def test_reached_counts_only_the_named_event(monkeypatch):
    from genre_base import killpoints

    monkeypatch.setenv(killpoints.ENV, "checkpoint:99")
    monkeypatch.setattr(killpoints, "_seen", killpoints.Counter())
    for _ in range(5):
        killpoints.reached("write")
        killpoints.reached("checkpoint")
    assert killpoints._seen == {"checkpoint": 5}


@pytest.mark.slow
def test_prepare_killed_twice_reruns_to_the_same_dataset(tmp_path):
    assert (
        load_dev_script("killpoints").main(
            ["--scenario", "prepare", "--max-points", "2", "--out", str(tmp_path / "kp")]
        )
        == 0
    )
    report = json.loads((tmp_path / "kp" / "report.json").read_text())
    assert report["tried"] == 2 and report["passed"] == 2
    assert all(p["stale_temporaries"] == [] for p in report["scenarios"]["prepare"]["points"])
