"""The latent-size study: the rule on synthetic curves, and a tiny sweep that resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autoencoder.sweep import Layout, RuleConfig, SweepConfig, choose_size, latent_layout
from genre_base.intervals import Interval, is_interval
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


CEILINGS = {"onset_corr": 0.9, "chroma4096_corr": 0.9, "ind_agreement": 1.0}  # thresholds 0.72, 0.72, 0.7, FAD x2


def _curve(values: dict[int, tuple[float, float, float, float]]) -> list[dict]:
    return [
        {"size": d, "onset_corr": o, "chroma4096_corr": c, "ind_agreement": j, "fad_ratio": f}
        for d, (o, c, j, f) in values.items()
    ]


def test_rule_picks_the_smallest_size_meeting_every_threshold_relative_to_the_ceilings():
    rows = _curve(
        {16: (0.5, 0.6, 0.5, 5.0), 32: (0.76, 0.74, 0.9, 2.5), 64: (0.8, 0.76, 0.71, 1.9), 128: (0.9, 0.9, 0.95, 1.1)}
    )
    decision = choose_size(rows, RuleConfig(), CEILINGS)
    assert decision.size == 64 and decision.qualified  # 32 fails only the FAD ratio
    assert decision.analysis_sizes == (32, 64, 128)
    from autoencoder.sweep import _neighbours

    assert _neighbours(8) == (8, 16, 32) and _neighbours(4096) == (1024, 2048, 4096)  # always three distinct sizes
    assert "smallest size" in decision.reason and "[16, 32]" in decision.reason
    # the same rows against a lower ceiling: the thresholds move with it
    low = {"onset_corr": 0.6, "chroma4096_corr": 0.6, "ind_agreement": 0.6}
    assert choose_size(rows, RuleConfig(fad_ratio=6.0), low).size == 16


def test_rule_order_of_rows_does_not_matter_and_thresholds_are_config():
    rows = _curve({128: (0.9, 0.9, 0.95, 1.0), 16: (0.7, 0.7, 0.69, 1.5), 32: (0.8, 0.8, 0.9, 1.5)})
    assert choose_size(rows, RuleConfig(), CEILINGS).size == 32
    assert (
        choose_size(rows, RuleConfig(onset_fraction=0.7, chroma_fraction=0.7, agreement_fraction=0.6), CEILINGS).size
        == 16
    )
    with pytest.raises(ValueError, match="onset_fraction"):
        RuleConfig(onset_fraction=1.5)


def test_rule_reports_when_no_size_qualifies_and_falls_back_to_the_closest():
    rows = _curve({16: (0.2, 0.3, 0.3, 9.0), 64: (0.7, 0.7, 0.6, 2.2), 256: (0.6, 0.7, 0.65, 2.5)})
    decision = choose_size(rows, RuleConfig(), CEILINGS)
    assert not decision.qualified and decision.size == 64
    assert decision.reason.startswith("no size reaches") and "undetermined" not in decision.reason
    with pytest.raises(ValueError):
        choose_size([], RuleConfig(), CEILINGS)


def test_rule_says_undetermined_when_shortfall_intervals_overlap():
    rows = _curve({64: (0.7, 0.7, 0.6, 2.2), 256: (0.68, 0.7, 0.62, 2.3), 512: (0.6, 0.6, 0.5, 3.0)})
    intervals = {64: Interval(0.3, 0.2, 0.4), 256: Interval(0.2, 0.1, 0.3), 512: Interval(0.7, 0.5, 0.9)}
    for r in rows:
        r["shortfall"] = intervals[r["size"]]
    decision = choose_size(rows, RuleConfig(), CEILINGS)
    assert not decision.qualified and decision.size == 64
    assert "undetermined between sizes [64, 256]" in decision.reason


@pytest.mark.parametrize(
    "size,frames,fraction,layout",
    [
        (8, 32, 0.0, (8, 0, 1, 8)),
        (16, 32, 0.5, (16, 8, 1, 8)),
        (64, 32, 0.5, (64, 32, 1, 32)),
        (128, 32, 0.5, (128, 64, 2, 32)),
        (1024, 32, 0.5, (1024, 512, 16, 32)),
        (48, 32, 0.0, (64, 0, 2, 32)),
        (128, 108, 0.0, (108, 0, 1, 108)),
        (512, 108, 0.0, (540, 0, 5, 108)),
        (2048, 108, 0.0, (2052, 0, 19, 108)),
    ],
)
def test_latent_layout_keeps_the_frames_and_rounds_the_channels(size, frames, fraction, layout):
    assert tuple(latent_layout(size, frames, fraction)) == layout


def test_a_sweep_covers_every_size_at_every_frame_count_and_the_rule_keeps_d_stars_frames():
    cfg = SweepConfig(sizes=[128, 256, 512], frames=[32, 108], full_max_steps=8000)
    assert [lo.name for lo in cfg.layouts()] == ["1x108", "4x32", "2x108", "8x32", "16x32", "5x108"]
    assert len({lo.run_name for lo in cfg.layouts()}) == 6
    rows = [
        {
            "size": lo.size,
            "layout": lo.name,
            "channels": lo.channels,
            "frames": lo.frames,
            "onset_corr": 0.5 + 0.1 * (lo.frames == 108),
            "chroma4096_corr": 0.8,
            "ind_agreement": 0.9,
            "fad_ratio": 1.5 if lo.size > 200 else 3.0,
        }
        for lo in cfg.layouts()
    ]
    decision = choose_size(rows, RuleConfig(onset_fraction=0.6), CEILINGS)  # onset >= 0.54: only 108 frames pass
    assert decision.qualified and decision.layout == "2x108" and decision.frames == 108
    assert decision.analysis_sizes == (108, 216, 432) and decision.analysis_layouts[2] == [432, 0, 4, 108]
    assert "216 (2x108)" in decision.reason
    full = cfg.full_budget([Layout(*lo) for lo in decision.analysis_layouts])
    assert [lo.name for lo in full.layouts()] == ["1x108", "2x108", "4x108"]
    with pytest.raises(ValueError, match="frames"):
        SweepConfig(frames=[])


@pytest.mark.slow
def test_tiny_sweep_runs_end_to_end_and_resumes_after_an_interruption(toy_data, tmp_path, monkeypatch):

    import autoencoder.training.sweep_runner as runner

    assert (
        run_script(
            "train_vocoder",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/vocoder_tiny.yaml"),
                "--out",
                str(tmp_path / "voc"),
                "--no-progress",
            ],
        )
        == 0
    )
    assert (
        run_script(
            "train_classifier",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/judge_tiny.yaml"),
                "--out",
                str(tmp_path / "judge"),
                "--no-progress",
                "loop.max_steps=10",
            ],
        )
        == 0
    )
    args = [
        "--data",
        str(toy_data),
        "--vocoder",
        str(tmp_path / "voc/model"),
        "--judge",
        str(tmp_path / "judge/model"),
        "--config",
        str(REPO / "configs/sweep_tiny.yaml"),
        "--out",
        str(tmp_path / "sweep"),
        "--no-progress",
    ]

    real_evaluate = runner.evaluate_size

    def interrupted(cfg, run_dir, *a, **k):  # the second size dies after training, before evaluation
        if run_dir.name == "vae-0016-f008":
            raise KeyboardInterrupt
        return real_evaluate(cfg, run_dir, *a, **k)

    monkeypatch.setattr(runner, "evaluate_size", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_script("sweep_latent_sizes", args)
    monkeypatch.undo()
    first = (tmp_path / "sweep/vae-0008-f008/model/diffusion_pytorch_model.safetensors").stat().st_mtime_ns
    assert not (tmp_path / "sweep/sweep.json").exists()

    assert run_script("sweep_latent_sizes", args) == 0
    assert (
        tmp_path / "sweep/vae-0008-f008/model/diffusion_pytorch_model.safetensors"
    ).stat().st_mtime_ns == first  # skipped
    record = json.loads((tmp_path / "sweep/sweep.json").read_text())
    assert [r["size"] for r in record["rows"]["test"]] == [8, 16]
    assert record["decision"]["size"] in (8, 16) and record["decision"]["reason"]
    assert {
        "vae_mel_l1",
        "pca_mel_l1",
        "onset_corr",
        "judge_agreement",
        "ceiling_onset_corr",
        "ind_agreement",
        "fad_ratio",
        "ceiling_ind_agreement",
        "shortfall",
    } <= set(record["rows"]["valid"][0])
    valid = record["rows"]["valid"][0]
    assert all(is_interval(valid[k]) for k in ("vae_mel_l1", "onset_corr", "fad_ratio", "shortfall"))
    assert not any(k.endswith("_ci") for k in valid)
    gap = Interval.from_json(valid["shortfall_gap"]["2x8"])  # the paired gap to the other size, with its estimate
    assert gap.low <= gap.value <= gap.high
    assert record["thresholds"]["onset_corr"] == pytest.approx(0.8 * record["ceilings"]["onset_corr"])
    table = (tmp_path / "sweep/table.md").read_text()
    assert "Independent judge on real test clips" in table and "| 16 | 2x8 |" in table
    assert (tmp_path / "sweep/rate_distortion_test.png").stat().st_size > 10_000

    # The chosen sizes continue from the brief sweep's checkpoints to a longer budget; a size the
    # brief sweep never trained starts from scratch.
    full = [
        "--data",
        str(toy_data),
        "--vocoder",
        str(tmp_path / "voc/model"),
        "--judge",
        str(tmp_path / "judge/model"),
        "--config",
        str(REPO / "configs/sweep_tiny.yaml"),
        "--out",
        str(tmp_path / "full"),
        "--no-progress",
        "--sizes",
        "16,32",
        "--continue-from",
        str(tmp_path / "sweep"),
        "vae.loop.max_steps=9",
    ]
    starts = {}
    real_train = runner.train

    def recording(task, cfg, run_dir, *a, **k):
        starts[Path(run_dir).name] = runner.latest_checkpoint(Path(run_dir))
        return real_train(task, cfg, run_dir, *a, **k)

    monkeypatch.setattr(runner, "train", recording)
    assert run_script("sweep_latent_sizes", full) == 0
    monkeypatch.undo()
    assert starts["vae-0016-f008"].name == "step-6" and starts["vae-0032-f008"] is None
    assert json.loads((tmp_path / "full/vae-0016-f008/metrics.json").read_text())["step"] == 9
    assert json.loads((tmp_path / "full/sweep.json").read_text())["continued_from"] == str(tmp_path / "sweep")
    assert (tmp_path / "full/vae-0032-f008/metrics.json").is_file()


@pytest.mark.slow
def test_rule_applied_to_trained_models_without_training(toy_data, tiny_stage_one, tmp_path):
    args = [
        "--models",
        str(tiny_stage_one),
        "--data",
        str(toy_data),
        "--out",
        str(tmp_path / "rule"),
        "--config",
        str(REPO / "configs/sweep_tiny.yaml"),
        "--no-progress",
    ]
    assert run_script("apply_rule", args) == 0
    record = json.loads((tmp_path / "rule/rule.json").read_text())
    row = record["rows"]["valid"][0]
    assert row["size"] == 16 and record["decision"]["size"] == 16 and is_interval(row["shortfall"])
    assert set(record["thresholds"]) == {"onset_corr", "chroma4096_corr", "ind_agreement", "fad_ratio"}
    assert run_script("apply_rule", args) == 2  # an existing decision is kept unless --force
    alone = json.loads((tmp_path / "rule/eval_valid_D16_2x8.json").read_text())["pca_training_clips"]
    # PCA on the audio the model trained on: a prepared folder passed as extra music doubles its clips
    assert run_script("apply_rule", [*args, "--force", "--extra-src", str(toy_data)]) == 0
    record = json.loads((tmp_path / "rule/rule.json").read_text())
    assert record["pca_extra_data"] == [str(toy_data)]
    assert json.loads((tmp_path / "rule/eval_valid_D16_2x8.json").read_text())["pca_training_clips"] == 2 * alone


def test_a_paired_gap_can_separate_sizes_whose_marginal_intervals_overlap():
    rows = _curve({64: (0.7, 0.7, 0.6, 2.2), 256: (0.72, 0.72, 0.65, 2.1)})  # 256 has the smaller shortfall
    rows[0]["shortfall"], rows[1]["shortfall"] = Interval(0.3, 0.2, 0.4), Interval(0.2, 0.1, 0.3)  # they overlap
    rows[0]["shortfall_gap"] = {"256": Interval(0.03, 0.01, 0.05)}  # but clip for clip 64 is surely worse than 256
    decision = choose_size(rows, RuleConfig(), CEILINGS)
    assert decision.size == 256 and "undetermined" not in decision.reason
    rows[0]["shortfall_gap"] = {"256": Interval(0.02, -0.01, 0.05)}  # the paired interval includes 0: undetermined
    decision = choose_size(rows, RuleConfig(), CEILINGS)
    assert (
        decision.size == 64
        and "undetermined between sizes [64, 256]" in decision.reason
        and "paired" in decision.reason
    )
