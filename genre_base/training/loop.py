"""One training loop for every model of genre-ldm, built on accelerate.

It owns what all trainings share: the ``Accelerator`` (one CPU process up to many GPUs),
gradient accumulation, mixed precision, the optimiser and cosine schedule, EMA weights,
checkpoints with ``save_state`` / ``load_state`` (step counter, optimiser, scheduler, EMA, RNG),
TensorBoard and tqdm on the main process only. What differs between models lives in a
:class:`Task`: its data, its loss, its validation, its media and how it exports the model.

Run folder layout::

    <run>/config.yaml         the resolved config
    <run>/checkpoints/step-N  accelerate states (the newest ``keep_checkpoints`` are kept)
    <run>/tensorboard/        event files
    <run>/model/              the exported model (EMA weights when EMA is on)
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from accelerate.utils import parse_flag_from_env, set_seed
from diffusers.optimization import get_cosine_schedule_with_warmup
from diffusers.training_utils import EMAModel
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

from ..artifacts import write_json
from ..config import save_config
from ..device import DeviceError
from ..errors import UserError
from ..files import atomic_path
from ..killpoints import reached

log = logging.getLogger(__name__)


@dataclass
class LoopConfig:
    max_steps: int = 2000
    batch_size: int = 16
    grad_accum_steps: int = 1
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 100
    grad_clip: float = 1.0
    mixed_precision: str = "no"  # no | bf16 | fp16
    ema_decay: float = 0.0  # 0 turns EMA off
    seed: int = 0
    log_every: int = 25
    valid_every: int = 500
    media_every: int = 1000
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    num_workers: int = 0
    # Early stopping on valid: when set, the model is also exported to <run>/best each time this
    # validation metric improves (lower is better unless select_higher), so a run that starts to
    # overfit keeps its best state. "" turns it off.
    select_metric: str = ""
    select_higher: bool = False

    def __post_init__(self) -> None:
        if self.mixed_precision not in ("no", "bf16", "fp16"):
            raise ValueError(f"mixed_precision must be 'no', 'bf16' or 'fp16', got {self.mixed_precision!r}")
        for name in ("max_steps", "batch_size", "grad_accum_steps", "log_every", "valid_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


class Task(Protocol):
    """What a model's training supplies to :func:`train`."""

    model: nn.Module

    def train_dataset(self) -> torch.utils.data.Dataset: ...

    def loss(self, model: nn.Module, batch: Any, step: int) -> dict[str, torch.Tensor]:
        """Named losses of one batch; ``"loss"`` is the one minimised."""

    def validate(self, model: nn.Module, step: int) -> dict[str, float]: ...

    def log_media(self, model: nn.Module, writer: SummaryWriter, step: int) -> None: ...

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None: ...

    def to(self, device: torch.device) -> None:
        """Move what the task owns (front-end, validation clips, judge, vocoder...) to ``device``."""


# Optional, for adversarial tasks (see autoencoder.training.adversarial): ``task.discriminator``
# (an nn.Module, or None) and ``task.discriminator_loss(discriminator, step)`` -> named losses with
# ``"discriminator"`` minimised, or {} for a step without a discriminator update; the discriminator
# learns at ``task.discriminator_lr``. The loop optimises, schedules and checkpoints it with the model.


class RunExistsError(UserError):
    """The run folder already holds a run and --resume was not given."""


class ResumeMismatchError(UserError):
    """A checkpoint was written by another number of processes than the one resuming it."""


class TrainState:
    """The step counter, the best selection metric so far and the process count, saved with every checkpoint."""

    def __init__(self) -> None:
        self.step = 0
        self.best: float | None = None
        self.num_processes = 1

    def state_dict(self) -> dict:
        return {"step": self.step, "best": self.best, "num_processes": self.num_processes}

    def load_state_dict(self, state: dict) -> None:
        self.step = int(state["step"])
        self.best = state.get("best")


STATE_FILE = "genre_ldm_state.json"


def _check_processes(checkpoint: Path, processes: int) -> None:
    # Read before load_state: accelerate would otherwise fail on a missing per-process RNG file,
    # or silently resume a sharded data order that no longer exists.
    info = checkpoint / STATE_FILE
    saved = json.loads(info.read_text())["num_processes"] if info.is_file() else 1
    if saved != processes:
        raise ResumeMismatchError(
            f"{checkpoint} was written by {saved} process(es); resume it with "
            f"--num_processes {saved} (this launch has {processes})"
        )


