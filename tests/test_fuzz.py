"""A small run of the fuzz harness (scripts/dev/fuzz.py; the full budget is a command): every seeded case at the
audio, config and latents boundaries ends in a result or a user error, in a worker subprocess."""

from __future__ import annotations

import pytest

from tests.helpers.scripts import load_dev_script


def test_cases_are_seeded():
    fuzz = load_dev_script("fuzz")
    assert fuzz.draw_cases(3, 5, ["audio", "config"]) == fuzz.draw_cases(3, 5, ["audio", "config"])
    assert fuzz.draw_cases(3, 5, ["audio"]) != fuzz.draw_cases(4, 5, ["audio"])


@pytest.mark.slow
def test_a_small_fuzz_run_finds_nothing():
    fuzz = load_dev_script("fuzz")
    result = fuzz.report(fuzz.run_cases(fuzz.draw_cases(0, 8, ["audio", "config", "latents"]), timeout=120))
    assert result["cases"] == 24
    assert not result["findings"], [(f["id"], f["outcome"], f["detail"][-500:]) for f in result["findings"]]
    assert set(result["per_boundary"]) == {"audio", "config", "latents"}


@pytest.mark.slow
def test_a_crashing_worker_is_a_finding_not_the_end_of_the_run(monkeypatch):
    fuzz = load_dev_script("fuzz")
    # A case whose runner kills its own process, as a segfault in a decoder would; the next case still runs.
    cases = [{"boundary": "crash", "id": "crash-0"}, *fuzz.draw_cases(0, 1, ["config"])]
    monkeypatch.setenv("GENRE_LDM_FUZZ_CRASH", "1")
    results = fuzz.run_cases(cases, timeout=120)
    assert [r["outcome"] for r in results][0] == "crash"
    assert results[1]["outcome"] in fuzz.FINE
