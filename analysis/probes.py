"""Genre probes on latent vectors under one protocol for every latents file.

1. Held-out: fit on train + valid, report on test, with a bootstrap interval over test tracks.
2. Cross-validation: a seeded 5-fold ``StratifiedGroupKFold`` over tracks (all splits pooled),
   for tighter intervals on this small data; the interval is over the folds.

Two probes: logistic regression (linear separability) and k-NN (local neighbourhoods).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from autoencoder.errors import UserError
from autoencoder.stats import N_BOOT, bootstrap_ci

PROBES = ("logistic", "knn")


class ProbeNotApplicable(UserError):
    """The data cannot support a probe (no test rows, too few tracks for the folds); reported by name."""


def make_probe(name: str, seed: int = 0):
    if name == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0, random_state=seed))
    if name == "knn":
        return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=10))
    raise ValueError(f"unknown probe {name!r}; choose one of {list(PROBES)}")


def _bootstrap(correct: np.ndarray, y: np.ndarray, pred: np.ndarray, groups: np.ndarray, n_boot: int, seed: int):
    acc = bootstrap_ci(lambda idx: correct[idx].mean(), groups, n_boot, seed)
    bal = bootstrap_ci(lambda idx: balanced_accuracy_score(y[idx], pred[idx]), groups, n_boot, seed)
    return list(acc), list(bal)


def held_out_probe(name: str, X: np.ndarray, y: np.ndarray, split: np.ndarray, groups: np.ndarray,
                   seed: int = 0, n_boot: int = N_BOOT) -> dict:
    """Fit on train + valid, score on test; 95 % bootstrap intervals over test tracks."""
    fit = np.isin(split, ("train", "valid"))
    test = split == "test"
    if not fit.any() or not test.any():
        raise ProbeNotApplicable(f"the held-out {name} probe needs train/valid rows and test rows "
                                 f"(has {int(fit.sum())} and {int(test.sum())})")
    model = make_probe(name, seed).fit(X[fit], y[fit])
    pred = model.predict(X[test])
    correct = pred == y[test]
    acc_ci, bal_ci = _bootstrap(correct, y[test], pred, groups[test], n_boot, seed)
    labels = sorted(np.unique(y).tolist())
    return {"probe": name, "protocol": "train+valid -> test", "accuracy": float(correct.mean()), "accuracy_ci": acc_ci,
            "balanced_accuracy": float(balanced_accuracy_score(y[test], pred)), "balanced_accuracy_ci": bal_ci,
            "n_test": int(test.sum()), "chance": 1.0 / len(labels),
            # rows: true genre, columns: predicted genre (test clips)
            "confusion": {"labels": labels, "matrix": confusion_matrix(y[test], pred, labels=labels).tolist()}}


def cv_probe(name: str, X: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int = 5, seed: int = 0) -> dict:
    """Seeded ``StratifiedGroupKFold`` over tracks: mean and a t-interval over folds."""
    tracks = len(np.unique(groups))
    if tracks < folds:
        raise ProbeNotApplicable(f"the {folds}-fold {name} probe needs at least {folds} tracks, got {tracks}")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    acc, bal = [], []
    for train, test in splitter.split(X, y, groups):
        pred = make_probe(name, seed).fit(X[train], y[train]).predict(X[test])
        acc.append(float((pred == y[test]).mean()))
        bal.append(float(balanced_accuracy_score(y[test], pred)))
    return {"probe": name, "protocol": f"{folds}-fold StratifiedGroupKFold over tracks", "accuracy": float(np.mean(acc)),
            "accuracy_ci": _t_interval(acc), "balanced_accuracy": float(np.mean(bal)),
            "balanced_accuracy_ci": _t_interval(bal), "folds": acc, "chance": 1.0 / len(np.unique(y))}


def _t_interval(values: list[float]) -> list[float]:
    from scipy import stats

    v = np.asarray(values)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
    return [float(v.mean() - half), float(v.mean() + half)]
