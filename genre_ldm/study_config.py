"""The study's configuration: the typed configs of its steps, composed and checked before any step runs.

A study YAML names each training step's base config file and may set values on top of it as a
nested mapping (``set:``); both are merged into the step's dataclass when the study config is
loaded, so a typo or a wrong type in the last step's settings fails in the first second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from autoencoder.sweep import SweepConfig
from autoencoder.training.vocoder_task import VocoderTrainConfig
from diffusion.settings_sweep import SEARCHES
from diffusion.training import DiffusionTrainConfig
from genre_base.config import ConfigError, load_config
from genre_base.training.judge_task import JudgeTrainConfig

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")


@dataclass
class StepConfig:
    config: str = ""  # base YAML of the step ("" = the dataclass defaults); relative paths: to the repository
    set: dict[str, Any] = field(default_factory=dict)  # nested values merged over it, checked against the schema


@dataclass
class StudyConfig:
    vocoder: StepConfig = field(default_factory=lambda: StepConfig("configs/vocoder-128.yaml"))
    judge: StepConfig = field(default_factory=lambda: StepConfig("configs/judge.yaml"))
    sweep: StepConfig = field(default_factory=lambda: StepConfig("configs/sweep.yaml"))  # brief and full budgets
    diffusion: StepConfig = field(default_factory=lambda: StepConfig("configs/diffusion.yaml"))
    ood_src: str = "../shared/data/ood"  # "" skips the out-of-dataset step; "toy" generates odd-format clips
    toy_tracks_per_genre: int = 8
    toy_seconds: float = 16.0
    samples_per_genre: int = 2
    song_seconds: float = 30.0
    sample_steps: int = 50
    guidance_grid: list[float] = field(default_factory=lambda: [1.0, 2.0, 3.0, 5.0, 8.0])
    generation_max_clips: int = 0  # 0: every real clip of valid and test
    generation_per_genre: int = 0  # generated clips of every genre per setting (0: each split's genre mix)
    guidance_remedies: list[str] = field(default_factory=lambda: ["plain"])  # plain, rescale=PHI, interval=LO:HI
    samplers: list[str] = field(default_factory=lambda: ["ddim"])  # tried on valid (ddim, dpm, ddpm)
    sampling_search: str = "grid"  # grid (every combination) or staged (diffusion.settings_sweep.second_pass)
    umap: bool = True
    analysis_n_boot: int = 1000  # resamples of the probes' track-level intervals (fewer only in test configs)
    seed: int = 0
    # step -> existing output to link instead of computing: a model folder for vocoder, judge, independent and
    # diffusion; the step's whole output folder for the others (e.g. sweep: an earlier sweep's --out).
    reuse: dict[str, str] = field(default_factory=dict)


@dataclass
class StudyPlan:
    """Everything a study runs with, as typed configs."""

    study: StudyConfig
    vocoder: VocoderTrainConfig
    judge: JudgeTrainConfig
    sweep: SweepConfig
    diffusion: DiffusionTrainConfig


def resolve_path(name: str | os.PathLike) -> Path:
    """A config path as given when it exists or is absolute, else relative to the repository."""
    p = Path(name)
    return p if p.is_absolute() or p.exists() else REPO / p


def load_study_config(path: str | os.PathLike | None = None, overrides: list[str] = ()) -> StudyPlan:
    """Load a study YAML (plus ``key=value`` overrides such as ``sweep.set.sizes=[8,16]``) and every
    step config it names; raises :class:`ConfigError` naming the step and key of the first problem."""
    study = load_config(StudyConfig, resolve_path(path) if path else None, overrides)
    unknown = sorted(set(study.reuse) - set(STEP_NAMES))
    if unknown:
        raise ConfigError(f"reuse names unknown steps {unknown}; steps are {', '.join(STEP_NAMES)}")
    if study.sampling_search not in SEARCHES:
        raise ConfigError(f"sampling_search must be one of {SEARCHES}, got {study.sampling_search!r}")
    return StudyPlan(
        study,
        _step(VocoderTrainConfig, study.vocoder, "vocoder"),
        _step(JudgeTrainConfig, study.judge, "judge"),
        _step(SweepConfig, study.sweep, "sweep"),
        _step(DiffusionTrainConfig, study.diffusion, "diffusion"),
    )


def _step(schema: type[T], step: StepConfig, name: str) -> T:
    try:
        return load_config(schema, resolve_path(step.config) if step.config else None, values=step.set)
    except ConfigError as exc:
        raise ConfigError(f"study step {name!r}: {exc}") from exc


STEP_NAMES = (
    "prepare",
    "vocoder",
    "judge",
    "independent",
    "sweep",
    "full",
    "encode",
    "analysis",
    "ood",
    "diffusion",
    "generation",
    "samples",
    "manipulate",
    "report",
)
