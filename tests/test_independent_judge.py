"""The independent judge end to end on the toy collection: selection on valid, test figures, shipping, reuse."""

import json

import numpy as np
import pytest

from genre_base import PreparedDataset
from genre_base.independent import load_independent_judge
from genre_base.intervals import Interval
from tests.helpers.scripts import run_script


@pytest.fixture(scope="module")
def judge_run(toy_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("ind_judge")
    rc = run_script(
        "train_independent_judge", ["--data", toy_data, "--out", out / "judge", "--results", out / "report.json"]
    )
    assert rc == 0
    return out


def test_judge_is_chosen_on_valid_and_scored_on_test(judge_run):
    report = json.loads((judge_run / "report.json").read_text())
    assert report["chosen"] == report["selection"][0]
    assert len(report["selection"]) == 3 * 2 * 5  # layers x standardisation x C
    test = report["test"]
    assert test["groups"] < test["n"]  # intervals resample tracks, not clips
    balanced = Interval.from_json(test["balanced_accuracy"])
    assert balanced.low <= balanced.value <= balanced.high and (balanced.n, balanced.groups) == (
        test["n"],
        test["groups"],
    )
    assert "baseline_mfcc_stats" in report
    # toy genres are trivially separable by their spectra: a working judge gets most of them
    assert balanced.value > 0.6


def test_shipped_judge_loads_and_predicts_audio(judge_run, toy_data):
    judge = load_independent_judge(judge_run / "judge")
    data = PreparedDataset(toy_data)
    rows = data.indices("test")[:6]
    probs = judge.probabilities(data.waves(rows), data.sample_rate)
    assert probs.shape == (6, len(judge.genres)) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert set(judge.predict(data.waves(rows), data.sample_rate)) <= set(judge.genres)


def test_embeddings_are_cached_and_the_run_is_not_overwritten(judge_run, toy_data, capsys):
    assert list((toy_data / "embeddings").glob("*/train.npz"))
    rc = run_script("train_independent_judge", ["--data", toy_data, "--out", judge_run / "judge"])
    assert rc == 2 and "exists" in capsys.readouterr().err
