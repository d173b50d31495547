"""Analysis on synthetic data where the answer is known: blobs are found, noise is not."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.clustering import (
    agglomerative,
    balance_k,
    centroid_distances,
    elbow_k,
    gmm_bic,
    kmeans_sweep,
    precision_at_k,
)
from analysis.probes import held_out_probe, select_probe
from genre_base.intervals import Interval
from tests.helpers.scripts import run_script


def _data(separable: bool, n_classes=5, tracks_per_class=8, clips=3, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6.0, (n_classes, dim))
    X, y, groups, split = [], [], [], []
    for c in range(n_classes):
        for t in range(tracks_per_class):
            track_centre = centres[c] + rng.normal(0, 0.5, dim) if separable else rng.normal(0, 1, dim)
            for _ in range(clips):
                X.append(track_centre + rng.normal(0, 0.5, dim) if separable else rng.normal(0, 1, dim))
                y.append(c)
                groups.append(f"{c}-{t}")
                split.append("test" if t < 2 else "valid" if t < 3 else "train")
    return np.array(X), np.array(y), np.array(groups), np.array(split)


def test_blobs_give_probes_far_above_chance_and_near_perfect_clusters():
    X, y, groups, split = _data(True)
    for name in ("logistic", "knn"):
        held = held_out_probe(name, X, y, split, groups)
        accuracy = Interval.from_json(held["accuracy"])
        assert accuracy.value > 0.95 and accuracy.low > 0.8
        m = np.array(held["confusion"]["matrix"])
        assert m.shape == (5, 5) and np.trace(m) / m.sum() == accuracy.value
        assert Interval.from_json(held["balanced_accuracy"]).value > 0.95 and held["test_tracks"] == 10
    rows = kmeans_sweep(X, y, range(2, 9))
    at5 = next(r for r in rows if r["k"] == 5)
    assert at5["ari"] > 0.95 and at5["v_measure"] > 0.95
    assert balance_k(rows) == 5 and elbow_k(rows) == 5
    _, k_bic = gmm_bic(X, y, range(2, 9))
    assert k_bic == 5
    assert agglomerative(X, y, 5)["ari"] > 0.95
    assert precision_at_k(X, y, groups, 5).mean() > 0.95
    d = centroid_distances(X, y, 5)
    assert d.shape == (5, 5) and np.allclose(np.diag(d), 0) and (d[~np.eye(5, dtype=bool)] > 3).all()


def test_noise_gives_chance_probes_and_no_clusters():
    X, y, groups, split = _data(False)
    chance = 1 / 5
    for name in ("logistic", "knn"):
        accuracy = Interval.from_json(held_out_probe(name, X, y, split, groups)["accuracy"])
        assert abs(accuracy.value - chance) < 0.2
        assert accuracy.low < chance + 0.1
    at5 = next(r for r in kmeans_sweep(X, y, range(2, 9)) if r["k"] == 5)
    assert abs(at5["ari"]) < 0.1 and at5["v_measure"] < 0.15
    assert abs(precision_at_k(X, y, groups, 5).mean() - chance) < 0.1


def test_elbow_on_a_known_curve_and_probe_errors():
    rows = [{"k": k, "inertia": v} for k, v in zip(range(2, 9), [100, 40, 12, 10, 9, 8, 7])]
    assert elbow_k(rows) == 4
    X, y, groups, split = _data(True)
    with pytest.raises(ValueError, match="unknown probe"):
        held_out_probe("svm", X, y, split, groups)
    with pytest.raises(ValueError, match="rows"):
        held_out_probe("knn", X, y, np.array(["train"] * len(y)), groups)


def test_preprocessing_is_chosen_on_valid_not_imposed():
    """Informative dimensions with a large scale plus many small noise dimensions (like PCA's tail):
    standardising lifts the noise to the signal's weight, so k-NN picks 'none' on valid and beats the
    standardised k-NN on test."""
    X, y, groups, split = _data(True, dim=4, seed=1)
    rng = np.random.default_rng(2)
    X = np.concatenate([X * 10, rng.normal(0, 0.1, (len(X), 200))], axis=1)
    chosen = select_probe("knn", X, y, split)
    assert chosen["preprocessing"] == "none"
    assert {(r["preprocessing"], r["value"]) for r in chosen["table"]} >= {("standardise", 5), ("none", 20)}
    standardised = [r for r in chosen["table"] if r["preprocessing"] == "standardise"]
    assert max(r["valid_balanced_accuracy"] for r in standardised) < chosen["valid_balanced_accuracy"]
    with pytest.raises(ValueError, match="train and valid rows"):
        select_probe("knn", X, y, np.where(split == "valid", "train", split))


@pytest.mark.slow
def test_analyze_cli_on_toy_latents(toy_data, tmp_path):
    import csv
    import json

    assert (
        run_script(
            "encode_dataset", ["--data", str(toy_data), "--baseline", "mfcc", "--out", str(tmp_path / "mfcc.npz")]
        )
        == 0
    )
    assert (
        run_script(
            "encode_dataset",
            ["--data", str(toy_data), "--baseline", "pca", "--dim", "8", "--out", str(tmp_path / "pca.npz")],
        )
        == 0
    )
    assert (
        run_script(
            "analyze",
            [str(tmp_path / "mfcc.npz"), str(tmp_path / "pca.npz"), "--out", str(tmp_path / "an"), "--no-umap"],
        )
        == 0
    )
    rows = list(csv.DictReader(open(tmp_path / "an/comparison.csv")))
    assert [r["name"] for r in rows] == ["mfcc", "pca"]
    assert float(rows[0]["logistic_test"]) > 3 * float(rows[0]["chance"])  # toy genres are easy for MFCC statistics
    differences = json.loads((tmp_path / "an/differences.json").read_text())
    assert {(d["a"], d["b"]) for d in differences} == {("mfcc", "pca"), ("pca", "mfcc")}
    result = json.loads((tmp_path / "an/analysis.json").read_text())["mfcc"]
    assert set(result["views"]) == {"flat/clip", "flat/song"}
    assert len(result["views"]["flat/clip"]["kmeans"]) == 19
    assert (tmp_path / "an/mfcc_maps.png").stat().st_size > 10_000
    assert run_script("analyze", [str(tmp_path / "missing.npz"), "--out", str(tmp_path / "x")]) == 2
