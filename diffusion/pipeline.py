"""The stage-two pipeline: genre names in, latents or audio out.

A pipeline folder is what ``DiffusionPipeline.save_pretrained`` writes (``model_index.json``,
``denoiser/``, ``scheduler/``, ``vae/``, ``vocoder/``), a ``pipeline.py`` that lets diffusers'
stock ``DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)`` find the class, and
``genre_ldm.json``, which names the stage-one model the VAE and vocoder were copied from by a
relative path and its content hash (as a VAE refers to its vocoder), plus a model card.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import torch
from diffusers import AudioPipelineOutput, DDIMScheduler, DDPMScheduler, DiffusionPipeline, DPMSolverMultistepScheduler

import autoencoder
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from genre_base import (
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
from genre_base.artifacts import mel_settings, require_model_front_end, require_same_front_end, save_pretrained
from genre_base.mel import MelSettings

from .denoiser import LatentDenoiser, guided
from .guidance import Guidance
from .song import sample_song

SAMPLERS = {"ddim": DDIMScheduler, "dpm": DPMSolverMultistepScheduler, "ddpm": DDPMScheduler}


class GenreLatentPipeline(DiffusionPipeline):
    """Denoiser + noise scheduler + the stage-one VAE and vocoder: genre names in, audio out.

    Saved folders load with the project's :func:`load` or with diffusers' own
    ``DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)``. Without ``vae`` (a
    training run's media, the tests) it samples latents only, unless a codec is attached.
    """

    # vae and vocoder have no default so that diffusers counts them as components (saved in their own
    # folders); None is allowed for both.
    _optional_components = ["vae", "vocoder"]

    def __init__(
        self,
        denoiser: LatentDenoiser,
        scheduler: DDPMScheduler,
        vae: MelVAE | None,
        vocoder: Vocoder | None,
        mel: dict | None = None,
        clip_seconds: float = 5.0,
    ) -> None:
        super().__init__()
        self.register_modules(denoiser=denoiser, scheduler=scheduler, vae=vae, vocoder=vocoder)
        self.register_to_config(mel=mel, clip_seconds=clip_seconds)
        self.codec: autoencoder.StageOne | None = None
        if vae is not None:
            if mel is None:
                raise ModelFolderError("a pipeline with a VAE needs its mel settings (mel=...)")
            settings = MelSettings(**mel)
            require_model_front_end(vae.config, settings, "the pipeline's VAE")
            if vocoder is not None:
                require_model_front_end(vocoder.config, settings, "the pipeline's vocoder")
            self.codec = autoencoder.StageOne(vae, vocoder, autoencoder.MelFrontend(settings), clip_seconds)

    def to(self, *args, **kwargs) -> GenreLatentPipeline:
        """Move every component, the codec's front-end and Griffin-Lim included."""
        super().to(*args, **kwargs)
        if self.codec is not None:
            self.codec.to(self.denoiser.device)
        return self

    @property
    def default_guidance(self) -> float:
        """The guidance scale chosen on valid and stored in the folder's record (3 when none was)."""
        return self.default_guidance_settings.scale

    def _recorded_sampling(self) -> dict:
        """The sampling setting chosen on valid, as the folder's record stores it (empty when none was)."""
        record = getattr(self, "record", None)
        if record is None:  # loaded by diffusers' stock from_pretrained: read the folder's record
            path = Path(getattr(self.config, "_name_or_path", "") or ".") / "genre_ldm.json"
            record = json.loads(path.read_text()) if path.is_file() else {}
        return record.get("sampling", {})

    @property
    def default_sampling(self) -> tuple[int, str]:
        """``(steps, sampler)`` chosen on valid and stored in the record; ``(50, "ddim")`` when none was."""
        sampling = self._recorded_sampling()
        return int(sampling.get("steps", 50)), str(sampling.get("sampler", "ddim"))

    @property
    def default_guidance_settings(self) -> Guidance:
        """The guidance chosen on valid (scale, and a remedy if one was chosen), from the folder's record."""
        sampling = self._recorded_sampling()
        return Guidance(
            float(sampling.get("guidance", 3.0)),
            float(sampling.get("guidance_rescale", 0.0)),
            tuple(sampling.get("guidance_interval", (0.0, 1.0))),
        )

    def is_song(self, seconds: float | None, name: str = "audio_length_in_s") -> bool:
        """Whether ``seconds`` of audio needs chained clips (longer than one clip); None means one clip.
        A length of 0 or less is refused with a :class:`UserError` naming ``name``."""
        if seconds is not None and not seconds > 0:
            raise UserError(f"{name} must be > 0, got {seconds:g}")
        return seconds is not None and seconds * self.codec.sample_rate > self.codec.clip_samples

    @property
    def stage_one_hash(self) -> str | None:
        """Content hash of the stage-one VAE this pipeline's components were copied from (its latents' model)."""
        ref = getattr(self, "record", {}).get("references", {}).get("stage_one")
        return ref["sha256"] if ref else None

    @property
    def genres(self) -> list[str]:
        return list(self.denoiser.config.genres)

    def sampler(self, name: str):
        if name not in SAMPLERS:
            raise UserError(f"unknown sampler {name!r}; expected one of {sorted(SAMPLERS)}")
        return SAMPLERS[name].from_config(self.scheduler.config)

    @torch.no_grad()
    def sample_latents(
        self,
        genres: list[str],
        num_inference_steps: int = 50,
        guidance_scale: float | Guidance = 3.0,
        generator: torch.Generator | None = None,
        sampler: str = "ddim",
        known: torch.Tensor | None = None,
        known_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Sample one latent per genre name: ``(N, D)`` in VAE units.

        ``guidance_scale``: a scale, or a :class:`Guidance` with a remedy for collapse.
        ``known (N, D)`` (VAE units) and ``known_mask (D,)`` bool fix part of each latent by
        replacement (the known part, noised to the current step, overwrites the sample before each
        model call); this is how a song's next clip continues the previous one's overlap.
        """
        scheduler = self._scheduler(sampler, num_inference_steps)
        d = self.denoiser.config.latent_size
        # Noise is drawn where the generator lives (the CPU by default) and then moved, so a seed gives
        # the same samples on every device.
        x = _randn((len(genres), d), generator, self.denoiser.device) * scheduler.init_noise_sigma
        return self._denoise(x, genres, scheduler, scheduler.timesteps, guidance_scale, generator, known, known_mask)

    @torch.no_grad()
    def transfer(
        self,
        z: torch.Tensor,
        genres: str | list[str],
        strength: float = 0.5,
        num_inference_steps: int = 50,
        guidance_scale: float | Guidance = 3.0,
        generator: torch.Generator | None = None,
        sampler: str = "ddim",
    ) -> torch.Tensor:
        """Genre transfer of latents ``z (N, D)`` (VAE units) toward ``genres`` (one name or N): ``(N, D)``.

        The latent is noised to the level ``strength`` of the way to pure noise (0: returned as is; 1:
        nothing of it survives) and denoised, conditioned on the target genre, over the remaining
        ``round(strength * num_inference_steps)`` steps (SDEdit, Meng et al. 2022).
        """
        if not 0.0 <= strength <= 1.0:
            raise UserError(f"strength must be in [0, 1], got {strength:g}")
        genres = [genres] * len(z) if isinstance(genres, str) else list(genres)
        if len(genres) != len(z):
            raise UserError(f"transfer needs one genre or one per latent ({len(z)}), got {len(genres)}")
        self.denoiser.genre_index(genres)  # an unknown genre fails before any work
        scheduler = self._scheduler(sampler, num_inference_steps)
        steps = int(round(strength * len(scheduler.timesteps)))
        if steps == 0:
            return z.clone()
        timesteps = scheduler.timesteps[len(scheduler.timesteps) - steps :]
        device = self.denoiser.device
        x0 = self.denoiser.normalize(z.to(device))
        x = scheduler.add_noise(x0, _randn(x0.shape, generator, device), timesteps[:1])
        return self._denoise(x, genres, scheduler, timesteps, guidance_scale, generator)

    def _scheduler(self, sampler: str, num_inference_steps: int):
        if num_inference_steps < 1:
            raise UserError(f"num_inference_steps must be >= 1, got {num_inference_steps}")
        scheduler = self.sampler(sampler)
        scheduler.set_timesteps(num_inference_steps, device=self.denoiser.device)
        return scheduler

    def _denoise(
        self,
        x: torch.Tensor,
        genres: list[str],
        scheduler,
        timesteps: torch.Tensor,
        guidance: float | Guidance,
        generator: torch.Generator | None,
        known: torch.Tensor | None = None,
        known_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Run ``timesteps`` of ``scheduler`` from ``x (N, D)`` (model units); returns VAE units."""
        model = self.denoiser
        device = model.device
        labels = model.genre_index(list(genres)).to(device)
        guidance = Guidance.of(guidance)
        total = scheduler.config.num_train_timesteps
        target = model.normalize(known.to(device)) if known is not None else None
        if known_mask is not None:
            known_mask = known_mask.to(device)
        for t in timesteps:
            if target is not None:
                noisy = scheduler.add_noise(target, _randn(x.shape, generator, device), t.reshape(1))
                x = torch.where(known_mask, noisy, x)
            inp = scheduler.scale_model_input(x, t)
            pred = guided(model, inp, t, labels, guidance, total)
            x = scheduler.step(pred, t, x, generator=generator).prev_sample
        if target is not None:
            x = torch.where(known_mask, target, x)
        return model.denormalize(x)

    @torch.no_grad()
    def __call__(
        self,
        genre: str | list[str],
        num_inference_steps: int = 50,
        guidance_scale: float | None = None,
        generator: torch.Generator | None = None,
        audio_length_in_s: float | None = None,
        num_waveforms_per_prompt: int = 1,
        sampler: str = "ddim",
        output_type: str = "np",
        return_dict: bool = True,
    ) -> AudioPipelineOutput | tuple:
        """Audio of each genre (a name or a list), ``num_waveforms_per_prompt`` each, at ``self.codec.sample_rate``.

        ``audio_length_in_s``: None for one clip (5 s); shorter cuts a clip; longer chains clips by
        latent inpainting (:func:`diffusion.sample_song`). ``guidance_scale`` defaults to the scale
        chosen on valid (stored in the record), else 3. Returns ``AudioPipelineOutput(audios=(N, samples))``
        as numpy (``output_type="np"``) or torch (``"pt"``).
        """
        if self.codec is None:
            raise UserError(
                "this pipeline has no stage-one model; load a shipped folder with diffusion.load_pipeline(folder)"
            )
        genres = [genre] if isinstance(genre, str) else list(genre)
        genres = [g for g in genres for _ in range(num_waveforms_per_prompt)]
        if guidance_scale is None:
            guidance_scale = self.default_guidance
        if not self.is_song(audio_length_in_s):
            z = self.sample_latents(genres, num_inference_steps, guidance_scale, generator, sampler)
            keep = int(round(audio_length_in_s * self.codec.sample_rate)) if audio_length_in_s else None
            audio = self.codec.decode(z)[:, :keep]
        else:
            audio = torch.stack(
                [
                    sample_song(
                        self,
                        g,
                        audio_length_in_s,
                        num_inference_steps=num_inference_steps,
                        guidance_scale=guidance_scale,
                        generator=generator,
                        sampler=sampler,
                    )[0]
                    for g in genres
                ]
            )
        audio = audio.float().cpu().numpy() if output_type == "np" else audio
        return AudioPipelineOutput(audios=audio) if return_dict else (audio,)


def _randn(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    where = generator.device if generator is not None else torch.device("cpu")
    return torch.randn(shape, generator=generator, device=where).to(device)


STOCK_LOADER = """# Lets diffusers load this folder on its own:
#   DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)
# The class lives in the installed genre-ldm package (pip install -e . in its repository).
from diffusion.pipeline import GenreLatentPipeline  # noqa: F401
"""


def save(
    pipeline: GenreLatentPipeline,
    folder: str | os.PathLike,
    stage_one: str | os.PathLike,
    *,
    metrics: dict | None = None,
    extra: dict | None = None,
    card: str = "",
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Write the pipeline folder: denoiser, scheduler and the stage-one VAE and vocoder of ``stage_one`` as
    components, a ``pipeline.py`` for diffusers' stock loader, and the record with its hash-checked reference
    to ``stage_one`` (provenance)."""
    folder = Path(folder)
    stage = autoencoder.load(stage_one)
    mel = read_record(stage_one, "vae")["mel"]
    # Copies in the stored dtype (fp16 halves a shipped folder); loading always runs in float32.
    parts = [
        copy.deepcopy(m).to(dtype) if m is not None and dtype != torch.float32 else m
        for m in (pipeline.denoiser, stage.vae, stage.vocoder)
    ]
    full = GenreLatentPipeline(
        parts[0], pipeline.scheduler, parts[1], parts[2], mel, stage.clip_samples / stage.sample_rate
    )
    save_pretrained(full, folder)
    index = json.loads((folder / "model_index.json").read_text())
    index["_class_name"] = ["pipeline", "GenreLatentPipeline"]  # diffusers imports it from ./pipeline.py
    write_text(folder / "model_index.json", json.dumps(index, indent=2) + "\n")
    write_text(folder / "pipeline.py", STOCK_LOADER)
    record = {
        "format_version": 1,
        "kind": "diffusion",
        "references": {"stage_one": reference(stage_one, folder)},
        "genres": pipeline.genres,
        "parameters": sum(p.numel() for p in pipeline.denoiser.parameters()),
        "metrics": metrics or {},
        "created": created(),
        "mel": mel,
        **(extra or {}),
    }
    write_record(folder, record)
    write_text(folder / "README.md", card or f"# genre-ldm latent diffusion\n\nGenres: {', '.join(pipeline.genres)}.\n")
    return folder


def load(folder: str | os.PathLike, stage_one: bool = True, device: str | torch.device = "cpu") -> GenreLatentPipeline:
    """Load a pipeline folder on ``device``: with its stage-one VAE and vocoder unless ``stage_one=False``.

    The components used are the folder's own. The record names the stage-one model they were copied
    from (provenance); when that folder is at hand its hash is checked, so a VAE retrained since is
    noticed. A :class:`ModelFolderError` names what is missing or changed.
    """
    folder = Path(folder)
    record = read_record(folder, "diffusion")
    ref = record.get("references", {}).get("stage_one")
    if stage_one and ref and (folder / ref["path"]).is_dir():
        source = resolve_reference(ref, folder, "stage-one model")
        require_same_front_end(
            MelSettings(**record["mel"]),
            f"the pipeline at {str(folder)!r}",
            mel_settings(read_record(source, "vae")),
            f"its stage one at {str(source)!r}",
        )
    for part in ("denoiser", "scheduler"):
        if not (folder / part).is_dir():
            raise ModelFolderError(f"{str(folder)!r} has no {part}/ folder; is it a diffusion pipeline?")
    device = resolve_device(device)
    denoiser = LatentDenoiser.from_pretrained(str(folder / "denoiser"), torch_dtype=torch.float32).eval()
    scheduler = DDPMScheduler.from_pretrained(str(folder / "scheduler"))
    vae = vocoder = None
    if stage_one:
        if not (folder / "vae").is_dir():
            raise ModelFolderError(
                f"{str(folder)!r} has no vae/ folder: it was saved by an older genre-ldm; "
                "ship it again with genre-ldm ship"
            )
        vae = MelVAE.from_pretrained(str(folder / "vae"), torch_dtype=torch.float32).eval()
        if (folder / "vocoder").is_dir():
            vocoder = Vocoder.from_pretrained(str(folder / "vocoder"), torch_dtype=torch.float32).eval()
    index = json.loads((folder / "model_index.json").read_text())
    if index.get("mel") and index["mel"] != record["mel"]:
        require_same_front_end(
            MelSettings(**index["mel"]),
            f"{str(folder / 'model_index.json')!r}",
            MelSettings(**record["mel"]),
            f"the record of {str(folder)!r}",
        )
    pipeline = GenreLatentPipeline(
        denoiser, scheduler, vae, vocoder, index.get("mel") or record["mel"], float(index.get("clip_seconds", 5.0))
    )
    pipeline.record = record
    return pipeline.to(device)


def write_metrics(folder: str | os.PathLike, metrics: dict, sampling: dict | None = None) -> None:
    """Merge ``metrics`` (and the sampling defaults chosen on valid) into the pipeline record."""
    record = read_record(folder, "diffusion")
    record["metrics"] = {**record.get("metrics", {}), **metrics}
    if sampling is not None:
        record["sampling"] = sampling
    write_record(folder, record)
