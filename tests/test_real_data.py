"""Preparation of the real (partial) GTZAN copy in ../shared; skipped where it is absent."""

from __future__ import annotations

import csv

import pytest

from genre_base.clips import PreparedDataset
from genre_base.prepare import prepare_dataset
from genre_base.splits import gtzan_filtered_lists

from .conftest import SHARED_GTZAN

pytestmark = pytest.mark.skipif(
    not (SHARED_GTZAN / "manifest.csv").is_file(), reason=f"real GTZAN copy not found at {SHARED_GTZAN}"
)


@pytest.mark.slow
def test_shared_gtzan_prepares_with_the_filtered_split(tmp_path):
    with open(SHARED_GTZAN / "manifest.csv", newline="") as f:
        files = list(csv.DictReader(f))
    lists = gtzan_filtered_lists()
    listed = {r["track_id"] for r in files if r["track_id"] in lists}
    summary = prepare_dataset(SHARED_GTZAN, tmp_path / "gtzan", progress=False)
    data = PreparedDataset(tmp_path / "gtzan")
    assert summary["skipped"] == []  # every file of the copy is readable and at least 15 s long
    assert set(data.track_ids.tolist()) == listed
    assert set(summary["excluded_unlisted_gtzan_ids"]) == {r["track_id"] for r in files} - listed
    assert all(lists[t] == s for t, s in zip(data.track_ids, data.splits))
    # every 5 s window: 15 s files give 3 clips, 30 s files give 6
    expected = sum(int(float(r["kept_seconds"]) * 22050) // 110250 for r in files if r["track_id"] in listed)
    assert len(data) == expected
