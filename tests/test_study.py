"""The whole study on a tiny config, and the report built from it: numbers, conclusions, sections, audio."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from genre_base.intervals import Interval
from genre_base.report_numbers import Numbers, used_numbers_match, verdict
from genre_ldm.study_config import STEP_NAMES
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]
SECTIONS = (
    "1. How small can the vector be?",
    "2. What relations appear",
    "3. Does the encoder work on new music?",
    "4. Generating by changing latents",
    "5. Generating with latent diffusion",
)


def _iv(low: float, high: float) -> Interval:
    return Interval((low + high) / 2, low, high)


def test_verdict_claims_a_winner_only_when_intervals_are_apart():
    assert "beats" in verdict("A", _iv(0.1, 0.2), "B", _iv(0.3, 0.4), "L1")
    assert "is worse than" in verdict("A", _iv(0.5, 0.6), "B", _iv(0.3, 0.4), "L1")
    assert "cannot be told apart" in verdict("A", _iv(0.25, 0.35), "B", _iv(0.3, 0.4), "L1")
    assert "beats" in verdict("A", _iv(0.5, 0.6), "B", _iv(0.3, 0.4), "accuracy", lower_is_better=False)


def test_study_runs_end_to_end_and_skips_current_steps(study, capsys):

    record = json.loads((study / "study.json").read_text())
    assert set(record["seconds"]) == set(STEP_NAMES)
    assert run_script("run_study", ["--out", str(study), "--config", str(REPO / "configs/study_tiny.yaml")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("current") == len(STEP_NAMES) and "running" not in printed


def test_every_number_in_the_report_comes_from_the_metrics_files(study):
    page = (study / "report" / "report.html").read_text()
    used = json.loads((study / "report" / "numbers.json").read_text())
    assert len(used) > 40
    assert used_numbers_match(study, used) == []
    text = re.sub(r"<[^>]+>", " ", re.sub(r"src='data:[^']+'", "", page))
    missing = [u for u in used if u["text"] not in text]
    assert missing == []
    # The check can fail: change one metric and the recorded number no longer matches.
    gen = study / "generation" / "generation.json"
    saved = gen.read_text()
    result = json.loads(saved)  # clips of every genre per setting, a remedy tried, stage one's share of the gap
    # staged search: scales x remedies with ddim, then dpm at the guidance that pass chose
    first = [r for r in result["guidance_sweep_valid"] if r["sampler"] == "ddim"]
    assert {r["setting"].split(", ")[-1] for r in first} == {"g=1", "g=3", "g=3 rescale 0.7"}
    from diffusion.settings_sweep import choose_setting

    dpm = [r for r in result["guidance_sweep_valid"] if r["sampler"] == "dpm"]
    assert [r["guidance_settings"] for r in dpm] == [
        choose_setting(first, result["fad_margin"])[0]["guidance_settings"]
    ]
    assert all("worst_genre" in r for r in result["guidance_sweep_valid"]) and "chosen_because" in result
    assert result["num_generated"] == 10 * len(result["recognition"]["generated"]["per_genre"])
    assert set(result["fad_from_test"]) >= {"generated", "reconstructed_train", "floor_valid", "ratios"}
    assert set(result["memorisation"]) == {"embedding", "latent", "mel"}
    try:
        value = json.loads(saved)
        value["memorisation"]["embedding"]["fraction"]["value"] += 0.5
        gen.write_text(json.dumps(value))
        assert any("memorisation" in m for m in used_numbers_match(study, used))
    finally:
        gen.write_text(saved)


def test_a_conclusion_flips_when_the_interval_crosses_the_baseline(study, tmp_path):
    from analysis.report import build_report

    copy = tmp_path / "copy"
    shutil.copytree(study, copy, symlinks=True)
    rel = copy / "generation" / "generation.json"
    value = json.loads(rel.read_text())
    base = value["fad"]["sets"]["reconstructed_test"]["fad"]
    base = [base["low"], base["high"]]

    def sentence(ci: list[float]) -> str:
        value["fad"]["sets"]["generated"]["fad"].update(low=ci[0], high=ci[1])
        rel.write_text(json.dumps(value))
        build_report(copy)
        page = (copy / "report" / "report.html").read_text()
        return re.search(
            r"On FAD from the real train clips, the generated set [^<]*the test clips through stage one[^<]*", page
        ).group(0)

    assert "beats" in sentence([base[0] / 4, base[0] / 2])
    assert "is worse than" in sentence([base[1] * 2, base[1] * 3])
    assert "cannot be told apart" in sentence(base)


def test_report_has_every_section_and_decodable_audio_and_a_pdf(study):
    page = (study / "report" / "report.html").read_text()
    for title in SECTIONS:
        assert title in page
    sources = re.findall(r"<audio controls preload='none' src='data:audio/ogg;base64,([^']+)'", page)
    assert len(sources) >= 10
    for src in sources:
        data, rate = sf.read(io.BytesIO(base64.b64decode(src)))
        assert rate == 22050 and len(data) > rate  # more than a second of real audio
    assert (study / "report" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert Numbers(study).raw("generation/generation.json", "num_clips") > 0


def test_reuse_links_earlier_outputs_instead_of_recomputing(study, tmp_path, capsys):

    out = tmp_path / "again"
    args = [
        "--out",
        str(out),
        "--config",
        str(REPO / "configs/study_tiny.yaml"),
        "--only",
        "prepare,vocoder,sweep",
        f"reuse.prepare={study / 'data'}",
        f"reuse.vocoder={study / 'vocoder' / 'model'}",
        f"reuse.sweep={study / 'sweep'}",
    ]
    assert run_script("run_study", args) == 0
    printed = capsys.readouterr().out
    assert "running" not in printed
    assert (out / "data").resolve() == (study / "data").resolve()
    assert (out / "vocoder" / "model").resolve() == (study / "vocoder" / "model").resolve()
    assert (out / "sweep" / "sweep.json").is_file()
    assert (
        run_script(
            "run_study",
            [
                "--out",
                str(tmp_path / "bad"),
                "--config",
                str(REPO / "configs/study_tiny.yaml"),
                "--only",
                "prepare",
                f"reuse.prepare={tmp_path / 'missing'}",
            ],
        )
        != 0
    )


def test_a_typo_in_the_last_steps_settings_fails_before_the_first_step(tmp_path, capsys):
    out = tmp_path / "typo"
    code = run_script(
        "run_study",
        ["--out", str(out), "--config", str(REPO / "configs/study_tiny.yaml"), "diffusion.set={loop: {max_stepz: 3}}"],
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "diffusion" in err and "max_stepz" in err and err.count("\n") == 1  # one line, no traceback
    assert not out.exists()  # not even the prepare step ran
    bad_file = tmp_path / "study.yaml"
    bad_file.write_text(
        (REPO / "configs/study_tiny.yaml").read_text().replace("configs/diffusion_tiny.yaml", "configs/nope.yaml")
    )
    assert run_script("run_study", ["--out", str(out), "--config", str(bad_file)]) == 2
    assert "nope.yaml" in capsys.readouterr().err and not out.exists()


def test_pdf_items_have_each_heading_before_its_section(study):
    from analysis.report import Report, part_analysis, part_stage_one

    r = Report(study, dataset_audio=False)
    part_stage_one(r)
    first_section_items = len(r.pdf_items)
    part_analysis(r)
    kinds = [kind for kind, _ in r.pdf_items]
    assert kinds[0] == "heading" and r.pdf_items[0][1].startswith("1.")
    assert r.pdf_items[first_section_items] == (
        "heading",
        "2. What relations appear between the vectors, and how does size change them?",
    )
    assert kinds.count("heading") == 2 and r.data_name == "toy"


def test_a_report_is_built_from_parts_kept_in_different_folders(study, tmp_path):
    from analysis.report_parts import PARTS

    parts = [f"{name}={study / name}" for name in PARTS if (study / name).is_dir()]
    assert (
        run_script("build_report", ["--out", str(tmp_path / "r"), "--toy"] + sum((["--part", p] for p in parts), []))
        == 0
    )
    used = json.loads((tmp_path / "r" / "numbers.json").read_text())
    own = json.loads((study / "report" / "numbers.json").read_text())
    assert [u["text"] for u in used] == [u["text"] for u in own]  # the same numbers as the study's own report
    assert run_script("build_report", ["--out", str(tmp_path / "x"), "--part", f"nonsense={study}"]) == 2
    assert (
        run_script("build_report", ["--out", str(tmp_path / "y"), "--part", f"data={study / 'data'}"]) == 2
    )  # no sweep
    page = (tmp_path / "r" / "report.html").read_text()
    assert all(title in page for title in SECTIONS)


def test_toy_audio_killed_half_way_leaves_nothing_to_mistake_for_the_collection(tmp_path, monkeypatch):
    # A kill while the toy collection was written left a partial folder that the rerun took as the collection.
    from genre_ldm import study as study_module
    from genre_ldm.study_config import load_study_config

    def half_then_fail(out, **kwargs):
        (Path(out) / "blues").mkdir(parents=True)
        (Path(out) / "blues" / "blues.00000.wav").write_bytes(b"RIFF")
        raise KeyboardInterrupt("killed while writing the toy collection")

    monkeypatch.setattr(study_module, "make_toy_genres", half_then_fail)
    study = study_module.Study(load_study_config(str(REPO / "configs/study_tiny.yaml")), None, tmp_path / "s")
    with pytest.raises(KeyboardInterrupt):
        study.step_prepare()
    assert not (tmp_path / "s" / "toy_audio").exists() and not list((tmp_path / "s").glob(".toy_audio*"))
