"""Track-level train / valid / test splits.

Two rules, decided per track:

* ``gtzan-filtered``: a GTZAN id (``blues.00012``) is placed by the fault-filtered,
  artist-disjoint lists of Kereliuk, Sturm and Larsen (2015) shipped in ``split_lists/``. An id in
  none of the lists is one of the 70 tracks the authors excluded as faulty: it is left out.
* ``stratified``: any other id gets a deterministic, seeded split stratified by label.

Clips never decide anything: every clip inherits its track's split, so no track straddles two.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources
from typing import NamedTuple

import numpy as np

from .discover import is_gtzan_id

SPLITS = ("train", "valid", "test")
RULE_GTZAN = "gtzan-filtered"
RULE_STRATIFIED = "stratified"
RULE_UNLABELLED = "unlabelled-train-only"  # extra music without labels: stage-one training, never evaluation


class SplitDecision(NamedTuple):
    split: str | None  # None: left out (a GTZAN id outside the filtered lists)
    rule: str


def gtzan_filtered_lists() -> dict[str, str]:
    """Map every listed GTZAN track id to its split (930 ids)."""
    table: dict[str, str] = {}
    folder = resources.files("genre_base") / "split_lists"
    for split in SPLITS:
        for line in (folder / f"{split}_filtered.txt").read_text().splitlines():
            if line.strip():
                table[line.strip()] = split
    return table


def assign_splits(
    tracks: Iterable[tuple[str, str]],
    seed: int = 0,
    valid_fraction: float = 0.15,
    test_fraction: float = 0.15,
) -> dict[str, SplitDecision]:
    """Decide the split of each ``(track_id, label)``; see the module docstring for the rules."""
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise ValueError(f"valid_fraction + test_fraction must be in [0, 1), got {valid_fraction} + {test_fraction}")
    lists = gtzan_filtered_lists()
    decisions: dict[str, SplitDecision] = {}
    by_label: dict[str, list[str]] = defaultdict(list)
    for track_id, label in tracks:
        if is_gtzan_id(track_id):
            decisions[track_id] = SplitDecision(lists.get(track_id), RULE_GTZAN)
        else:
            by_label[label].append(track_id)
    for label, ids in sorted(by_label.items()):
        for track_id, split in _stratified(sorted(ids), label, seed, valid_fraction, test_fraction).items():
            decisions[track_id] = SplitDecision(split, RULE_STRATIFIED)
    return decisions


def _stratified(ids: list[str], label: str, seed: int, valid_fraction: float, test_fraction: float) -> dict[str, str]:
    # Seeded by (seed, label) so adding tracks of one label never reshuffles another label.
    rng = np.random.default_rng([seed, zlib.crc32(label.encode())])
    order = [ids[i] for i in rng.permutation(len(ids))]
    n = len(order)
    n_test = int(round(test_fraction * n))
    n_valid = int(round(valid_fraction * n))
    if n >= 3:  # every label is seen in every split when it has enough tracks
        n_test, n_valid = max(n_test, 1 if test_fraction > 0 else 0), max(n_valid, 1 if valid_fraction > 0 else 0)
    out = {t: "test" for t in order[:n_test]}
    out.update({t: "valid" for t in order[n_test : n_test + n_valid]})
    out.update({t: "train" for t in order[n_test + n_valid :]})
    return out
