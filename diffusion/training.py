"""Training the denoiser on a latents file (DDPM objective, label dropout for guidance).

Used by ``genre-ldm train-diffusion`` through the shared accelerate loop of
:mod:`autoencoder.training` (checkpoints, resume, EMA, TensorBoard, one CPU to many GPUs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler
from torch import nn

import autoencoder
from autoencoder.latents import Latents, LatentsFileError, check_made_by, load_latents
from genre_base.errors import MissingInputError
from genre_base.training import LoopConfig, add_audio, add_mel_images, seed_initial_weights, train

from .denoiser import LatentDenoiser, drop_labels
from .pipeline import GenreLatentPipeline, save


@dataclass
class DenoiserConfig:
    width: int = 128
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 1, 2])
    cond_dim: int = 128


@dataclass
class SchedulerConfig:
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    prediction_type: str = "epsilon"  # epsilon | v_prediction


@dataclass
class DiffusionTrainConfig:
    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    loop: LoopConfig = field(
        default_factory=lambda: LoopConfig(
            max_steps=6000,
            batch_size=64,
            lr=5e-4,
            ema_decay=0.999,
            valid_every=500,
            media_every=2000,
            checkpoint_every=500,
            select_metric="loss",
        )
    )
    label_dropout: float = 0.1  # probability a training label becomes the null class
    # Draw training latents from the posterior N(mean, exp(logvar)) when the file stores log-variances.
    sample_posterior: bool = False
    media_guidance: float = 3.0
    media_steps: int = 25
    valid_timesteps: int = 10  # fixed timesteps (and fixed noise) of the validation loss

    def __post_init__(self) -> None:
        if not 0.0 <= self.label_dropout < 1.0:
            raise ValueError(f"label_dropout must be in [0, 1), got {self.label_dropout}")
        if self.scheduler.prediction_type not in ("epsilon", "v_prediction"):
            raise ValueError(
                f"scheduler.prediction_type must be 'epsilon' or 'v_prediction', got {self.scheduler.prediction_type!r}"
            )


def make_scheduler(cfg: SchedulerConfig) -> DDPMScheduler:
    """The DDPM noise scheduler saved with the pipeline (samplers are built from its config).

    The predicted clean sample is clipped to +-5 (normalised latents have unit variance):
    diffusers' default of +-1 suits images but squeezed the latents (samples had a fifth of the
    real spread), while no clipping at all lets the first steps of a sampler blow up where the
    cosine schedule's signal level is near zero (alpha_bar = 2e-9 at t = 999; measured: every
    sample exploded with "trailing" spacing). "leading" spacing starts 25-step samplers at t = 960.
    """
    return DDPMScheduler(
        num_train_timesteps=cfg.num_train_timesteps,
        beta_schedule=cfg.beta_schedule,
        prediction_type=cfg.prediction_type,
        clip_sample=True,
        clip_sample_range=5.0,
        timestep_spacing="leading",
    )


def denoiser_layout(latents: Latents) -> tuple[int, int]:
    """``(channels, frames)`` of the denoiser: the VAE's time axis, or one frame for anything else."""
    layout = latents.manifest.get("layout") or {}
    if layout.get("global_size", 0) == 0 and layout.get("channels") and layout.get("frames"):
        return int(layout["channels"]), int(layout["frames"])
    return latents.size, 1


