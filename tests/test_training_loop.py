"""The shared training loop itself: learning-rate schedule, best model across a resume, process
counts, mixed precision, devices, and two real data-parallel processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from genre_base.device import DeviceError
from genre_base.training import LoopConfig, train
from genre_base.training.loop import STATE_FILE, ResumeMismatchError, latest_checkpoint
from tests.helpers.scripted_task import ScriptedTask, exported

REPO = Path(__file__).resolve().parents[1]


def _loop(**kw) -> LoopConfig:
    base = dict(
        max_steps=8,
        batch_size=8,
        lr=0.1,
        warmup_steps=2,
        valid_every=1,
        media_every=1000,
        checkpoint_every=2,
        log_every=1,
        select_metric="distance",
    )
    return LoopConfig(**{**base, **kw})


def test_learning_rate_follows_the_schedule_to_zero_at_the_last_step(tmp_path):
    cfg = _loop()
    metrics = train(ScriptedTask(), cfg, tmp_path / "run", cfg, progress=False)
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert final["step"] == 8 and final["num_processes"] == 1
    assert final["lr"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["distance"] == 5.0


def test_best_model_survives_an_interruption_and_resume(tmp_path):
    cfg = _loop()
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):  # killed at step 5: the newest checkpoint is step-4
        train(ScriptedTask(best_step=3, interrupt_at=5), cfg, run, cfg, progress=False)
    assert latest_checkpoint(run).name == "step-4"
    best_before, weights_before = exported(run / "best")
    assert best_before["step"] == 3
    train(ScriptedTask(best_step=3), cfg, run, cfg, resume=True, progress=False)
    best, weights = exported(run / "best")
    # Steps 5..8 are all worse than step 3 (distance 2..5 vs 0): the exported best must stay step 3's.
    assert best["step"] == 3 and best["distance"] == 0.0
    assert all(torch.equal(weights[k], weights_before[k]) for k in weights)


def test_an_export_interrupted_half_way_leaves_no_model_folder(tmp_path):
    # The study takes an existing model folder as a finished step: a half-written one must never appear.
    cfg = _loop(select_metric="")
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(ScriptedTask(interrupt_export=True), cfg, run, cfg, progress=False)
    assert not (run / "model").exists() and not list(run.glob(".model*"))
    train(ScriptedTask(), cfg, run, cfg, resume=True, progress=False)  # the last checkpoint is the last step
    metrics, _ = exported(run / "model")
    assert metrics["distance"] == 5.0


def test_resume_with_another_process_count_is_refused(tmp_path):
    cfg = _loop(max_steps=4)
    run = tmp_path / "run"
    train(ScriptedTask(), cfg, run, cfg, progress=False)
    info = latest_checkpoint(run) / STATE_FILE
    assert json.loads(info.read_text())["num_processes"] == 1
    info.write_text(json.dumps({"step": 4, "num_processes": 2}))  # as if written by a two-process launch
    with pytest.raises(ResumeMismatchError, match="2 process"):
        train(ScriptedTask(), _loop(max_steps=6), run, cfg, resume=True, progress=False)


def test_mixed_precision_runs_on_cuda_and_is_refused_on_the_cpu(tmp_path):
    cfg = _loop(max_steps=2, mixed_precision="bf16")
    if torch.cuda.is_available():
        train(ScriptedTask(), cfg, tmp_path / "run", cfg, progress=False)
        assert json.loads((tmp_path / "run" / "metrics.json").read_text())["step"] == 2
    else:
        with pytest.raises(DeviceError, match="mixed_precision='bf16'.*CPU"):
            train(ScriptedTask(), cfg, tmp_path / "run", cfg, progress=False)


def test_every_task_moves_everything_it_owns(toy_data, tiny_latents, tiny_stage_one):
    """``Task.to`` must move every tensor and module a task keeps; the meta device makes a forgotten one visible
    on a machine without a GPU."""
    from autoencoder.latents import load_latents
    from autoencoder.training.vae_task import VAETask, VAETrainConfig
    from autoencoder.training.vocoder_task import VocoderTask, VocoderTrainConfig
    from diffusion.training import DiffusionTask, DiffusionTrainConfig
    from genre_base.clips import PreparedDataset
    from genre_base.config import load_config
    from genre_base.training.judge_task import JudgeTask, JudgeTrainConfig

    data = PreparedDataset(toy_data)
    tiny = ["loop.max_steps=1"]
    tasks = [
        VocoderTask(load_config(VocoderTrainConfig, REPO / "configs/vocoder_tiny.yaml", tiny), data),
        VAETask(load_config(VAETrainConfig, REPO / "configs/autoencoder_tiny.yaml", tiny), data),
        JudgeTask(load_config(JudgeTrainConfig, REPO / "configs/judge_tiny.yaml", tiny), data),
        DiffusionTask(
            load_config(DiffusionTrainConfig, REPO / "configs/diffusion_tiny.yaml", tiny),
            load_latents(tiny_latents),
            tiny_stage_one,
        ),
    ]
    meta = torch.device("meta")
    for task in tasks:
        task.to(meta)
        stray = [name for name, value in vars(task).items() if name != "model" and _devices(value) - {meta}]
        assert not stray, f"{type(task).__name__}.to left {stray} behind"


def _devices(value) -> set[torch.device]:
    if isinstance(value, torch.Tensor):
        return {value.device}
    if isinstance(value, torch.nn.Module):
        return {t.device for t in (*value.parameters(), *value.buffers())}
    if hasattr(value, "mean") and hasattr(value, "components"):  # MelPCA
        return {value.mean.device, value.components.device}
    return set()


def test_training_and_sampling_keep_modules_and_tensors_on_the_accelerator_device(
    tiny_latents, tiny_stage_one, tmp_path
):
    """On whatever device accelerate picks (a GPU where there is one), a short stage-two training with
    validation and media, then sampling from the exported pipeline on that device."""
    from autoencoder.latents import load_latents
    from diffusion import load_pipeline
    from diffusion.training import DiffusionTask, DiffusionTrainConfig
    from genre_base import resolve_device
    from genre_base.config import load_config

    cfg = load_config(
        DiffusionTrainConfig,
        REPO / "configs/diffusion_tiny.yaml",
        ["loop.max_steps=2", "loop.valid_every=1", "loop.media_every=2", "loop.checkpoint_every=2"],
    )
    task = DiffusionTask(cfg, load_latents(tiny_latents), tiny_stage_one)
    train(task, cfg.loop, tmp_path / "run", cfg, progress=False)
    device = resolve_device("auto")
    assert {p.device.type for p in task.model.parameters()} == {device.type}
    pipe = load_pipeline(tmp_path / "run" / "model", device=device)
    assert pipe.codec.device.type == device.type
    waves = pipe(
        pipe.genres[0], num_inference_steps=2, generator=torch.Generator().manual_seed(0), output_type="pt"
    ).audios
    assert waves.device.type == device.type and torch.isfinite(waves).all()


@pytest.mark.slow
def test_two_processes_train_identical_replicas_with_a_scaled_schedule(tiny_latents, tiny_stage_one, tmp_path):
    """Two data-parallel processes: on two GPUs where they exist, else two CPU processes (gloo)."""
    accelerate = Path(sys.executable).parent / "accelerate"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if torch.cuda.device_count() >= 2:
        launch = [
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "--main_process_port",
            "0",
        ]
    else:  # the shipped two-process CPU config, as the README shows it
        env["CUDA_VISIBLE_DEVICES"] = ""  # the launcher resets ACCELERATE_USE_CPU; hiding the GPUs is what sticks
        launch = ["--config_file", str(REPO / "configs" / "accelerate" / "cpu2.yaml")]
    cmd = [
        str(accelerate),
        "launch",
        *launch,
        str(REPO / "tests" / "helpers" / "ddp_diffusion.py"),
        str(tiny_latents),
        str(tiny_stage_one),
        str(tmp_path),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{i}.json").read_text()) for i in range(2)]
    assert all(r["num_processes"] == 2 for r in ranks)
    assert ranks[0]["checksum"] == ranks[1]["checksum"]
    assert ranks[0]["device"] != ranks[1]["device"] or ranks[0]["device"] == "cpu"
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # Unscaled, the cosine schedule would have run twice as fast and come back up to the full rate.
    assert final["num_processes"] == 2 and final["lr"] == pytest.approx(0.0, abs=1e-9)
    assert "batch 4 per process x 2 process(es)" in done.stdout + done.stderr
    assert (tmp_path / "run" / "model" / "model_index.json").is_file()
    ckpt = latest_checkpoint(tmp_path / "run")
    assert json.loads((ckpt / STATE_FILE).read_text())["num_processes"] == 2


@pytest.mark.parametrize("name,processes", [("gpu1", 1), ("gpu4", 4), ("gpu8", 8), ("cpu2", 2)])
def test_shipped_accelerate_configs_parse(name, processes):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import DistributedType

    cfg = load_config_from_file(str(REPO / "configs" / "accelerate" / f"{name}.yaml"))
    assert cfg.num_processes == processes and cfg.mixed_precision == "no"
    assert cfg.distributed_type == (DistributedType.NO if processes == 1 else DistributedType.MULTI_GPU)


def test_the_banner_says_single_process_not_accelerates_no():
    from types import SimpleNamespace

    from accelerate.utils import DistributedType

    from genre_base.training.loop import _distribution

    assert _distribution(SimpleNamespace(distributed_type=DistributedType.NO, num_processes=1)) == "single process"
    multi = SimpleNamespace(distributed_type=DistributedType.MULTI_GPU, num_processes=4)
    assert _distribution(multi) == "MULTI_GPU, 4 processes"
