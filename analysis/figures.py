"""Figures and tables of the analysis (matplotlib only; UMAP imported lazily, it is slow to load)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from genre_base.intervals import Interval  # noqa: E402
from genre_base.plots import save_figure  # noqa: E402


def embed_2d(X: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """``(N, D) -> (N, 2)`` by ``pca``, ``tsne`` or ``umap``."""
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(X)
    if method == "tsne":
        return TSNE(
            n_components=2, perplexity=min(30, max(5, len(X) // 4)), random_state=seed, init="pca"
        ).fit_transform(X)
    if method == "umap":
        import umap  # lazy: about 20 s to import and compile on first use

        return umap.UMAP(n_neighbors=15, random_state=seed).fit_transform(X)
    raise ValueError(f"unknown projection {method!r}; choose pca, tsne or umap")


def maps_figure(
    X: np.ndarray,
    genre: np.ndarray,
    title: str,
    path: Path,
    methods=("pca", "tsne", "umap"),
    seed: int = 0,
    extra: tuple[np.ndarray, str] | None = None,
) -> None:
    """Side-by-side 2-D maps coloured by genre; ``extra`` adds points (e.g. out-of-dataset clips)."""
    genres = sorted(set(genre.tolist()))
    colours = plt.get_cmap("tab10" if len(genres) <= 10 else "tab20")
    fig, axes = plt.subplots(1, len(methods), figsize=(5.2 * len(methods), 4.6), squeeze=False)
    stacked = X if extra is None else np.concatenate([X, extra[0]])
    for ax, method in zip(axes[0], methods):
        points = embed_2d(stacked, method, seed)
        for i, g in enumerate(genres):
            mask = np.flatnonzero(genre == g)
            ax.scatter(points[mask, 0], points[mask, 1], s=6, color=colours(i), label=g, alpha=0.75)
        if extra is not None:
            ax.scatter(points[len(X) :, 0], points[len(X) :, 1], s=40, marker="*", color="black", label=extra[1])
        ax.set_title(method.upper() if method != "tsne" else "t-SNE", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, -1].legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def clustering_figure(kmeans_rows: list[dict], k_elbow: int, k_balance: int, title: str, path: Path) -> None:
    k = [r["k"] for r in kmeans_rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(k, [r["inertia"] for r in kmeans_rows], "o-")
    a.axvline(k_elbow, color="red", ls="--", label=f"elbow k = {k_elbow}")
    a.set_xlabel("k")
    a.set_ylabel("inertia")
    a.legend(fontsize=8)
    for name in ("homogeneity", "completeness", "v_measure", "ari", "silhouette"):
        b.plot(k, [r[name] for r in kmeans_rows], ".-", label=name)
    b.axvline(k_balance, color="green", ls="--", label=f"balance k = {k_balance}")
    b.set_xlabel("k")
    b.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def comparison_figure(rows: list[dict], path: Path) -> None:
    """Probe accuracy and k-means V-measure per file (clip level, flat view), with intervals."""
    names = [r["name"] for r in rows]
    x = np.arange(len(rows))
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.8))
    for offset, key, label in ((-0.2, "logistic_test", "logistic (test)"), (0.2, "knn_test", "k-NN (test)")):
        found = [Interval.from_json(r[key]) for r in rows]
        vals = [i.value for i in found]
        err = np.array([[i.value - i.low, i.high - i.value] for i in found]).T
        a.bar(x + offset, vals, 0.4, yerr=err, capsize=3, label=label)
    a.axhline(rows[0]["chance"], color="black", ls=":", label="chance")
    a.set_xticks(x, names, rotation=20, fontsize=8)
    a.set_ylabel("balanced accuracy")
    a.legend(fontsize=7)
    b.bar(x, [r["kmeans_v"] for r in rows], 0.5)
    b.set_xticks(x, names, rotation=20, fontsize=8)
    b.set_ylabel("k-means V-measure at k = #genres")
    fig.tight_layout()
    save_figure(fig, path)


def confusion_figure(confusion: dict, title: str, path: Path) -> None:
    """Row-normalised confusion matrix (true genre x predicted genre) of a probe on test clips."""
    m = np.asarray(confusion["matrix"], dtype=float)
    rows = m / np.maximum(m.sum(1, keepdims=True), 1)
    labels = confusion["labels"]
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if m[i, j]:
                ax.text(
                    j,
                    i,
                    f"{int(m[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if rows[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
