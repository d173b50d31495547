"""Measures of generated clips: Fréchet distance, diversity, memorisation, judge accuracy.

All work on plain arrays (judge embeddings, normalised latents, labels) so they can be tested
on synthetic data with known answers.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg
from sklearn.metrics import balanced_accuracy_score

from autoencoder.stats import wilson_interval


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to ``a (N, d)`` and ``b (M, d)``."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)  # singular products are handled below
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():  # nearly singular product: regularise (standard FID practice)
            eps = 1e-6 * np.eye(len(mu_a))
            root = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    root = root.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(root))


def bootstrap_frechet(a: np.ndarray, b: np.ndarray, n_boot: int = 200, seed: int = 0,
                      level: float = 0.95) -> dict:
    """Fréchet distance with a percentile bootstrap interval (both sets resampled)."""
    rng = np.random.default_rng(seed)
    values = [frechet_distance(a[rng.integers(0, len(a), len(a))], b[rng.integers(0, len(b), len(b))])
              for _ in range(n_boot)]
    lo, hi = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return {"value": frechet_distance(a, b), "ci": [float(lo), float(hi)], "n": [len(a), len(b)]}


def memorisation(generated_nn: np.ndarray, test_nn: np.ndarray, percentile: float = 5.0) -> dict:
    """Fraction of generated clips closer to a training latent than ``percentile`` % of test clips are.

    ``generated_nn (G,)`` and ``test_nn (T,)``: distances to the nearest training latent. A model
    that does not copy its training set lands near ``percentile`` %; one that copies, far above.
    """
    threshold = float(np.percentile(test_nn, percentile))
    hits = int((generated_nn < threshold).sum())
    return {"fraction": hits / len(generated_nn), "ci": wilson_interval(hits, len(generated_nn)),
            "threshold": threshold, "expected": percentile / 100, "n": len(generated_nn)}


def accuracy_by_genre(predicted: np.ndarray, target: np.ndarray, genres: list[str]) -> dict:
    """Overall accuracy (with a Wilson interval), balanced accuracy and per-genre accuracy."""
    predicted, target = np.asarray(predicted), np.asarray(target)
    correct = predicted == target
    per = {g: float(correct[target == g].mean()) for g in genres if (target == g).any()}
    with warnings.catch_warnings():  # predictions may name genres absent from the targets: expected
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(target, predicted))
    return {"accuracy": float(correct.mean()), "ci": wilson_interval(int(correct.sum()), len(correct)),
            "balanced_accuracy": balanced, "per_genre": per, "n": len(correct)}