class DiffusionTask:
    """The :class:`autoencoder.training.Task` of stage two."""

    def __init__(self, cfg: DiffusionTrainConfig, latents: Latents, stage_one: str | Path) -> None:
        self.cfg, self.latents, self.stage_one = cfg, latents, Path(stage_one)
        self.genres = latents.genre_names
        channels, frames = denoiser_layout(latents)
        mean = np.asarray(latents.manifest["mean"], dtype=np.float32)
        std = np.asarray(latents.manifest["std"], dtype=np.float32)
        self.model = LatentDenoiser(
            latent_size=latents.size,
            channels=channels,
            frames=frames,
            genres=tuple(self.genres),
            width=cfg.denoiser.width,
            dilations=tuple(cfg.denoiser.dilations),
            cond_dim=cfg.denoiser.cond_dim,
            latent_mean=mean.tolist(),
            latent_std=std.tolist(),
        )
        self.scheduler = make_scheduler(cfg.scheduler)
        self._codec = None
        self.device = torch.device("cpu")

    def to(self, device: torch.device) -> None:
        self.device = device
        if self._codec is not None:
            self._codec.to(device)

    def _split(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        rows = self.latents.rows(split)
        if len(rows) == 0:
            raise LatentsFileError(
                f"the latents file has no {split!r} clips; stage two trains on train and validates on valid"
            )
        z = torch.from_numpy(self.latents.means[rows]).float()
        labels = self.model.genre_index(self.latents.genre[rows].tolist())
        logvars = None
        if self.latents.logvars is not None:
            logvars = torch.from_numpy(self.latents.logvars[rows]).float()
        return z, labels, logvars

    def train_dataset(self) -> torch.utils.data.Dataset:
        z, labels, logvars = self._split("train")
        if self.cfg.sample_posterior:
            if logvars is None:
                raise LatentsFileError(
                    "sample_posterior needs a latents file with log-variances (encode_dataset.py --logvars)"
                )
            return torch.utils.data.TensorDataset(z, labels, logvars)
        return torch.utils.data.TensorDataset(z, labels)

    def _targets(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.cfg.scheduler.prediction_type == "v_prediction":
            return self.scheduler.get_velocity(x0, noise, t)
        return noise

    def loss(self, model: nn.Module, batch, step: int) -> dict[str, torch.Tensor]:
        z, labels = batch[0], batch[1]
        if self.cfg.sample_posterior:
            z = z + torch.randn_like(z) * (0.5 * batch[2]).exp()
        x0 = self.model.normalize(z)
        noise = torch.randn_like(x0)
        t = torch.randint(0, self.scheduler.config.num_train_timesteps, (len(x0),), device=x0.device)
        xt = self.scheduler.add_noise(x0, noise, t)
        labels = drop_labels(labels, self.model.null_class, self.cfg.label_dropout)
        pred = model(xt, t, labels)
        return {"loss": F.mse_loss(pred, self._targets(x0, noise, t))}

    def validate(self, model: nn.Module, step: int) -> dict[str, float]:
        """Conditional and unconditional MSE on the valid split at fixed timesteps and fixed noise."""
        z, labels, _ = self._split("valid")
        x0, labels = model.normalize(z.to(self.device)), labels.to(self.device)
        gen = torch.Generator().manual_seed(1234)  # on the CPU: the same noise on every device
        steps = torch.linspace(0, self.scheduler.config.num_train_timesteps - 1, self.cfg.valid_timesteps).long()
        cond, uncond = [], []
        for t_value in steps:
            noise = torch.randn(x0.shape, generator=gen).to(self.device)
            t = torch.full((len(x0),), int(t_value), device=self.device)
            xt = self.scheduler.add_noise(x0, noise, t)
            target = self._targets(x0, noise, t)
            cond.append(F.mse_loss(model(xt, t, labels), target).item())
            uncond.append(F.mse_loss(model(xt, t, torch.full_like(labels, model.null_class)), target).item())
        return {"loss": float(np.mean(cond)), "loss_uncond": float(np.mean(uncond))}

    def codec(self) -> autoencoder.StageOne:
        if self._codec is None:
            self._codec = autoencoder.load(self.stage_one, device=self.device)
        return self._codec

    def log_media(self, model: nn.Module, writer, step: int) -> None:
        """One decoded sample per genre (audio and mel image), same seed every time."""
        pipe = GenreLatentPipeline(model, self.scheduler, None, None)
        z = pipe.sample_latents(
            self.genres, self.cfg.media_steps, self.cfg.media_guidance, torch.Generator().manual_seed(0)
        )
        codec = self.codec()
        mels = codec.decode_mel(z)
        add_mel_images(writer, "samples/mel", list(zip(self.genres, mels)), step)
        for genre, wave in zip(self.genres, codec.mel_to_wave(mels)):
            add_audio(writer, f"samples/{genre}", wave, step, codec.sample_rate)

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
        m = self.latents.manifest
        save(
            GenreLatentPipeline(model, self.scheduler, None, None),
            folder,
            self.stage_one,
            metrics=metrics,
            extra={
                "latents": {
                    "model_hash": m["model_hash"],
                    "latent_size": m["latent_size"],
                    "data": m.get("data"),
                    "clips_per_split": {s: int((self.latents.split == s).sum()) for s in ("train", "valid", "test")},
                },
                "training": {"label_dropout": self.cfg.label_dropout, "max_steps": self.cfg.loop.max_steps},
            },
        )


def stage_one_folder(latents: Latents, override: str | Path | None = None, where: str = "the latents file") -> Path:
    """The stage-one VAE folder that made ``latents`` (``override`` when it has moved), hash-checked."""
    folder = Path(override or latents.manifest["model_id"])
    if latents.manifest["kind"] == "vae" and not folder.is_dir():
        raise MissingInputError(f"the stage-one model {str(folder)!r} that made {where} is missing; pass --stage-one")
    check_made_by(latents, folder, where)
    return folder


def train_diffusion(
    cfg: DiffusionTrainConfig,
    latents: str | Path,
    out: str | Path,
    *,
    stage_one: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, float]:
    """Train the denoiser on a latents file with the shared loop; writes pipeline folders to
    ``out/model`` (last) and ``out/best`` (lowest valid loss). Returns the last validation metrics."""
    data = load_latents(latents)
    seed_initial_weights(cfg.loop)
    task = DiffusionTask(cfg, data, stage_one_folder(data, stage_one, str(latents)))
    return train(task, cfg.loop, out, cfg, resume=resume, progress=progress)
