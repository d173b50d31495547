"""Sampling to files: genre-conditioned clips, songs chained by latent inpainting with their seams measured,
a user's song continued, or a user's song moved toward another genre.

Both write WAVs and ``mels.png`` into a folder, never over existing files unless ``force``; the
same seed gives the same audio.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import torch

from genre_base import Interval, UserError, load_audio, refuse_overwrite, save_audio, write_json
from genre_base.plots import save_mels

from .edit_eval import seam_summary
from .guidance import Guidance
from .pipeline import GenreLatentPipeline
from .song import continue_song, sample_song, seam_flux, seam_positions

log = logging.getLogger(__name__)


def sample_audio(
    pipe: GenreLatentPipeline, genre: str, num: int, seconds: float | None, out: str | Path, **kwargs
) -> list[Path]:
    """Clips (``seconds`` None or at most one clip: cut to ``seconds``) or songs (longer), as the command line asks;
    ``overlap_frames`` in ``kwargs`` applies to songs only."""
    overlap_frames = kwargs.pop("overlap_frames", None)
    if pipe.is_song(seconds, "--seconds"):
        return sample_songs(pipe, genre, num, seconds, out, overlap_frames=overlap_frames, **kwargs)
    return sample_clips(pipe, genre, num, out, seconds=seconds, **kwargs)


def sample_clips(
    pipe: GenreLatentPipeline,
    genre: str,
    num: int,
    out: str | Path,
    *,
    guidance: float | Guidance | None = None,
    steps: int = 50,
    sampler: str = "ddim",
    seed: int = 0,
    force: bool = False,
    seconds: float | None = None,
) -> list[Path]:
    """``num`` clips of ``genre`` as ``<out>/<genre>_<i>.wav`` plus ``mels.png``; ``seconds`` (at most one
    clip) keeps the start of each clip."""
    _check(pipe, genre, num)
    guidance = pipe.default_guidance_settings if guidance is None else Guidance.of(guidance)
    out = Path(out)
    paths = [out / f"{genre}_{i}.wav" for i in range(num)]
    refuse_overwrite(paths + [out / "mels.png"], force)
    z = pipe.sample_latents([genre] * num, steps, guidance, torch.Generator().manual_seed(seed), sampler)
    mels = pipe.codec.decode_mel(z)
    keep = int(round(seconds * pipe.codec.sample_rate)) if seconds else None
    for path, wave in zip(paths, pipe.codec.mel_to_wave(mels)):
        save_audio(path, wave[:keep], pipe.codec.sample_rate)
    save_mels(
        out / "mels.png",
        [(f"{genre} {i}", m) for i, m in enumerate(mels)],
        f"{genre}, guidance {guidance.describe()}, {steps} {sampler} steps, seed {seed}",
    )
    return paths


def sample_songs(
    pipe: GenreLatentPipeline,
    genre: str,
    num: int,
    seconds: float,
    out: str | Path,
    *,
    guidance: float | Guidance | None = None,
    steps: int = 50,
    sampler: str = "ddim",
    seed: int = 0,
    overlap_frames: int | None = None,
    force: bool = False,
) -> list[Path]:
    """``num`` songs of ``seconds`` as ``<out>/<genre>_song_<i>.wav``, ``mels.png`` and ``seams.json``
    (each seam beside the same number of independently sampled clips joined by the same crossfade)."""
    _check(pipe, genre, num)
    codec = pipe.codec
    if not pipe.is_song(seconds, "--seconds"):
        raise UserError(
            f"--seconds must be longer than one clip ({codec.clip_samples / codec.sample_rate:g} s) "
            f"for a song, got {seconds:g}; leave it out for single clips"
        )
    guidance = pipe.default_guidance_settings if guidance is None else Guidance.of(guidance)
    out = Path(out)
    paths = [out / f"{genre}_song_{i}.wav" for i in range(num)]
    refuse_overwrite(paths + [out / "mels.png", out / "seams.json"], force)
    kwargs = dict(overlap_frames=overlap_frames, num_inference_steps=steps, guidance_scale=guidance, sampler=sampler)
    seams, mels = [], []
    for i, path in enumerate(paths):
        wave, traj = sample_song(pipe, genre, seconds, generator=torch.Generator().manual_seed(seed + i), **kwargs)
        save_audio(path, wave, codec.sample_rate)
        mels.append((f"song {i}", codec.frontend(wave.reshape(1, -1).to(codec.device))[0]))
        loose, _ = sample_song(
            pipe, genre, seconds, generator=torch.Generator().manual_seed(seed + i), chained=False, **kwargs
        )
        where = seam_positions(traj, codec.clip_samples)
        seams.append(
            {
                "song": path.name,
                "chained": seam_flux(wave, where, codec.frontend),
                "independent_crossfaded": seam_flux(loose, where, codec.frontend),
            }
        )
    save_mels(out / "mels.png", mels, f"{genre}, {seconds:g} s, seed {seed}")
    intervals = seam_summary(seams, None)  # songs are independent: resample songs
    summary = {
        f"{how}/{m}": Interval.from_json(intervals[m][how]).value
        for how in ("chained", "independent_crossfaded")
        for m in ("flux", "jump")
    }
    write_json(
        out / "seams.json",
        {
            "method": "latent inpainting of the overlap",
            "overlap_frames": overlap_frames or max(1, pipe.denoiser.config.frames // 4),
            "mean_seam_over_inside": summary,
            "intervals_over_songs": intervals,
            "songs": seams,
        },
    )
    log.info(
        "seam / inside-clip ratios (1.0 = a seam is like any other moment; 95% intervals over songs): "
        + ", ".join(
            f"{how}/{m} {Interval.from_json(v).text(2)}"
            for m, row in intervals.items()
            for how, v in row.items()
            if how != "difference"
        )
    )
    return paths


def continue_file(
    pipe: GenreLatentPipeline,
    path: str | Path,
    genre: str,
    seconds: float,
    out: str | Path,
    *,
    num: int = 1,
    guidance: float | Guidance | None = None,
    steps: int = 50,
    sampler: str = "ddim",
    seed: int = 0,
    overlap_frames: int | None = None,
    force: bool = False,
) -> list[Path]:
    """``num`` continuations of the audio file ``path`` by ``seconds`` of ``genre``, as
    ``<out>/<stem>_continued_<genre>_<i>.wav``, with ``mels.png`` and ``seams.json`` (the join beside
    a continuation sampled without the overlap held, joined the same way)."""
    _check(pipe, genre, num)
    codec = pipe.codec
    wave = load_audio(path, codec.sample_rate)
    guidance = pipe.default_guidance_settings if guidance is None else Guidance.of(guidance)
    out = Path(out)
    stem = Path(path).stem
    paths = [out / f"{stem}_continued_{genre}_{i}.wav" for i in range(num)]
    refuse_overwrite(paths + [out / "mels.png", out / "seams.json"], force)
    kwargs = dict(overlap_frames=overlap_frames, num_inference_steps=steps, guidance_scale=guidance, sampler=sampler)
    seams, mels = [], []
    for i, target in enumerate(paths):
        song, join = continue_song(
            pipe, wave, genre, seconds, generator=torch.Generator().manual_seed(seed + i), **kwargs
        )
        loose, _ = continue_song(
            pipe, wave, genre, seconds, generator=torch.Generator().manual_seed(seed + i), chained=False, **kwargs
        )
        save_audio(target, song, codec.sample_rate)
        mels.append(
            (
                f"{target.stem} (join at {join / codec.sample_rate:.1f} s)",
                codec.frontend(song.reshape(1, -1).to(codec.device))[0],
            )
        )
        seams.append(
            {
                "file": target.name,
                "join_seconds": join / codec.sample_rate,
                "chained": seam_flux(song, [join], codec.frontend),
                "independent_crossfaded": seam_flux(loose, [join], codec.frontend),
            }
        )
    save_mels(out / "mels.png", mels, f"{stem} continued as {genre}, {guidance.describe()}, seed {seed}")
    write_json(
        out / "seams.json",
        {
            "method": "the input's last clip encoded, its latent overlap held while sampling",
            "input": str(path),
            "genre": genre,
            "seconds_added": seconds,
            "guidance": guidance.to_dict(),
            "joins": seams,
        },
    )
    return paths


def transfer_file(
    pipe: GenreLatentPipeline,
    path: str | Path,
    genre: str,
    strengths: list[float],
    out: str | Path,
    *,
    guidance: float | Guidance | None = None,
    steps: int = 50,
    sampler: str = "ddim",
    seed: int = 0,
    force: bool = False,
) -> list[Path]:
    """The whole audio file ``path`` moved toward ``genre`` at each strength (0..1), clip by clip
    (:meth:`GenreLatentPipeline.transfer`), as ``<out>/<stem>_to_<genre>_s<strength>.wav`` plus ``mels.png``."""
    _check(pipe, genre, 1)
    bad = [s for s in strengths if not 0.0 <= s <= 1.0]
    if bad or not strengths:
        raise UserError(f"--strength must be values in [0, 1] such as 0.25,0.5; got {strengths}")
    codec = pipe.codec
    guidance = pipe.default_guidance_settings if guidance is None else Guidance.of(guidance)
    trajectory = codec.encode_wave(load_audio(path, codec.sample_rate))
    out = Path(out)
    stem = Path(path).stem
    paths = [out / f"{stem}_to_{genre}_s{s:.2f}.wav" for s in strengths]
    refuse_overwrite(paths + [out / "mels.png"], force)
    mels = []
    for target, strength in zip(paths, strengths):
        z = pipe.transfer(trajectory.z, genre, strength, steps, guidance, torch.Generator().manual_seed(seed), sampler)
        wave = codec.decode_trajectory(replace(trajectory, z=z))
        save_audio(target, wave, codec.sample_rate)
        mels.append((f"strength {strength:g}", codec.frontend(wave[None, : codec.clip_samples].to(codec.device))[0]))
    save_mels(out / "mels.png", mels, f"{stem} -> {genre}, {guidance.describe()}, first 5 s")
    return paths


def _check(pipe: GenreLatentPipeline, genre: str, num: int) -> None:
    if num < 1:
        raise UserError(f"--num must be >= 1, got {num}")
    pipe.denoiser.genre_index([genre])  # an unknown genre fails before any work
    if pipe.codec is None:
        raise UserError(
            "the pipeline was loaded without its stage-one model; load it with diffusion.load_pipeline(folder)"
        )
