"""One library call per stage-one training: what the training scripts and the study call.

Each takes its typed config, a prepared dataset folder and a run folder, trains with the shared
loop (any device, any number of processes under ``accelerate launch``) and returns the last
validation metrics; the model goes to ``<out>/model`` (and ``<out>/best`` when the config selects).
"""

from __future__ import annotations

from pathlib import Path

from genre_base.clips import PreparedDataset
from genre_base.config import ConfigError
from genre_base.training.judge_task import JudgeTask, JudgeTrainConfig
from genre_base.training.loop import seed_initial_weights, train

from ..codec import load_vocoder
from .vae_task import VAETask, VAETrainConfig
from .vocoder_task import VocoderTask, VocoderTrainConfig


def train_vocoder(
    cfg: VocoderTrainConfig, data: str | Path, out: str | Path, *, resume: bool = False, progress: bool = True
) -> dict[str, float]:
    """Train the vocoder (mel -> waveform) on the dataset's training clips."""
    seed_initial_weights(cfg.loop)
    return train(VocoderTask(cfg, PreparedDataset(data)), cfg.loop, out, cfg, resume=resume, progress=progress)


def train_autoencoder(
    cfg: VAETrainConfig,
    data: str | Path,
    out: str | Path,
    *,
    vocoder: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, float]:
    """Train the mel VAE; ``vocoder`` (else ``cfg.vocoder``, else Griffin-Lim) decodes its validation audio
    and is referred to by the exported model."""
    folder = vocoder or cfg.vocoder
    dataset = PreparedDataset(data)
    seed_initial_weights(cfg.loop)
    if folder is None:
        task = VAETask(cfg, dataset)
    else:
        model, frontend = load_vocoder(folder)
        if frontend.settings != cfg.mel:
            raise ConfigError(
                f"the vocoder at {str(folder)!r} uses other mel settings than this config: "
                f"{frontend.settings} vs {cfg.mel}"
            )
        task = VAETask(cfg, dataset, model, str(folder))
    return train(task, cfg.loop, out, cfg, resume=resume, progress=progress)


def train_judge(
    cfg: JudgeTrainConfig, data: str | Path, out: str | Path, *, resume: bool = False, progress: bool = True
) -> dict[str, float]:
    """Train the genre judge on the dataset's training clips (reported on its test clips)."""
    seed_initial_weights(cfg.loop)
    return train(JudgeTask(cfg, PreparedDataset(data)), cfg.loop, out, cfg, resume=resume, progress=progress)


__all__ = ["train_autoencoder", "train_judge", "train_vocoder"]
