"""Measures on the independent embedding, on synthetic arrays with known answers."""

import numpy as np
import pytest
import torch

from genre_base.independent.judge import EmbeddingClassifier, select_and_fit
from genre_base.independent.measures import (
    agreement,
    classification,
    density_coverage,
    fad,
    frechet_distance,
    matched,
    precision_recall,
)
from genre_base.intervals import Interval


def test_frechet_distance_of_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4000, 4)), rng.standard_normal((4000, 4))
    assert frechet_distance(a, b) < 0.05
    assert abs(frechet_distance(a, b + [3.0, 0, 0, 0]) - 9.0) < 0.3


def test_fad_interval_resamples_tracks_and_widens_with_correlated_clips():
    rng = np.random.default_rng(1)
    tracks = np.repeat(np.arange(20), 6)
    # clips of one track share a track effect: resampling tracks sees 20 draws, not 120
    a = rng.standard_normal((20, 3))[tracks] + 0.3 * rng.standard_normal((120, 3))
    b = rng.standard_normal((120, 3))
    by_track = Interval.from_json(fad(a, tracks, b, np.arange(120), n_boot=200))
    by_clip = Interval.from_json(fad(a, np.arange(120), b, np.arange(120), n_boot=200))
    assert by_track.groups == (20, 120) and by_track.n == (120, 120)
    assert 0 < by_track.low < by_track.high
    assert by_track.high - by_track.low > by_clip.high - by_clip.low


def test_matched_sets_share_size_and_genre_mix():
    ga = np.array(["rock"] * 10 + ["jazz"] * 3 + ["pop"] * 4)
    gb = np.array(["rock"] * 2 + ["jazz"] * 8)
    ia, ib, kept = matched(ga, gb)
    assert kept == ["jazz", "rock"]
    assert sorted(ga[ia].tolist()) == sorted(gb[ib].tolist()) == ["jazz"] * 3 + ["rock"] * 2


def test_classification_intervals_and_per_genre():
    truth = np.array(["a"] * 30 + ["b"] * 30)
    predicted = truth.copy()
    predicted[:10] = "b"
    out = classification(truth, predicted, np.repeat(np.arange(12), 5), n_boot=200)
    balanced = Interval.from_json(out["balanced_accuracy"])
    assert balanced.value == pytest.approx((20 / 30 + 1) / 2) and (balanced.n, balanced.groups) == (60, 12)
    assert balanced.low < balanced.value < balanced.high and not any(k.endswith("_ci") for k in out)
    assert Interval.from_json(out["per_genre"]["b"]) == Interval(1.0, 1.0, 1.0, n=30) and out["groups"] == 12


def test_agreement_and_kl():
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    out = agreement(p, np.array([[0.6, 0.4], [0.7, 0.3]]))
    assert out["agreement"].tolist() == [1.0, 0.0]
    assert (out["kl"] > 0).all()
    assert np.allclose(agreement(p, p)["kl"], 0)


def test_density_coverage_and_precision_recall_tell_collapse_from_match():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((300, 2))
    same = rng.standard_normal((300, 2))
    collapsed = 0.05 * rng.standard_normal((300, 2))
    far = rng.standard_normal((300, 2)) + 8
    good, bad = density_coverage(real, same), density_coverage(real, collapsed)
    assert 0.7 < good["density"] < 1.3 and good["coverage"] > 0.9
    assert bad["coverage"] < 0.3
    assert density_coverage(real, far)["density"] == 0
    pr_good, pr_bad = precision_recall(real, same), precision_recall(real, collapsed)
    assert pr_good["precision"] > 0.9 and pr_good["recall"] > 0.9
    assert pr_bad["precision"] > 0.9 and pr_bad["recall"] < 0.3


def test_judge_selection_uses_valid_and_matches_sklearn():
    rng = np.random.default_rng(3)
    genres = ["a", "b", "c"]
    centres = {"good": rng.standard_normal((3, 5)) * 3, "noise": np.zeros((3, 5))}
    y = np.repeat(genres, 40)
    idx = np.repeat(np.arange(3), 40)
    feats = {name: c[idx] + rng.standard_normal((120, 5)) for name, c in centres.items()}
    valid = {name: c[idx] + rng.standard_normal((120, 5)) for name, c in centres.items()}
    clf, table = select_and_fit(feats, y, valid, y, genres, c_grid=(0.1, 1.0))
    assert clf.config.layer == "good" and table[0].valid_balanced_accuracy > 0.9
    assert len(table) == 2 * 2 * 2
    probs = clf(torch.as_tensor(valid["good"], dtype=torch.float32)).detach().numpy()
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (np.asarray(genres)[probs.argmax(1)] == y).mean() > 0.9


def test_classifier_round_trips(tmp_path):
    rng = np.random.default_rng(4)
    y = np.repeat(["x", "y"], 20)
    x = {"l": rng.standard_normal((40, 3)) + (y == "x")[:, None] * 2}
    clf, _ = select_and_fit(x, y, x, y, ["x", "y"], c_grid=(1.0,))
    clf.save_pretrained(str(tmp_path))
    again = EmbeddingClassifier.from_pretrained(str(tmp_path))
    t = torch.as_tensor(x["l"], dtype=torch.float32)
    assert torch.allclose(clf(t), again(t)) and again.config.genres == ["x", "y"]


def test_fad_against_pairs_the_floor():
    from genre_base.independent.measures import fad_against

    rng = np.random.default_rng(5)
    tracks = np.repeat(np.arange(30), 4)
    real = rng.standard_normal((120, 3))
    sets = {"original": real + 0.1 * rng.standard_normal((120, 3)), "worse": real + [2.0, 0, 0]}
    out = fad_against(
        sets, tracks, rng.standard_normal((200, 3)), np.repeat(np.arange(50), 4), base="original", n_boot=200
    )
    assert Interval.from_json(out["worse"]["fad"]).value > Interval.from_json(out["original"]["fad"]).value
    ratio = Interval.from_json(out["worse"]["ratio_to_original"])
    assert ratio.low > 1 and ratio.value > 1
    assert set(out["original"]) == {"fad"}  # the floor has no ratio to itself
