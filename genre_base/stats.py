"""The statistics every result is reported with: one bootstrap over groups, one binomial interval,
chunked nearest distances. Clips of one track are not independent, so intervals resample tracks."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats as scipy_stats
from scipy.spatial.distance import cdist, pdist

N_BOOT = 1000  # resamples of every bootstrap interval in the project
LEVEL = 0.95


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    groups: Sequence,
    n_boot: int = N_BOOT,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(rows)``, resampling whole groups with replacement.

    ``groups (N,)`` names each row's group (its track; pass ``range(N)`` for independent rows);
    ``statistic`` gets the row indices of one resample (a group drawn twice contributes its rows twice).
    """
    keys = np.asarray(groups)
    unique, inverse = np.unique(keys, return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(len(unique))]
    rng = np.random.default_rng(seed)
    values = []
    with warnings.catch_warnings():  # a resample may miss a class a classifier predicts: expected
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(n_boot):
            values.append(statistic(np.concatenate([members[i] for i in rng.integers(0, len(unique), len(unique))])))
    lo, hi = np.quantile(values, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def bootstrap_mean_ci(
    values, groups: Sequence | None = None, n_boot: int = N_BOOT, seed: int = 0, level: float = LEVEL
) -> tuple[float, float, float]:
    """Mean and its bootstrap interval, resampling ``groups`` (e.g. tracks) when given, else rows."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = bootstrap_ci(
        lambda idx: v[idx].mean(), groups if groups is not None else np.arange(len(v)), n_boot, seed, level
    )
    return float(v.mean()), lo, hi


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> list[float]:
    """Wilson score interval of a binomial proportion (for outcomes that are independent, e.g. generated clips)."""
    if n == 0:
        return [float("nan"), float("nan")]
    ci = scipy_stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return [float(ci.low), float(ci.high)]


def mean_pairwise_distance(x: np.ndarray) -> float:
    """Mean Euclidean distance over distinct pairs of rows of ``x (N, d)``: a diversity measure."""
    return float(pdist(np.asarray(x, np.float64)).mean()) if len(x) > 1 else 0.0


def nearest_distances(reference: np.ndarray, query: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Euclidean distance from each query row to its nearest reference row: ``(Q,)``.

    Computed ``chunk`` query rows at a time, so memory stays at ``chunk x R`` floats however many
    clips there are (full GTZAN: 6,000 x 4,000 pairs).
    """
    reference, query = np.asarray(reference, np.float64), np.asarray(query, np.float64)
    return (
        np.concatenate([cdist(query[i : i + chunk], reference).min(1) for i in range(0, len(query), chunk)])
        if len(query)
        else np.zeros(0)
    )


__all__ = [
    "LEVEL",
    "N_BOOT",
    "bootstrap_ci",
    "bootstrap_mean_ci",
    "mean_pairwise_distance",
    "nearest_distances",
    "wilson_interval",
]
