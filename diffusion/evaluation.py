"""Measures of generated clips: memorisation and the in-house judge's accuracy (the Fréchet audio
distance and the independent judge live in :mod:`genre_base.independent`).

All work on plain arrays (judge embeddings, normalised latents, labels) so they can be tested
on synthetic data with known answers.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from genre_base.intervals import Interval
from genre_base.stats import wilson_interval


def memorisation(generated_nn: np.ndarray, test_nn: np.ndarray, percentile: float = 5.0) -> dict:
    """Fraction of generated clips closer to a training latent than ``percentile`` % of test clips are.

    ``generated_nn (G,)`` and ``test_nn (T,)``: distances to the nearest training latent. A model
    that does not copy its training set lands near ``percentile`` %; one that copies, far above.
    """
    threshold = float(np.percentile(test_nn, percentile))
    hits = int((generated_nn < threshold).sum())
    return {
        "fraction": Interval(
            hits / len(generated_nn), *wilson_interval(hits, len(generated_nn)), n=len(generated_nn)
        ).to_json(),
        "threshold": threshold,
        "expected": percentile / 100,
        "n": len(generated_nn),
    }


def accuracy_by_genre(predicted: np.ndarray, target: np.ndarray, genres: list[str]) -> dict:
    """Overall accuracy (with a Wilson interval), balanced accuracy and per-genre accuracy."""
    predicted, target = np.asarray(predicted), np.asarray(target)
    correct = predicted == target
    per = {g: float(correct[target == g].mean()) for g in genres if (target == g).any()}
    with warnings.catch_warnings():  # predictions may name genres absent from the targets: expected
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(target, predicted))
    accuracy = Interval(float(correct.mean()), *wilson_interval(int(correct.sum()), len(correct)), n=len(correct))
    return {
        "accuracy": accuracy.to_json(),
        "balanced_accuracy": balanced,
        "per_genre": per,
        "n": len(correct),
    }
