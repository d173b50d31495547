"""The front-end comparison: the rule picks the smallest candidate that meets it, and a tiny run works end to end."""

from __future__ import annotations

import json

import pytest

from autoencoder.frontends import Candidate, FrontendRule, FrontendStudyConfig, choose, study_clips
from genre_base.intervals import Interval
from tests.helpers.scripts import run_script


def _row(n_mels: int, n_fft: int, harmony: float, onset: float) -> dict:
    return {
        "name": f"{n_mels}/{n_fft}",
        "n_mels": n_mels,
        "n_fft": n_fft,
        "ceiling": {
            "chroma4096_corr": Interval(harmony, harmony - 0.01, harmony).to_json(),
            "yardstick_onset_corr": Interval(onset, onset - 0.01, onset).to_json(),
        },
    }


def test_the_rule_takes_fewest_bands_then_the_smaller_fft_among_those_that_pass():
    rows = [
        _row(256, 2048, 0.99, 0.99),
        _row(128, 2048, 0.95, 0.98),
        _row(128, 1024, 0.95, 0.98),
        _row(80, 1024, 0.70, 0.99),
        _row(96, 1024, 0.95, 0.96),
    ]  # 96 fails on onset
    assert choose(rows, FrontendRule())["name"] == "128/1024"
    assert choose(rows, FrontendRule(harmony_min=0.999)) is None


def test_a_rank_deficient_candidate_is_a_config_error():
    from genre_base.config import ConfigError, load_config

    cfg = load_config(FrontendStudyConfig, values={"candidates": [{"n_mels": 128, "n_fft": 1024}]})
    assert cfg.candidates == [Candidate(128, 1024)]
    with pytest.raises(ValueError, match="n_mels=160"):
        from autoencoder.frontends import settings_of

        settings_of(Candidate(160, 1024))
    with pytest.raises(ConfigError, match="candidate"):
        load_config(FrontendStudyConfig, values={"candidates": []})


def test_a_tiny_comparison_writes_its_record_table_and_figure(toy_data, tmp_path):
    from genre_base.clips import PreparedDataset

    rows, tracks = study_clips(PreparedDataset(toy_data), "valid", 1)
    assert len(rows) == len(set(tracks))  # one window of every valid track
    out = tmp_path / "fe"
    args = [
        "--data",
        str(toy_data),
        "--out",
        str(out),
        "--no-cost",
        "clips_per_track=1",
        "griffin_lim_iters=2",
        "candidates=[{n_mels: 80, n_fft: 1024}, {n_mels: 128, n_fft: 1024}]",
    ]
    assert run_script("compare_frontends", args) == 0
    record = json.loads((out / "frontends.json").read_text())
    assert [c["name"] for c in record["candidates"]] == ["80/1024", "128/1024"]
    for c in record["candidates"]:
        m = Interval.from_json(c["ceiling"]["chroma4096_corr"])
        assert 0 < m.value <= 1 and m.low <= m.value <= m.high
    assert (out / "table.md").is_file() and (out / "frontends.png").is_file()
    assert run_script("compare_frontends", args) == 2  # an existing run is never overwritten silently
