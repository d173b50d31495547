"""Everything the analysis computes for one latents file, at clip and song level, flat and pooled.

Views of a file:

* ``flat``: the latent as stored (a channels x frames part is not shift-invariant);
* ``pooled``: for a VAE latent with a time axis, the global part plus each channel averaged over
  frames -- what stays when *when* things happen is forgotten.

Levels: ``clip`` (one vector per 5 s clip) and ``song`` (the mean of a track's clip vectors).

Preprocessing is chosen per file, view and level on valid (:mod:`.probes`): the logistic probe gets
its own choice; the distance-based analyses (k-means, mixtures, Ward, precision@10) use the one
chosen for the k-NN probe, the distance-based probe.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.decomposition import PCA

from autoencoder.latents import Latents
from genre_base.stats import N_BOOT

from .clustering import agglomerative, balance_k, centroid_distances, elbow_k, gmm_bic, kmeans_sweep, precision_at_k
from .probes import ProbeNotApplicable, held_out_probe

log = logging.getLogger(__name__)


def views(latents: Latents, normalised: bool = True) -> dict[str, np.ndarray]:
    """``(N, D')`` arrays by view name: standardised over train (for maps) or as stored."""
    X = latents.normalized() if normalised else latents.means.astype(np.float64)
    out = {"flat": X}
    layout = latents.manifest.get("layout")
    if layout and layout["frames"] > 1:
        g, c, f = layout["global_size"], layout["channels"], layout["frames"]
        out["pooled"] = np.concatenate([X[:, :g], X[:, g:].reshape(len(X), c, f).mean(-1)], axis=1)
    return out


def song_level(X: np.ndarray, latents: Latents) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One vector per track (mean of its clips): X, genre, track id, split."""
    tracks, first = np.unique(latents.track_id, return_index=True)
    means = np.stack([X[latents.track_id == t].mean(0) for t in tracks])
    return means, latents.genre[first], tracks, latents.split[first]


def analyse(latents: Latents, seed: int = 0, max_k: int = 20, n_boot: int = N_BOOT) -> dict:
    """All numbers for one file: per view and level, clustering, probes, retrieval, PCA spectrum.
    ``n_boot``: resamples of the probes' intervals over tracks."""
    genres = latents.genre_names
    result: dict = {
        "manifest": {k: latents.manifest[k] for k in ("kind", "latent_size", "model_id", "layout")},
        "genres": genres,
        "views": {},
    }
    for view, X in views(latents, normalised=False).items():
        for level in ("clip", "song"):
            if level == "clip":
                data, genre, groups, split = X, latents.genre, latents.track_id, latents.split
            else:
                data, genre, groups, split = song_level(X, latents)
            y = np.array([genres.index(g) for g in genre])
            result["views"][f"{view}/{level}"] = _analyse_array(
                data, y, groups, split, len(genres), seed, max_k, n_boot
            )
    return result


def preprocess(X: np.ndarray, split: np.ndarray, preprocessing: str) -> np.ndarray:
    """``X`` standardised with the train rows' mean and std, or unchanged."""
    if preprocessing == "none":
        return X
    ref = X[split == "train"] if (split == "train").any() else X
    std = ref.std(0)
    return (X - ref.mean(0)) / np.where(std > 0, std, 1.0)


def _analyse_array(X, y, groups, split, n_genres, seed, max_k, n_boot) -> dict:
    probes = {
        name: _safe(held_out_probe, name, X, y, split, groups, seed=seed, n_boot=n_boot) for name in ("logistic", "knn")
    }
    preprocessing = probes["knn"].get("chosen", {}).get("preprocessing", "standardise")
    X = preprocess(X, split, preprocessing)
    ks = range(2, min(max_k, len(X) - 1) + 1)
    sweep = kmeans_sweep(X, y, ks, seed)
    at_genres = next((r for r in sweep if r["k"] == n_genres), sweep[-1])
    gmm_rows, k_bic = gmm_bic(X, y, ks, seed)
    pca = PCA(n_components=min(X.shape[0], X.shape[1], 20), random_state=seed).fit(X)
    return {
        "n": int(len(X)),
        "dim": int(X.shape[1]),
        "distance_preprocessing": preprocessing,
        "pca_explained_variance": pca.explained_variance_ratio_.tolist(),
        "kmeans": sweep,
        "k_elbow": elbow_k(sweep),
        "k_balance": balance_k(sweep),
        "kmeans_at_n_genres": at_genres,
        "gmm": gmm_rows,
        "k_bic": k_bic,
        "gmm_at_bic": next(r for r in gmm_rows if r["k"] == k_bic),
        "agglomerative": agglomerative(X, y, n_genres),
        "precision_at_10": float(precision_at_k(X, y, groups, 10).mean()),
        "centroid_distances": centroid_distances(X, y, n_genres).tolist(),
        "probes": probes,
    }


def _safe(fn, *args, **kwargs) -> dict:
    """A probe's result, or ``{"error": why}`` when the data cannot support it (logged, and shown as
    n/a in the tables); any other exception is a bug and propagates."""
    try:
        return fn(*args, **kwargs)
    except ProbeNotApplicable as exc:
        log.warning(f"probe not run: {exc}")
        return {"error": str(exc)}