def latest_checkpoint(run_dir: Path) -> Path | None:
    ckpts = sorted((run_dir / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return ckpts[-1] if ckpts else None


def _distribution(accelerator: Accelerator) -> str:
    """How the run is spread, in words: accelerate calls a single process "NO" (no distribution)."""
    kind = accelerator.distributed_type.value
    return "single process" if kind == "NO" else f"{kind}, {accelerator.num_processes} processes"


def _main_log(accelerator: Accelerator, message: str) -> None:
    """One progress line, from the main process only (every process of a multi-GPU run gets here)."""
    if accelerator.is_main_process:
        log.info(message)


def seed_initial_weights(cfg: LoopConfig) -> None:
    """Seed the global generators before a task builds its model, so that the initial weights follow
    ``cfg.seed``: :func:`train` seeds again for the data order, but only after the task (and its model) exists.
    Without this, two runs of one config started from different random weights."""
    set_seed(cfg.seed)


def require_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest checkpoint of ``run_dir``, for a user's ``--resume``; None, said in a warning, for a run that
    was stopped before its first checkpoint; a UserError for a folder that holds no run.

    Starting afresh in a folder that holds no run would silently spend a whole schedule where the user expected
    a continuation (a mistyped ``--out``, say). A started run leaves its ``config.yaml`` before step 1; killed
    before its first checkpoint, it has nothing to continue from but is the run the user means, so it starts
    again from step 0 instead of refusing both ``--resume`` and a plain rerun. (The study resumes with
    ``train(resume=True)`` whatever the folder holds.)"""
    run_dir = Path(run_dir)
    previous = latest_checkpoint(run_dir)
    if previous is None:
        if not (run_dir / "config.yaml").is_file() or (run_dir / "model").exists():
            raise UserError(
                f"--resume: {str(run_dir)!r} holds no checkpoint to continue; drop --resume to start a new run"
            )
        log.warning(f"--resume: {run_dir} stopped before its first checkpoint; starting it again from step 0")
    return previous


def _remove_partial_checkpoints(run_dir: Path) -> None:
    """Checkpoints whose save was interrupted (``.tmp-step-N``, never renamed): nothing reads them, so a kill
    mid-save leaves no half-written state that a later save of the same step would merge into."""
    for partial in sorted((run_dir / "checkpoints").glob(".tmp-step-*")):
        log.info(f"removing {partial.name}: a checkpoint whose save was interrupted")
        shutil.rmtree(partial)


def train(
    task: Task, cfg: LoopConfig, run_dir: str | Path, config: Any, resume: bool = False, progress: bool = True
) -> dict[str, float]:
    """Train ``task.model`` for ``cfg.max_steps`` optimiser steps; returns the last validation metrics."""
    run_dir = Path(run_dir)
    previous = latest_checkpoint(run_dir)
    if not resume and (previous is not None or (run_dir / "model").exists()):
        raise RunExistsError(
            f"run folder {str(run_dir)!r} already holds a run; pass --resume to continue it or choose another --out"
        )
    cpu = not torch.cuda.is_available() or parse_flag_from_env("ACCELERATE_USE_CPU")
    if cpu and cfg.mixed_precision != "no":
        # Mixed precision is for CUDA. On the CPU the STFT losses would run under bf16 autocast with an
        # effect on convergence nobody has measured, and its speed depends on the CPU (scripts/dev/bench_training.py).
        raise DeviceError(
            f"loop.mixed_precision={cfg.mixed_precision!r} needs a CUDA device; this run is on the CPU, "
            "where training runs in fp32: use loop.mixed_precision=no"
        )
    # One process may train several models (the study does); accelerate keeps one global state and
    # refuses another mixed precision on it, so each training starts from a fresh one. The process
    # group (PartialState) is kept.
    AcceleratorState._reset_state()
    accelerator = Accelerator(
        gradient_accumulation_steps=cfg.grad_accum_steps, mixed_precision=cfg.mixed_precision, cpu=cpu
    )
    processes = accelerator.num_processes
    if resume and previous is not None:
        _check_processes(previous, processes)
    # Each process draws its own crops, augmentations and noise; DDP starts every replica from
    # rank 0's weights, so the model itself stays identical.
    set_seed(cfg.seed, device_specific=True)
    model = task.model
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    # A prepared scheduler steps once per process at every optimiser step (accelerate assumes the
    # learning rate scales with the global batch), so its length is counted in process-steps.
    scheduler = get_cosine_schedule_with_warmup(optimizer, cfg.warmup_steps * processes, cfg.max_steps * processes)
    loader = DataLoader(
        task.train_dataset(), batch_size=cfg.batch_size, shuffle=True, drop_last=True, num_workers=cfg.num_workers
    )
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    adversary = _Adversary.prepare(task, cfg, accelerator)
    task.to(accelerator.device)
    _main_log(
        accelerator,
        f"device {accelerator.device} ({_distribution(accelerator)}, mixed precision "
        f"{cfg.mixed_precision}): batch {cfg.batch_size} per process x {processes} process(es) x "
        f"{cfg.grad_accum_steps} accumulation = {cfg.batch_size * processes * cfg.grad_accum_steps} "
        "clips per optimiser step",
    )
    state = TrainState()
    state.num_processes = processes
    accelerator.register_for_checkpointing(state)
    ema = EMAModel(accelerator.unwrap_model(model).parameters(), decay=cfg.ema_decay) if cfg.ema_decay > 0 else None
    if ema is not None:
        accelerator.register_for_checkpointing(ema)
    if resume and previous is not None:
        accelerator.load_state(str(previous))
        if ema is not None:  # its shadow weights come back from the checkpoint on the CPU
            ema.to(accelerator.device)
        set_seed(cfg.seed + state.step, device_specific=True)  # fresh crops after a resume, still reproducible
        _main_log(
            accelerator,
            f"resumed from {previous} at step {state.step} (best {cfg.select_metric or 'metric'} so far: {state.best})",
        )

    writer = None
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        _remove_partial_checkpoints(run_dir)
        save_config(config, run_dir / "config.yaml")
        writer = SummaryWriter(str(run_dir / "tensorboard"), purge_step=state.step or None)
    metrics: dict[str, float] = {}
    bar = tqdm(
        total=cfg.max_steps, initial=state.step, desc="training", disable=not (progress and accelerator.is_main_process)
    )
    batches = _forever(loader)
    tick = time.perf_counter()
    resumed_at_the_end = state.step >= cfg.max_steps  # the same on every process, unlike the metrics
    while state.step < cfg.max_steps:
        with accelerator.accumulate(model):
            losses = task.loss(model, next(batches), state.step)
            accelerator.backward(losses["loss"])
            if accelerator.sync_gradients and cfg.grad_clip > 0:
                accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            if adversary is not None:
                losses.update(adversary.step(task, accelerator, cfg, state.step))
        if not accelerator.sync_gradients:
            continue
        state.step += 1
        bar.update(1)
        reached("step")
        if ema is not None:
            ema.step(accelerator.unwrap_model(model).parameters())
        if writer is not None and state.step % cfg.log_every == 0:
            seconds = (time.perf_counter() - tick) / cfg.log_every
            tick = time.perf_counter()
            for name, value in losses.items():
                writer.add_scalar(f"train/{name}", float(value.detach()), state.step)
            writer.add_scalar("train/lr", scheduler.get_last_lr()[0], state.step)
            writer.add_scalar("time/step_seconds", seconds, state.step)
            bar.set_postfix(loss=f"{float(losses['loss'].detach()):.4f}")
        last = state.step == cfg.max_steps
        if state.step % cfg.valid_every == 0 or state.step % cfg.media_every == 0 or last:
            metrics = _evaluate(task, accelerator, model, ema, writer, state.step, cfg, last)
            _keep_best(task, accelerator, model, ema, metrics, state, cfg, run_dir)
        if state.step % cfg.checkpoint_every == 0 or last:
            _checkpoint(accelerator, run_dir, state.step, cfg.keep_checkpoints)
    bar.close()
    if resumed_at_the_end:
        # Resumed from the last step's checkpoint (the run was stopped while exporting): validate again, so the
        # exported model records its metrics as an uninterrupted run's does.
        metrics = _evaluate(task, accelerator, model, ema, writer, state.step, cfg, last=True)
    if accelerator.is_main_process:
        with _weights_for_eval(accelerator.unwrap_model(model), ema) as final, torch.no_grad():
            _export(task, final.eval(), run_dir / "model", metrics)
        write_json(
            run_dir / "metrics.json",
            {"step": state.step, "lr": scheduler.get_last_lr()[0], "num_processes": processes, **metrics},
        )
        writer.close()
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return metrics


class _Adversary:
    """The discriminator of an adversarial task with its optimiser and schedule (all prepared)."""

    def __init__(self, model, optimizer, scheduler) -> None:
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler

    @classmethod
    def prepare(cls, task: Task, cfg: LoopConfig, accelerator: Accelerator) -> _Adversary | None:
        disc = getattr(task, "discriminator", None)
        if disc is None:
            return None
        processes = accelerator.num_processes
        optimizer = torch.optim.AdamW(disc.parameters(), lr=task.discriminator_lr, betas=(0.8, 0.99))
        scheduler = get_cosine_schedule_with_warmup(optimizer, cfg.warmup_steps * processes, cfg.max_steps * processes)
        return cls(*accelerator.prepare(disc, optimizer, scheduler))

    def step(self, task: Task, accelerator: Accelerator, cfg: LoopConfig, step: int) -> dict[str, torch.Tensor]:
        # After the generator's step, on its output of that step (detached by the task).
        # Its schedule counts its own updates: a discriminator that starts late warms up when it starts.
        losses = task.discriminator_loss(self.model, step)
        if losses:
            accelerator.backward(losses["discriminator"])
            if accelerator.sync_gradients and cfg.grad_clip > 0:
                accelerator.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
        return losses


def _evaluate(task, accelerator, model, ema, writer, step, cfg, last) -> dict[str, float]:
    metrics: dict[str, float] = {}
    if accelerator.is_main_process:
        with _weights_for_eval(accelerator.unwrap_model(model), ema) as m:
            m.eval()
            with torch.no_grad():
                if step % cfg.valid_every == 0 or last:
                    metrics = task.validate(m, step)
                    for name, value in metrics.items():
                        writer.add_scalar(f"valid/{name}", value, step)
                if step % cfg.media_every == 0 or last:
                    task.log_media(m, writer, step)
            m.train()
        writer.flush()
    accelerator.wait_for_everyone()
    return metrics


def _keep_best(task, accelerator, model, ema, metrics, state, cfg, run_dir) -> None:
    if not cfg.select_metric or not accelerator.is_main_process or cfg.select_metric not in metrics:
        return
    value = metrics[cfg.select_metric]
    better = state.best is None or (value > state.best if cfg.select_higher else value < state.best)
    if better:
        state.best = value
        with _weights_for_eval(accelerator.unwrap_model(model), ema) as m, torch.no_grad():
            _export(task, m.eval(), run_dir / "best", {**metrics, "step": state.step})
            m.train()


def _export(task: Task, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
    # Written under a temporary name and renamed: a kill mid-export never leaves a model folder that a rerun,
    # or the study (which takes an existing model folder as a finished step), would take as complete.
    with atomic_path(folder) as tmp:
        task.export(model, tmp, metrics)


class _weights_for_eval:
    """Context manager: the model with EMA weights swapped in (and restored afterwards)."""

    def __init__(self, model: nn.Module, ema: EMAModel | None) -> None:
        self.model, self.ema = model, ema

    def __enter__(self) -> nn.Module:
        if self.ema is not None:
            self.ema.store(self.model.parameters())
            self.ema.copy_to(self.model.parameters())
        return self.model

    def __exit__(self, *exc) -> None:
        if self.ema is not None:
            self.ema.restore(self.model.parameters())


def _checkpoint(accelerator: Accelerator, run_dir: Path, step: int, keep: int) -> None:
    # Saved under a temporary name and renamed, so a kill mid-save never leaves a checkpoint
    # that --resume would pick up half-written.
    folder = run_dir / "checkpoints" / f"step-{step}"
    tmp = run_dir / "checkpoints" / f".tmp-step-{step}"
    accelerator.save_state(str(tmp))
    reached("checkpoint")
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        write_json(tmp / STATE_FILE, {"step": step, "num_processes": accelerator.num_processes})
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
        ckpts = sorted((run_dir / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
        for old in ckpts[: max(0, len(ckpts) - keep)]:
            shutil.rmtree(old, ignore_errors=True)


def _forever(loader: DataLoader) -> Iterator[Any]:
    for epoch in itertools.count():
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(epoch)
        yield from loader


__all__ = [
    "DeviceError",
    "LoopConfig",
    "ResumeMismatchError",
    "RunExistsError",
    "Task",
    "TrainState",
    "latest_checkpoint",
    "train",
]
