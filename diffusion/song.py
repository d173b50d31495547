"""Songs longer than one clip: a chain of clip latents, each continuing the previous one.

Continuity comes from inpainting the overlap in latent space: clip ``k + 1`` starts with the last
``overlap_frames`` latent frames of clip ``k`` held fixed (replacement at every denoising step),
so the denoiser writes a continuation of what is already there rather than a fresh clip. The
decoded clips are then joined by the same raised-cosine overlap-add stage one uses for long files.

:func:`seam_flux` measures what a listener would hear at a join: the spectral flux (mean absolute
frame-to-frame change of the log-mel) at each seam, relative to the flux at random places inside
clips; 1.0 means a seam is as smooth as the music around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

import autoencoder
from genre_base.errors import UserError

if TYPE_CHECKING:  # annotations only: the pipeline imports this module, not the other way round
    from .pipeline import GenreLatentPipeline


def clip_starts(num_clips: int, clip_samples: int, frames: int, overlap_frames: int) -> list[int]:
    """Sample offsets of chained clips that share ``overlap_frames`` of their ``frames`` latent frames."""
    hop = (frames - overlap_frames) * clip_samples / frames
    return [int(round(k * hop)) for k in range(num_clips)]


def num_clips_for(seconds: float, sample_rate: int, clip_samples: int, frames: int, overlap_frames: int) -> int:
    hop = (frames - overlap_frames) * clip_samples / frames
    return max(1, int(np.ceil((seconds * sample_rate - clip_samples) / hop)) + 1)


def overlap_mask(channels: int, frames: int, overlap_frames: int) -> torch.Tensor:
    """``(channels * frames,)`` bool: the first ``overlap_frames`` frames of every channel."""
    mask = torch.zeros(channels, frames, dtype=torch.bool)
    mask[:, :overlap_frames] = True
    return mask.reshape(-1)


def shift_left(z: torch.Tensor, channels: int, frames: int, overlap_frames: int) -> torch.Tensor:
    """Move the last ``overlap_frames`` frames of ``z (N, D)`` to the front (the rest is zero)."""
    grid = z.reshape(len(z), channels, frames)
    out = torch.zeros_like(grid)
    out[:, :, :overlap_frames] = grid[:, :, frames - overlap_frames :]
    return out.reshape(len(z), -1)


def _chain(
    pipe: GenreLatentPipeline,
    first: torch.Tensor,
    count: int,
    genre: str,
    overlap_frames: int,
    chained: bool,
    num_inference_steps: int,
    guidance_scale,
    generator: torch.Generator | None,
    sampler: str,
) -> list[torch.Tensor]:
    """``first (1, D)`` followed by ``count`` sampled latents, each continuing the one before it.

    With ``chained`` each new latent starts with the previous one's last ``overlap_frames`` frames
    held fixed (inpainting); without it the new latents are sampled independently.
    """
    cfg = pipe.denoiser.config
    mask = overlap_mask(cfg.channels, cfg.frames, overlap_frames) if chained else None
    latents = [first]
    for _ in range(count):
        known = shift_left(latents[-1], cfg.channels, cfg.frames, overlap_frames) if chained else None
        latents.append(
            pipe.sample_latents(
                [genre], num_inference_steps, guidance_scale, generator, sampler, known=known, known_mask=mask
            )
        )
    return latents


@torch.no_grad()
def sample_song(
    pipe: GenreLatentPipeline,
    genre: str,
    seconds: float,
    overlap_frames: int | None = None,
    num_inference_steps: int = 50,
    guidance_scale: float = 3.0,
    generator: torch.Generator | None = None,
    sampler: str = "ddim",
    chained: bool = True,
) -> tuple[torch.Tensor, autoencoder.Trajectory]:
    """A song of ``seconds`` in one genre: ``(samples,)`` waveform and the trajectory it was decoded from.

    ``overlap_frames`` defaults to a quarter of the latent frames (8 of 32: 1.25 s of a 5 s clip).
    ``chained=False`` samples every clip independently (the baseline the seams are compared with).
    """
    codec = pipe.codec
    cfg = pipe.denoiser.config
    frames = cfg.frames
    if overlap_frames is None:
        overlap_frames = max(1, frames // 4)
    if frames == 1:
        chained = False  # no time axis to continue along: independent clips, crossfaded
        overlap_frames = 0
    if chained and not 0 < overlap_frames < frames:
        raise UserError(f"overlap_frames must be in 1..{frames - 1}, got {overlap_frames}")
    k = num_clips_for(seconds, codec.sample_rate, codec.clip_samples, frames, overlap_frames)
    starts = (
        clip_starts(k, codec.clip_samples, frames, overlap_frames)
        if frames > 1
        else [int(round(i * (codec.clip_samples - codec.sample_rate))) for i in range(k)]
    )
    first = pipe.sample_latents([genre], num_inference_steps, guidance_scale, generator, sampler)
    latents = _chain(
        pipe, first, k - 1, genre, overlap_frames, chained, num_inference_steps, guidance_scale, generator, sampler
    )
    trajectory = autoencoder.Trajectory(torch.cat(latents), starts, starts[-1] + codec.clip_samples, codec.sample_rate)
    return codec.decode_trajectory(trajectory)[: int(round(seconds * codec.sample_rate))], trajectory


@torch.no_grad()
def continue_song(
    pipe: GenreLatentPipeline,
    wave: torch.Tensor,
    genre: str,
    seconds: float,
    overlap_frames: int | None = None,
    num_inference_steps: int = 50,
    guidance_scale: float = 3.0,
    generator: torch.Generator | None = None,
    sampler: str = "ddim",
    chained: bool = True,
) -> tuple[torch.Tensor, int]:
    """A user's audio ``wave (samples,)`` followed by ``seconds`` of new music in ``genre``.

    The input's last clip is encoded; the first new clip is sampled with that latent's last
    ``overlap_frames`` held fixed (the same inpainting that chains a generated song) and the rest
    follow as in :func:`sample_song`. The original audio is kept up to its end and crossfades there
    into the decoded continuation. ``chained=False`` samples the new clips without the overlap held
    (the baseline for the join). Returns ``((len(wave) + seconds * sample_rate,), join sample)``.
    """
    codec = pipe.codec
    cfg = pipe.denoiser.config
    frames = cfg.frames
    if frames == 1:
        raise UserError("continuing a song needs latents with a time axis (frames > 1); this model has one frame")
    overlap_frames = max(1, frames // 4) if overlap_frames is None else overlap_frames
    if not 0 < overlap_frames < frames:
        raise UserError(f"overlap_frames must be in 1..{frames - 1}, got {overlap_frames}")
    if not seconds > 0:
        raise UserError(f"--seconds (of music after the input) must be > 0, got {seconds:g}")
    clip, rate = codec.clip_samples, codec.sample_rate
    if wave.ndim != 1 or wave.shape[0] < clip:
        raise UserError(
            f"the audio to continue must be at least one clip ({clip / rate:g} s) of mono audio, "
            f"got {wave.shape[-1] / rate:.2f} s"
        )
    hop = (frames - overlap_frames) * clip / frames
    new = max(1, int(np.ceil(seconds * rate / hop)))
    latents = _chain(
        pipe,
        codec.encode(wave[-clip:].to(codec.device)),
        new,
        genre,
        overlap_frames,
        chained,
        num_inference_steps,
        guidance_scale,
        generator,
        sampler,
    )
    starts = clip_starts(new + 1, clip, frames, overlap_frames)
    decoded = codec.decode_trajectory(autoencoder.Trajectory(torch.cat(latents), starts, starts[-1] + clip, rate)).cpu()
    # The decoded first window is the input's own last clip (reconstructed); the join sits at the input's
    # end, where a short raised-cosine fade hands the original over to the decoded continuation.
    fade = max(1, min(int(0.25 * rate), int(overlap_frames * clip / frames)))
    ramp = 0.5 - 0.5 * torch.cos(torch.linspace(0, torch.pi, fade))
    wave = wave.cpu()
    joined = torch.cat(
        [
            wave[:-fade],
            wave[-fade:] * (1 - ramp) + decoded[clip - fade : clip] * ramp,
            decoded[clip : clip + int(round(seconds * rate))],
        ]
    )
    return joined, wave.shape[0] - fade // 2


def seam_positions(trajectory: autoencoder.Trajectory, clip_samples: int) -> list[int]:
    """The middle of each overlap between consecutive clips, in samples."""
    return [(start + prev + clip_samples) // 2 for prev, start in zip(trajectory.starts, trajectory.starts[1:])]


def seam_flux(
    wave: torch.Tensor,
    seams: list[int],
    frontend: autoencoder.MelFrontend,
    radius_seconds: float = 0.25,
    window_seconds: float = 1.0,
    num_random: int = 200,
    seed: int = 0,
) -> dict:
    """How audible the joins are, at the seams vs at random positions away from them.

    Two measures on the normalised log-mel: ``flux``, the peak frame-to-frame change within
    ``radius_seconds`` (a click or a cut); ``jump``, the L1 distance between the mean spectra of
    the ``window_seconds`` before and after (a change of texture that a crossfade only blurs).
    Returns each at the seams, inside, and their ratio (1.0 = a seam is like any other moment).
    """
    mel = frontend(wave.reshape(1, -1).to(autoencoder.module_device(frontend)))[0].cpu().numpy()
    flux = np.abs(np.diff(mel, axis=1)).mean(0)
    hop, sr = frontend.settings.hop_length, frontend.settings.sample_rate
    radius = max(1, int(radius_seconds * sr / hop))
    window = max(1, int(window_seconds * sr / hop))
    seam_frames = [s // hop for s in seams if window <= s // hop < mel.shape[1] - window]

    def measures(f: int) -> tuple[float, float]:
        peak = float(flux[max(0, f - radius) : f + radius + 1].max())
        jump = float(np.abs(mel[:, f - window : f].mean(1) - mel[:, f : f + window].mean(1)).mean())
        return peak, jump

    far = [f for f in range(window, mel.shape[1] - window) if all(abs(f - s) > window for s in seam_frames)]
    rng = np.random.default_rng(seed)
    inside = (
        np.array([measures(f) for f in rng.choice(far, size=min(num_random, len(far)), replace=False)])
        if far
        else np.full((1, 2), np.nan)
    )
    at_seams = np.array([measures(f) for f in seam_frames]) if seam_frames else np.full((1, 2), np.nan)
    out: dict = {"num_seams": len(seam_frames)}
    for j, name in enumerate(("flux", "jump")):
        seam, ins = float(np.mean(at_seams[:, j])), float(np.mean(inside[:, j]))
        out[name] = {"seam": seam, "inside": ins, "ratio": seam / ins}
    return out
