"""Genre probes on latent vectors under one protocol for every latents file.

Every representation gets the same chance: its preprocessing (standardised per dimension or left
as it is) and the probe's one hyper-parameter are chosen on valid balanced accuracy with the probe
fitted on train; the chosen probe, fitted on train, is scored once on test with 95 % bootstrap
intervals over test tracks. Standardising is not always fair: it gives every PCA component, noise
ones included, the same weight, so it is chosen, not imposed. Test clips never take part in a choice.

Two probes: logistic regression (linear separability, C) and k-NN (local neighbourhoods, k).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from genre_base.errors import UserError
from genre_base.intervals import Interval
from genre_base.stats import N_BOOT, bootstrap_ci

PROBES = ("logistic", "knn")
PREPROCESSING = ("standardise", "none")
GRIDS = {"logistic": ("C", (0.01, 0.1, 1.0, 10.0)), "knn": ("n_neighbors", (5, 10, 20))}


class ProbeNotApplicable(UserError):
    """The data cannot support a probe (no train, valid or test rows); reported by name."""


def make_probe(name: str, preprocessing: str = "standardise", value: float | None = None, seed: int = 0):
    """The probe ``name`` with its hyper-parameter ``value`` (default: the grid's middle) after ``preprocessing``."""
    if name not in GRIDS:
        raise ValueError(f"unknown probe {name!r}; choose one of {list(PROBES)}")
    if preprocessing not in PREPROCESSING:
        raise ValueError(f"unknown preprocessing {preprocessing!r}; choose one of {list(PREPROCESSING)}")
    param, grid = GRIDS[name]
    value = grid[len(grid) // 2] if value is None else value
    model = (
        LogisticRegression(max_iter=2000, C=value, random_state=seed)
        if name == "logistic"
        else KNeighborsClassifier(n_neighbors=int(value))
    )
    return make_pipeline(StandardScaler(), model) if preprocessing == "standardise" else make_pipeline(model)


def _score(y: np.ndarray, pred: np.ndarray) -> float:
    with warnings.catch_warnings():  # a genre absent from valid (rock in the filtered split): expected
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y, pred))


def select_probe(name: str, X: np.ndarray, y: np.ndarray, split: np.ndarray, seed: int = 0) -> dict:
    """Fit on train every (preprocessing, value) of the grid; the best on valid balanced accuracy.

    Returns ``{"preprocessing", "value", "param", "valid_balanced_accuracy", "table"}``; ties go to the
    earlier preprocessing and value in the grid (standardised, stronger regularisation / fewer neighbours).
    """
    if name not in GRIDS:
        raise ValueError(f"unknown probe {name!r}; choose one of {list(PROBES)}")
    train, valid = split == "train", split == "valid"
    if not train.any() or not valid.any():
        raise ProbeNotApplicable(
            f"choosing the {name} probe needs train and valid rows (has {int(train.sum())} and {int(valid.sum())})"
        )
    k_max = int(train.sum()) - 1
    param, grid = GRIDS[name]
    table = []
    for preprocessing, value in itertools.product(PREPROCESSING, grid):
        if name == "knn" and value > k_max:
            continue
        model = make_probe(name, preprocessing, value, seed).fit(X[train], y[train])
        table.append(
            {
                "preprocessing": preprocessing,
                "value": value,
                "valid_balanced_accuracy": _score(y[valid], model.predict(X[valid])),
            }
        )
    if not table:
        raise ProbeNotApplicable(f"the {name} probe has too few training rows ({int(train.sum())})")
    best = max(table, key=lambda r: r["valid_balanced_accuracy"])  # max keeps the first of equals
    return {**best, "param": param, "table": table}


def held_out_probe(
    name: str, X: np.ndarray, y: np.ndarray, split: np.ndarray, groups: np.ndarray, seed: int = 0, n_boot: int = N_BOOT
) -> dict:
    """Choose on valid (:func:`select_probe`), fit on train, score on test; intervals over test tracks."""
    test = split == "test"
    if not test.any():
        raise ProbeNotApplicable(f"the held-out {name} probe needs test rows")
    chosen = select_probe(name, X, y, split, seed)
    train = split == "train"
    model = make_probe(name, chosen["preprocessing"], chosen["value"], seed).fit(X[train], y[train])
    pred = model.predict(X[test])
    yt, gt = y[test], groups[test]
    correct = pred == yt
    acc_ci = bootstrap_ci(lambda idx: correct[idx].mean(), gt, n_boot, seed)
    bal_ci = bootstrap_ci(lambda idx: _score(yt[idx], pred[idx]), gt, n_boot, seed)
    labels = sorted(np.unique(y).tolist())
    return {
        "probe": name,
        "protocol": "chosen on valid, fitted on train, scored on test",
        "chosen": {k: chosen[k] for k in ("preprocessing", "param", "value", "valid_balanced_accuracy")},
        "selection": chosen["table"],
        "accuracy": Interval(float(correct.mean()), *acc_ci).to_json(),
        "balanced_accuracy": Interval(_score(yt, pred), *bal_ci).to_json(),
        "n_test": int(test.sum()),
        "test_tracks": int(len(np.unique(gt))),
        "chance": 1.0 / len(labels),
        "predictions": pred.tolist(),
        # rows: true genre, columns: predicted genre (test clips)
        "confusion": {"labels": labels, "matrix": confusion_matrix(yt, pred, labels=labels).tolist()},
    }
