"""Measures on the independent embedding, on plain arrays (testable with known answers).

* :func:`fad`: Fréchet audio distance between two sets of clips, with a bootstrap over tracks;
  :func:`matched` draws two sets to the same size and genre mix first (genres missing from either
  are left out of both), so a figure and its floor are comparable;
* :func:`classification`: balanced accuracy and Cohen's kappa with intervals over tracks;
* :func:`agreement`: judge agreement and KL divergence between originals and their reconstructions;
* :func:`density_coverage` / :func:`precision_recall`: fidelity and variety of generated embeddings
  (Naeem et al. 2020; Kynkäänniemi et al. 2019), k nearest neighbours among the real ones.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score

from ..intervals import Interval
from ..stats import N_BOOT, bootstrap_ci, bootstrap_mean_ci

FAD_LAYER = "penultimate"  # 200 floats: well below the set sizes (the 1,506 pooled floats are not)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to ``a (N, d)`` and ``b (M, d)``.

    ``tr sqrt(A B)`` is computed as ``tr sqrt(B^1/2 A B^1/2)`` with symmetric eigendecompositions:
    exact for covariance matrices (symmetric, positive semi-definite, so singular ones too) and
    about 30x faster than ``scipy.linalg.sqrtm`` at d = 200, which the bootstraps need.
    """
    return _frechet_to(a, _Gaussian(b))


class _Gaussian:
    """Mean, covariance and covariance square root of a reference set, computed once."""

    def __init__(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float64)
        self.mean = x.mean(0)
        self.cov = np.atleast_2d(np.cov(x, rowvar=False))
        w, v = np.linalg.eigh(self.cov)
        self.root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def _frechet_to(a: np.ndarray, ref: _Gaussian) -> float:
    a = np.asarray(a, np.float64)
    mu, cov = a.mean(0), np.atleast_2d(np.cov(a, rowvar=False))
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(ref.root @ cov @ ref.root), 0, None)).sum()
    return float(((mu - ref.mean) ** 2).sum() + np.trace(cov) + np.trace(ref.cov) - 2 * cross)


