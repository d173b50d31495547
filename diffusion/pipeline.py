"""The stage-two pipeline: genre names in, latents or audio out.

A pipeline folder is what ``DiffusionPipeline.save_pretrained`` writes (``model_index.json``,
``denoiser/``, ``scheduler/``) plus ``genre_ldm.json``, which refers to the stage-one model by a
relative path and its content hash (as a VAE refers to its vocoder), and a model card.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DiffusionPipeline,
    DPMSolverMultistepScheduler,
)

import autoencoder
from autoencoder import (
    ModelFolderError,
    UserError,
    created,
    read_record,
    reference,
    resolve_device,
    resolve_reference,
    write_record,
    write_text,
)

from .denoiser import LatentDenoiser, guided

SAMPLERS = {"ddim": DDIMScheduler, "dpm": DPMSolverMultistepScheduler, "ddpm": DDPMScheduler}


class GenreLatentPipeline(DiffusionPipeline):
    """Denoiser + noise scheduler; with a stage-one codec attached (:func:`load`) it returns audio."""

    def __init__(self, denoiser: LatentDenoiser, scheduler: DDPMScheduler) -> None:
        super().__init__()
        self.register_modules(denoiser=denoiser, scheduler=scheduler)
        self.codec: autoencoder.StageOne | None = None

    @property
    def genres(self) -> list[str]:
        return list(self.denoiser.config.genres)

    def sampler(self, name: str):
        if name not in SAMPLERS:
            raise UserError(f"unknown sampler {name!r}; expected one of {sorted(SAMPLERS)}")
        return SAMPLERS[name].from_config(self.scheduler.config)

    @torch.no_grad()
    def sample_latents(self, genres: list[str], num_inference_steps: int = 50, guidance_scale: float = 3.0,
                       generator: torch.Generator | None = None, sampler: str = "ddim",
                       known: torch.Tensor | None = None, known_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Sample one latent per genre name: ``(N, D)`` in VAE units.

        ``known (N, D)`` (VAE units) and ``known_mask (D,)`` bool fix part of each latent by
        replacement (the known part, noised to the current step, overwrites the sample before each
        model call); this is how a song's next clip continues the previous one's overlap.
        """
        if num_inference_steps < 1:
            raise UserError(f"num_inference_steps must be >= 1, got {num_inference_steps}")
        model = self.denoiser
        device = model.device
        labels = model.genre_index(list(genres)).to(device)
        scheduler = self.sampler(sampler)
        scheduler.set_timesteps(num_inference_steps, device=device)
        d = model.config.latent_size
        # Noise is drawn where the generator lives (the CPU by default) and then moved, so a seed gives
        # the same samples on every device.
        x = _randn((len(labels), d), generator, device) * scheduler.init_noise_sigma
        target = model.normalize(known.to(device)) if known is not None else None
        if known_mask is not None:
            known_mask = known_mask.to(device)
        for t in scheduler.timesteps:
            if target is not None:
                noisy = scheduler.add_noise(target, _randn(x.shape, generator, device), t.reshape(1))
                x = torch.where(known_mask, noisy, x)
            inp = scheduler.scale_model_input(x, t)
            pred = guided(model, inp, t, labels, guidance_scale)
            x = scheduler.step(pred, t, x, generator=generator).prev_sample
        if target is not None:
            x = torch.where(known_mask, target, x)
        return model.denormalize(x)

    @torch.no_grad()
    def __call__(self, genres: list[str], num_inference_steps: int = 50, guidance_scale: float = 3.0,
                 generator: torch.Generator | None = None, sampler: str = "ddim") -> torch.Tensor:
        """Genre names -> waveforms ``(N, clip_samples)`` at ``self.codec.sample_rate``."""
        if self.codec is None:
            raise RuntimeError("no stage-one model attached; load the pipeline with diffusion.load(folder)")
        z = self.sample_latents(genres, num_inference_steps, guidance_scale, generator, sampler)
        return self.codec.decode(z)


def _randn(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    where = generator.device if generator is not None else torch.device("cpu")
    return torch.randn(shape, generator=generator, device=where).to(device)


def save(pipeline: GenreLatentPipeline, folder: str | os.PathLike, stage_one: str | os.PathLike, *,
         metrics: dict | None = None, extra: dict | None = None, card: str = "") -> Path:
    """Write the pipeline folder with its reference to the stage-one model ``stage_one``."""
    folder = Path(folder)
    pipeline.save_pretrained(str(folder), safe_serialization=True)
    record = {"format_version": 1, "kind": "diffusion", "references": {"stage_one": reference(stage_one, folder)},
              "genres": pipeline.genres, "parameters": sum(p.numel() for p in pipeline.denoiser.parameters()),
              "metrics": metrics or {}, "created": created(), **(extra or {})}
    record["mel"] = read_record(stage_one, "vae")["mel"]
    write_record(folder, record)
    write_text(folder / "README.md", card or f"# genre-ldm latent diffusion\n\nGenres: {', '.join(pipeline.genres)}.\n")
    return folder


def load(folder: str | os.PathLike, stage_one: bool = True, device: str | torch.device = "cpu") -> GenreLatentPipeline:
    """Load a pipeline folder and (hash-checked) the stage-one model it refers to, on ``device``."""
    folder = Path(folder)
    record = read_record(folder, "diffusion")
    for part in ("denoiser", "scheduler"):
        if not (folder / part).is_dir():
            raise ModelFolderError(f"{str(folder)!r} has no {part}/ folder; is it a diffusion pipeline?")
    device = resolve_device(device)
    denoiser = LatentDenoiser.from_pretrained(str(folder / "denoiser"), torch_dtype=torch.float32).eval().to(device)
    pipeline = GenreLatentPipeline(denoiser, DDPMScheduler.from_pretrained(str(folder / "scheduler")))
    if stage_one:
        pipeline.codec = autoencoder.load(resolve_reference(record["references"]["stage_one"], folder, "stage-one model"),
                                          device=device)
    pipeline.record = record
    return pipeline


def write_metrics(folder: str | os.PathLike, metrics: dict, sampling: dict | None = None) -> None:
    """Merge ``metrics`` (and the sampling defaults chosen on valid) into the pipeline record."""
    record = read_record(folder, "diffusion")
    record["metrics"] = {**record.get("metrics", {}), **metrics}
    if sampling is not None:
        record["sampling"] = sampling
    write_record(folder, record)
