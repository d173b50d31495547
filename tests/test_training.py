"""In-process smoke tests of the training entry points: checkpoints, TensorBoard, resume, refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import autoencoder
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


def _events(run: Path) -> list[Path]:
    return list((run / "tensorboard").glob("events.out.tfevents.*"))


def _scalar_steps(run: Path, tag: str) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    steps = []
    for path in _events(run):
        acc = EventAccumulator(str(path))
        acc.Reload()
        if tag in acc.Tags()["scalars"]:
            steps += [s.step for s in acc.Scalars(tag)]
    return sorted(steps)


@pytest.fixture(scope="module")
def vocoder_run(toy_data, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "vocoder"
    code = run_script(
        "train_vocoder",
        [
            "--data",
            str(toy_data),
            "--config",
            str(REPO / "configs/vocoder_tiny.yaml"),
            "--out",
            str(run),
            "--no-progress",
        ],
    )
    assert code == 0
    return run


def test_vocoder_training_writes_checkpoints_tensorboard_and_a_model(vocoder_run):
    assert sorted(p.name for p in (vocoder_run / "checkpoints").iterdir()) == ["step-3", "step-6"]
    assert _events(vocoder_run)
    assert _scalar_steps(vocoder_run, "train/loss") == [2, 4, 6]
    assert "valid/vocoder_mr_stft" in _tags(vocoder_run) and "valid/griffin_lim_mr_stft" in _tags(vocoder_run)
    vocoder, frontend = autoencoder.load_vocoder(vocoder_run / "model")
    assert frontend.settings == autoencoder.MelSettings()


def test_the_same_config_trains_the_same_weights(vocoder_run, toy_data, tmp_path):
    # The model is built before the loop seeds the data order: its initial weights must follow the seed too.
    again = tmp_path / "again"
    args = ["--data", toy_data, "--config", REPO / "configs/vocoder_tiny.yaml", "--out", again, "--no-progress"]
    assert run_script("train_vocoder", args) == 0
    weights = [next((run / "model").glob("*.safetensors")).read_bytes() for run in (vocoder_run, again)]
    assert weights[0] == weights[1]


def test_resume_of_a_run_killed_before_its_first_checkpoint_starts_it_again(vocoder_run, toy_data, tmp_path, capsys):
    # What a kill during the first checkpoint's save leaves: the run's config and a save never renamed.
    run = tmp_path / "killed"
    (run / "checkpoints" / ".tmp-step-3").mkdir(parents=True)
    (run / "checkpoints" / ".tmp-step-3" / "model.safetensors").write_bytes(b"half")
    (run / "config.yaml").write_text((vocoder_run / "config.yaml").read_text())
    args = ["--data", toy_data, "--config", REPO / "configs/vocoder_tiny.yaml", "--out", run, "--no-progress"]
    assert run_script("train_vocoder", args + ["--resume"]) == 0
    out = capsys.readouterr().out
    assert "stopped before its first checkpoint" in out and "removing .tmp-step-3" in out
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-3", "step-6"]
    assert json.loads((run / "metrics.json").read_text())["step"] == 6


def _tags(run: Path) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = set()
    for path in _events(run):
        acc = EventAccumulator(str(path))
        acc.Reload()
        tags |= set(acc.Tags()["scalars"]) | set(acc.Tags()["audio"]) | set(acc.Tags()["images"])
    return tags


def test_autoencoder_training_resumes_and_refuses_to_overwrite(vocoder_run, toy_data, tmp_path, capsys):
    run = tmp_path / "vae"
    args = [
        "--data",
        str(toy_data),
        "--config",
        str(REPO / "configs/autoencoder_tiny.yaml"),
        "--vocoder",
        str(vocoder_run / "model"),
        "--out",
        str(run),
        "--no-progress",
    ]
    assert run_script("train_autoencoder", args + ["loop.select_metric=mel_l1"]) == 0
    best = json.loads((run / "best" / "genre_ldm.json").read_text())["metrics"]
    assert best["step"] in (3, 6) and best["mel_l1"] == min(
        best["mel_l1"], json.loads((run / "metrics.json").read_text())["mel_l1"]
    )
    tags = _tags(run)
    assert {"valid/mel_l1", "valid/kl_per_dim", "valid/active_dims", "valid/pca_mel_l1", "train/lr"} <= tags
    assert {"clip0/original", "clip0/vocoder", "clip0/griffin_lim", "clip0/mel"} <= tags

    assert run_script("train_autoencoder", args) == 2  # an existing run is never silently overwritten
    assert "--resume" in capsys.readouterr().err
    fresh = [a if a != str(run) else str(tmp_path / "never-started") for a in args]
    assert run_script("train_autoencoder", fresh + ["--resume"]) == 2  # nothing to resume: refused, not started
    assert "holds no checkpoint" in capsys.readouterr().err and not (tmp_path / "never-started").exists()

    assert run_script("train_autoencoder", args + ["--resume", "loop.max_steps=9"]) == 0
    assert "resumed from" in capsys.readouterr().out
    assert json.loads((run / "metrics.json").read_text())["step"] == 9
    assert (run / "checkpoints" / "step-9").is_dir()
    assert _scalar_steps(run, "train/loss")[-1] == 8  # log_every 2: steps 2..8 after resuming at 6

    codec = autoencoder.load(run / "model")
    assert codec.latent_size == 16 and codec.vocoder is not None


def test_bad_config_values_exit_2_naming_the_key(toy_data, tmp_path, capsys):
    args = ["--data", str(toy_data), "--out", str(tmp_path / "x"), "--no-progress"]
    assert (
        run_script(
            "train_autoencoder", args + ["model.latent_size=100", "model.global_size=0", "model.latent_channels=3"]
        )
        == 2
    )
    assert "latent_size" in capsys.readouterr().err
    assert run_script("train_autoencoder", args + ["loop.mixed_precision=fp8"]) == 2
    assert "mixed_precision" in capsys.readouterr().err
    assert run_script("train_autoencoder", args + ["model.latent_sise=64"]) == 2
    assert "latent_sise" in capsys.readouterr().err
    vocoder = ["--data", str(toy_data), "--config", str(REPO / "configs/vocoder_tiny.yaml"), *args[2:]]
    assert run_script("train_vocoder", vocoder + ["stft_ffts=[4096, 1000]"]) == 2
    err = capsys.readouterr().err
    assert "stft_ffts [4096, 1000]" in err and "powers of two" in err


def test_vocoder_fine_tunes_on_vae_decoded_mels_and_can_be_linked(vocoder_run, toy_data, tmp_path):

    vae_run = tmp_path / "vae"
    assert (
        run_script(
            "train_autoencoder",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/autoencoder_tiny.yaml"),
                "--out",
                str(vae_run),
                "--no-progress",
            ],
        )
        == 0
    )
    assert autoencoder.load(vae_run / "model").vocoder is None  # trained without a vocoder: Griffin-Lim
    tuned = tmp_path / "tuned"
    assert (
        run_script(
            "train_vocoder",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/vocoder_tiny.yaml"),
                "--out",
                str(tuned),
                "--no-progress",
                f"init_from={vocoder_run / 'model'}",
                f"finetune_vae={vae_run / 'model'}",
            ],
        )
        == 0
    )
    assert run_script("link_vocoder", ["--model", str(vae_run / "model"), "--vocoder", str(tuned / "model")]) == 0
    codec = autoencoder.load(vae_run / "model")
    assert codec.vocoder is not None
    import torch

    base, _ = autoencoder.load_vocoder(vocoder_run / "model")
    assert not torch.equal(next(codec.vocoder.parameters()), next(base.parameters()))  # it did train


def test_plot_runs_draws_validation_curves_from_tensorboard(vocoder_run, tmp_path):
    from genre_base.training.curves import scalars

    assert sorted(scalars(vocoder_run, "valid/vocoder_mr_stft")) == [3, 6]
    out = tmp_path / "curves.png"
    assert run_script("plot_runs", [vocoder_run, "--tags", "valid/vocoder_mr_stft", "--out", out]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