def matched(genres_a: np.ndarray, genres_b: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Row indices of ``a`` and ``b`` with the same number of clips of each genre present in both.

    Per genre the larger side is subsampled (without replacement) to the smaller side's count.
    Returns (rows of a, rows of b, genres kept).
    """
    genres_a, genres_b = np.asarray(genres_a), np.asarray(genres_b)
    rng = np.random.default_rng(seed)
    rows_a, rows_b, kept = [], [], []
    for g in sorted(set(genres_a.tolist()) & set(genres_b.tolist())):
        ia, ib = np.flatnonzero(genres_a == g), np.flatnonzero(genres_b == g)
        n = min(len(ia), len(ib))
        rows_a.append(np.sort(rng.choice(ia, n, replace=False)))
        rows_b.append(np.sort(rng.choice(ib, n, replace=False)))
        kept.append(g)
    empty = np.zeros(0, int)
    return (np.concatenate(rows_a) if rows_a else empty), (np.concatenate(rows_b) if rows_b else empty), kept


def fad(a: np.ndarray, a_groups, b: np.ndarray, b_groups, n_boot: int = N_BOOT, seed: int = 0) -> dict:
    """Fréchet distance of ``a`` from ``b`` with a 95 % interval resampling the groups (tracks) of both.

    Pass ``np.arange(len(x))`` as the groups of independent clips (generated ones). Groups of ``a``
    and of ``b`` are drawn independently. Returns the JSON of an :class:`~genre_base.intervals.Interval`
    (``n`` and ``groups``: ``[clips, reference clips]`` and ``[tracks, reference tracks]``).
    """
    return fad_against({"a": a}, a_groups, b, b_groups, n_boot=n_boot, seed=seed)["a"]["fad"]


def fad_against(
    sets: dict[str, np.ndarray],
    groups,
    reference: np.ndarray,
    reference_groups,
    base: str | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    pairs: list[tuple[str, str]] = (),
) -> dict[str, dict]:
    """Fréchet distance of each of ``sets`` (row-aligned: the same clips, e.g. originals and their
    reconstructions, ``(N, d)`` each) from ``reference (M, d)``, with intervals over tracks.

    Every bootstrap resample draws the tracks of the sets and of the reference once and scores every
    set on that same draw, so with ``base`` (a name in ``sets``, e.g. the originals: the floor) the
    ratio ``FAD(set) / FAD(base)`` gets a paired interval; so does ``FAD(a) / FAD(b)`` for each
    ``(a, b)`` of ``pairs`` (in ``out[a]["paired_ratios"][b]``).

    Each set's entry: ``{"fad": Interval, "ratio_to_<base>": Interval (not for the base),
    "paired_ratios": {b: Interval} (with pairs)}``, every interval as its JSON.
    """
    ref = np.asarray(reference, np.float64)
    arrays = {k: np.asarray(v, np.float64) for k, v in sets.items()}
    rng = np.random.default_rng(seed)
    members, ref_members = _members(groups), _members(reference_groups)
    draws: dict[str, list[float]] = {k: [] for k in arrays}
    for _ in range(n_boot):
        ia = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        ib = np.concatenate([ref_members[i] for i in rng.integers(0, len(ref_members), len(ref_members))])
        gaussian = _Gaussian(ref[ib])
        for k, x in arrays.items():
            draws[k].append(_frechet_to(x[ia], gaussian))
    out, values = {}, {}
    for k, x in arrays.items():
        values[k] = value = frechet_distance(x, ref)
        fad_k = Interval(
            value, *_corrected_interval(value, draws[k]), n=(len(x), len(ref)), groups=(len(members), len(ref_members))
        )
        out[k] = {"fad": fad_k.to_json()}
    if base is not None:
        for k in arrays:
            if k != base:
                ratio = values[k] / max(values[base], 1e-12)
                draws_ratio = np.asarray(draws[k]) / np.maximum(draws[base], 1e-12)
                out[k]["ratio_to_" + base] = Interval(ratio, *_corrected_interval(ratio, draws_ratio)).to_json()
    for a, b in pairs:
        ratio = values[a] / max(values[b], 1e-12)
        ci = _corrected_interval(ratio, np.asarray(draws[a]) / np.maximum(draws[b], 1e-12))
        out[a].setdefault("paired_ratios", {})[b] = Interval(ratio, *ci).to_json()
    return out


def _corrected_interval(value: float, draws) -> list[float]:
    """95 % percentile interval of the bootstrap draws after removing their mean bias.

    A resample that draws a track twice repeats its clips, which shrinks the effective set and
    inflates a Fréchet distance: the raw percentile interval can sit above the estimate itself.
    Shifting the draws by ``mean(draws) - value`` (the bootstrap estimate of that bias, Efron and
    Tibshirani 1993, ch. 10) centres the interval on the estimate while keeping its width.
    """
    draws = np.asarray(draws, np.float64)
    lo, hi = np.quantile(draws - (draws.mean() - value), [0.025, 0.975])
    return [float(lo), float(hi)]


def _members(groups) -> list[np.ndarray]:
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    return [np.flatnonzero(inverse == i) for i in range(inverse.max() + 1)]


def classification(truth, predicted, groups, labels: list[str] | None = None, n_boot: int = N_BOOT) -> dict:
    """Balanced accuracy and Cohen's kappa with intervals over ``groups`` (tracks), plus per-genre recall:
    ``{"balanced_accuracy": Interval, "kappa": Interval, "n", "groups", "per_genre": {genre: Interval}}``."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)

    def bacc(idx):
        return balanced_accuracy_score(truth[idx], predicted[idx])

    def kappa(idx):
        return cohen_kappa_score(truth[idx], predicted[idx]) if len(set(truth[idx])) > 1 else 0.0

    n, n_groups = len(truth), len(set(np.asarray(groups).tolist()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        balanced = Interval(float(bacc(np.arange(len(truth)))), *bootstrap_ci(bacc, groups, n_boot), n, n_groups)
        agreement = Interval(float(kappa(np.arange(len(truth)))), *bootstrap_ci(kappa, groups, n_boot), n, n_groups)
    out = {"balanced_accuracy": balanced.to_json(), "kappa": agreement.to_json(), "n": n, "groups": n_groups}
    correct = (truth == predicted).astype(float)
    out["per_genre"] = {}
    for g in labels or sorted(set(truth.tolist())):
        rows = truth == g
        if rows.any():
            recall = bootstrap_mean_ci(correct[rows], np.asarray(groups)[rows], n_boot)
            out["per_genre"][g] = Interval(*recall, n=int(rows.sum())).to_json()
    return out


def agreement(p_original: np.ndarray, p_other: np.ndarray, eps: float = 1e-7) -> dict[str, np.ndarray]:
    """Per clip: 1.0 where the judge's top genre is the same for both, and KL(original || other) in nats."""
    p, q = np.clip(p_original, eps, 1), np.clip(p_other, eps, 1)
    return {"agreement": (p.argmax(1) == q.argmax(1)).astype(float), "kl": (p * np.log(p / q)).sum(1)}


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    d = _distances(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return cdist(np.asarray(a, np.float64), np.asarray(b, np.float64))


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Density (how many real k-NN balls hold each fake, / k; 1 for a matching distribution) and
    coverage (fraction of real clips whose k-NN ball holds a fake). Needs more than k real clips."""
    if len(real) <= k or len(fake) == 0:
        return {"density": float("nan"), "coverage": float("nan")}
    radius = _kth_radius(real, k)
    inside = _distances(real, fake) < radius[:, None]  # (R, F)
    return {"density": float(inside.sum() / (k * len(fake))), "coverage": float(inside.any(1).mean())}


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Improved precision (fakes inside the real manifold) and recall (reals inside the fake manifold)."""
    if len(real) <= k or len(fake) <= k:
        return {"precision": float("nan"), "recall": float("nan")}
    d = _distances(real, fake)
    precision = (d < _kth_radius(real, k)[:, None]).any(0).mean()
    recall = (d < _kth_radius(fake, k)[None, :]).any(1).mean()
    return {"precision": float(precision), "recall": float(recall)}


__all__ = [
    "FAD_LAYER",
    "agreement",
    "classification",
    "density_coverage",
    "fad",
    "fad_against",
    "frechet_distance",
    "matched",
    "precision_recall",
]
