"""Clustering of latent vectors against genre: k-means sweep, choice of k, other families.

Inputs are plain arrays: ``X`` of shape ``(N, D)`` (normalised latents) and integer genre
labels ``y`` of shape ``(N,)``. Nothing here knows about models or training.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture


def cluster_scores(X: np.ndarray, y: np.ndarray, assignment: np.ndarray) -> dict[str, float]:
    """External (against genre) and internal (silhouette) scores of one clustering."""
    h, c, v = metrics.homogeneity_completeness_v_measure(y, assignment)
    n_clusters = len(np.unique(assignment))
    silhouette = float(metrics.silhouette_score(X, assignment)) if 1 < n_clusters < len(X) else float("nan")
    return {
        "homogeneity": float(h),
        "completeness": float(c),
        "v_measure": float(v),
        "ari": float(metrics.adjusted_rand_score(y, assignment)),
        "ami": float(metrics.adjusted_mutual_info_score(y, assignment)),
        "silhouette": silhouette,
    }


def kmeans_sweep(X: np.ndarray, y: np.ndarray, ks: range = range(2, 21), seed: int = 0) -> list[dict]:
    """k-means for every k: inertia (for the elbow) and :func:`cluster_scores`."""
    rows = []
    for k in ks:
        if k >= len(X):
            break
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X)
        rows.append({"k": k, "inertia": float(km.inertia_), **cluster_scores(X, y, km.labels_)})
    return rows


def elbow_k(rows: list[dict]) -> int:
    """The elbow of inertia against k: the point farthest from the chord joining the first and
    last points, both axes scaled to [0, 1] (the "kneedle" construction)."""
    k = np.array([r["k"] for r in rows], float)
    inertia = np.array([r["inertia"] for r in rows], float)
    if len(k) < 3:
        return int(k[0])
    kx = (k - k[0]) / (k[-1] - k[0])
    iy = (inertia - inertia.min()) / max(inertia.max() - inertia.min(), 1e-12)
    # chord from (0, iy[0]) to (1, iy[-1]); distance of each point below it
    chord = iy[0] + (iy[-1] - iy[0]) * kx
    return int(k[np.argmax(chord - iy)])


def balance_k(rows: list[dict]) -> int:
    """The k where homogeneity and completeness balance best: the largest V-measure (their
    harmonic mean), ties to the smaller k."""
    best = max(rows, key=lambda r: (round(r["v_measure"], 6), -r["k"]))
    return int(best["k"])


def gmm_bic(X: np.ndarray, y: np.ndarray, ks: range = range(2, 21), seed: int = 0) -> tuple[list[dict], int]:
    """Gaussian mixtures (diagonal covariance) for every k: BIC, and the scores at the BIC-chosen k."""
    rows = []
    for k in ks:
        if k >= len(X):
            break
        gmm = GaussianMixture(n_components=k, covariance_type="diag", random_state=seed, reg_covar=1e-4).fit(X)
        rows.append({"k": k, "bic": float(gmm.bic(X)), **cluster_scores(X, y, gmm.predict(X))})
    best = min(rows, key=lambda r: r["bic"])["k"]
    return rows, int(best)


def agglomerative(X: np.ndarray, y: np.ndarray, k: int) -> dict[str, float]:
    """Ward agglomerative clustering with ``k`` clusters."""
    return {"k": k, **cluster_scores(X, y, AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X))}


def centroid_distances(X: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Euclidean distances between genre centroids: ``(n_classes, n_classes)`` (NaN for absent genres)."""
    centroids = np.stack(
        [X[y == c].mean(0) if (y == c).any() else np.full(X.shape[1], np.nan) for c in range(n_classes)]
    )
    return np.linalg.norm(centroids[:, None] - centroids[None], axis=-1)


def precision_at_k(X: np.ndarray, y: np.ndarray, groups: np.ndarray, k: int = 10, chunk: int = 1024) -> np.ndarray:
    """For each item, the share of its ``k`` nearest neighbours (cosine, other tracks only) of
    the same genre: ``(N,)``. Excluding its own track keeps repeated clips from inflating it.
    Similarities are computed ``chunk`` rows at a time, so memory stays at ``chunk x N``."""
    unit = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    _, group_index, group_size = np.unique(groups, return_inverse=True, return_counts=True)
    k = min(k, max(1, int((len(X) - group_size[group_index]).min())))  # items with fewest other-track neighbours
    out = np.empty(len(X))
    for start in range(0, len(X), chunk):
        rows = slice(start, start + chunk)
        sims = unit[rows] @ unit.T
        sims[group_index[rows, None] == group_index[None, :]] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[rows] = (y[top] == y[rows, None]).mean(1)
    return out
