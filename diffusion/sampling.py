"""Sampling to files: genre-conditioned clips, or songs chained by latent inpainting with their seams measured.

Both write WAVs and ``mels.png`` into a folder, never over existing files unless ``force``; the
same seed gives the same audio.
"""

from __future__ import annotations

from pathlib import Path

import torch

from autoencoder import UserError, refuse_overwrite, save_audio, write_json
from autoencoder.plots import save_mels

from .pipeline import GenreLatentPipeline
from .song import sample_song, seam_flux, seam_positions


def sample_audio(pipe: GenreLatentPipeline, genre: str, num: int, seconds: float | None, out: str | Path,
                 **kwargs) -> list[Path]:
    """Clips (``seconds`` None or at most one clip: cut to ``seconds``) or songs (longer), as the command line asks;
    ``overlap_frames`` in ``kwargs`` applies to songs only."""
    overlap_frames = kwargs.pop("overlap_frames", None)
    if pipe.is_song(seconds, "--seconds"):
        return sample_songs(pipe, genre, num, seconds, out, overlap_frames=overlap_frames, **kwargs)
    return sample_clips(pipe, genre, num, out, seconds=seconds, **kwargs)


def sample_clips(pipe: GenreLatentPipeline, genre: str, num: int, out: str | Path, *, guidance: float | None = None,
                 steps: int = 50, sampler: str = "ddim", seed: int = 0, force: bool = False,
                 seconds: float | None = None) -> list[Path]:
    """``num`` clips of ``genre`` as ``<out>/<genre>_<i>.wav`` plus ``mels.png``; ``seconds`` (at most one
    clip) keeps the start of each clip."""
    _check(pipe, genre, num)
    guidance = pipe.default_guidance if guidance is None else guidance
    out = Path(out)
    paths = [out / f"{genre}_{i}.wav" for i in range(num)]
    refuse_overwrite(paths + [out / "mels.png"], force)
    z = pipe.sample_latents([genre] * num, steps, guidance, torch.Generator().manual_seed(seed), sampler)
    mels = pipe.codec.decode_mel(z)
    keep = int(round(seconds * pipe.codec.sample_rate)) if seconds else None
    for path, wave in zip(paths, pipe.codec.mel_to_wave(mels)):
        save_audio(path, wave[:keep], pipe.codec.sample_rate)
    save_mels(out / "mels.png", [(f"{genre} {i}", m) for i, m in enumerate(mels)],
              f"{genre}, guidance {guidance}, {steps} {sampler} steps, seed {seed}")
    return paths


def sample_songs(pipe: GenreLatentPipeline, genre: str, num: int, seconds: float, out: str | Path, *,
                 guidance: float | None = None, steps: int = 50, sampler: str = "ddim", seed: int = 0,
                 overlap_frames: int | None = None, force: bool = False) -> list[Path]:
    """``num`` songs of ``seconds`` as ``<out>/<genre>_song_<i>.wav``, ``mels.png`` and ``seams.json``
    (each seam beside the same number of independently sampled clips joined by the same crossfade)."""
    _check(pipe, genre, num)
    codec = pipe.codec
    if not pipe.is_song(seconds, "--seconds"):
        raise UserError(f"--seconds must be longer than one clip ({codec.clip_samples / codec.sample_rate:g} s) "
                        f"for a song, got {seconds:g}; leave it out for single clips")
    guidance = pipe.default_guidance if guidance is None else guidance
    out = Path(out)
    paths = [out / f"{genre}_song_{i}.wav" for i in range(num)]
    refuse_overwrite(paths + [out / "mels.png", out / "seams.json"], force)
    kwargs = dict(overlap_frames=overlap_frames, num_inference_steps=steps, guidance_scale=guidance, sampler=sampler)
    seams, mels = [], []
    for i, path in enumerate(paths):
        wave, traj = sample_song(pipe, genre, seconds, generator=torch.Generator().manual_seed(seed + i), **kwargs)
        save_audio(path, wave, codec.sample_rate)
        mels.append((f"song {i}", codec.frontend(wave.reshape(1, -1).to(codec.device))[0]))
        loose, _ = sample_song(pipe, genre, seconds, generator=torch.Generator().manual_seed(seed + i), chained=False,
                               **kwargs)
        where = seam_positions(traj, codec.clip_samples)
        seams.append({"song": path.name, "chained": seam_flux(wave, where, codec.frontend),
                      "independent_crossfaded": seam_flux(loose, where, codec.frontend)})
    save_mels(out / "mels.png", mels, f"{genre}, {seconds:g} s, seed {seed}")
    summary = {f"{how}/{m}": float(sum(s[how][m]["ratio"] for s in seams) / len(seams))
               for how in ("chained", "independent_crossfaded") for m in ("flux", "jump")}
    write_json(out / "seams.json", {"method": "latent inpainting of the overlap",
                                    "overlap_frames": overlap_frames or max(1, pipe.denoiser.config.frames // 4),
                                    "mean_seam_over_inside": summary, "songs": seams})
    print("seam / inside-clip ratios (1.0 = a seam is like any other moment): "
          + ", ".join(f"{k} {v:.2f}" for k, v in summary.items()))
    return paths


def _check(pipe: GenreLatentPipeline, genre: str, num: int) -> None:
    if num < 1:
        raise UserError(f"--num must be >= 1, got {num}")
    pipe.denoiser.genre_index([genre])  # an unknown genre fails before any work
    if pipe.codec is None:
        raise UserError("the pipeline was loaded without its stage-one model; load it with diffusion.load_pipeline(folder)")
