"""Measuring what users do beyond sampling clips: songs, continuing their own song, genre transfer.

- :func:`song_seams`: ``songs_per_genre`` songs of every genre; each seam's spectral flux and texture
  jump relative to random moments inside clips (1.0 = a seam is like any other moment), beside the
  same songs made of independently sampled clips joined by the same crossfade. Intervals resample
  songs (each song is independent); differences are paired song by song.
- :func:`continuation_joins`: two consecutive clips (10 s) of held-out tracks, continued in their own
  genre; the join measured the same way, against a continuation sampled without the overlap held.
  Intervals resample tracks.
- :func:`transfer_curve`: held-out clips moved toward another genre at each strength; the
  independent judge's recognition of the target (and of the source) and the onset-envelope
  correlation with the original (does the rhythm survive?). Intervals resample tracks.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from genre_base import PreparedDataset, save_audio
from genre_base.intervals import Interval
from genre_base.metrics import onset_envelope, pearson
from genre_base.stats import bootstrap_mean_ci

from .guidance import Guidance
from .pipeline import GenreLatentPipeline
from .song import continue_song, sample_song, seam_flux, seam_positions

MEASURES = ("flux", "jump")


def _mean_ci(values, groups=None, n_boot: int = 1000) -> dict:
    """The mean of ``values`` and its interval over ``groups`` (rows when None), as an :class:`Interval`'s JSON."""
    return Interval(*bootstrap_mean_ci(values, groups, n_boot), n=len(values)).to_json()


def seam_summary(rows: list[dict], groups: np.ndarray | None, n_boot: int = 1000) -> dict:
    """Mean seam ratios of chained and independent versions, and their paired difference, with intervals
    resampling ``groups`` (songs or tracks; None resamples rows)."""
    out = {}
    for m in MEASURES:
        chained = np.array([r["chained"][m]["ratio"] for r in rows])
        loose = np.array([r["independent_crossfaded"][m]["ratio"] for r in rows])
        out[m] = {
            "chained": _mean_ci(chained, groups, n_boot),
            "independent_crossfaded": _mean_ci(loose, groups, n_boot),
            "difference": _mean_ci(chained - loose, groups, n_boot),
        }
    return out


def song_seams(
    pipe: GenreLatentPipeline,
    seconds: float = 30.0,
    songs_per_genre: int = 4,
    *,
    steps: int = 25,
    guidance: float | Guidance = 3.0,
    sampler: str = "ddim",
    seed: int = 0,
    n_boot: int = 1000,
    audio_dir: Path | None = None,
) -> dict:
    """Seams of ``songs_per_genre`` songs of ``seconds`` in every genre; the first song of each genre is
    written to ``audio_dir/<genre>.wav`` when given."""
    codec = pipe.codec
    rows = []
    for g in pipe.genres:
        for i in range(songs_per_genre):
            kwargs = dict(num_inference_steps=steps, guidance_scale=guidance, sampler=sampler)
            wave, traj = sample_song(pipe, g, seconds, generator=torch.Generator().manual_seed(seed + i), **kwargs)
            loose, _ = sample_song(
                pipe, g, seconds, generator=torch.Generator().manual_seed(seed + i), chained=False, **kwargs
            )
            where = seam_positions(traj, codec.clip_samples)
            rows.append(
                {
                    "genre": g,
                    "song": i,
                    "chained": seam_flux(wave, where, codec.frontend),
                    "independent_crossfaded": seam_flux(loose, where, codec.frontend),
                }
            )
            if audio_dir is not None and i == 0:
                save_audio(Path(audio_dir) / f"{g}.wav", wave, codec.sample_rate)
    genres = np.array([r["genre"] for r in rows])
    per_genre = {g: seam_summary([r for r in rows if r["genre"] == g], None, n_boot) for g in pipe.genres}
    return {
        "seconds": seconds,
        "songs_per_genre": songs_per_genre,
        "steps": steps,
        "sampler": sampler,
        "guidance": Guidance.of(guidance).to_dict(),
        "num_songs": len(rows),
        "overall": seam_summary(rows, np.arange(len(rows)), n_boot),
        "per_genre": per_genre,
        "genres": genres.tolist(),
        "songs": rows,
    }


def held_out_clips(
    data: PreparedDataset, split: str, per_genre: int, need_next: bool = False, seed: int = 0
) -> np.ndarray:
    """Up to ``per_genre`` rows of each genre of ``split``, one per track, not silent; with ``need_next``
    only clips whose track goes on (the next clip exists)."""
    rng = np.random.default_rng(seed)
    rows = data.indices(split)
    if need_next:
        rows = rows[data.next_row[rows] >= 0]
    picked = []
    for g in np.unique(data.genres[rows]):
        of_genre = rng.permutation(rows[data.genres[rows] == g])
        _, first = np.unique(data.track_ids[of_genre], return_index=True)
        picked.extend(of_genre[np.sort(first)][:per_genre])
    return np.sort(np.array(picked, dtype=int))


def continuation_joins(
    pipe: GenreLatentPipeline,
    data: PreparedDataset,
    split: str = "test",
    per_genre: int = 4,
    seconds: float = 10.0,
    *,
    steps: int = 25,
    guidance: float | Guidance = 3.0,
    sampler: str = "ddim",
    seed: int = 0,
    n_boot: int = 1000,
) -> dict:
    """Two consecutive clips of held-out tracks continued by ``seconds`` in their own genre; the join."""
    codec = pipe.codec
    rows = [
        r for r in held_out_clips(data, split, per_genre, need_next=True, seed=seed) if data.genres[r] in pipe.genres
    ]
    results = []
    for r in rows:
        wave = torch.cat([data.wave(r), data.wave(int(data.next_row[r]))])
        kwargs = dict(num_inference_steps=steps, guidance_scale=guidance, sampler=sampler)
        song, join = continue_song(
            pipe, wave, str(data.genres[r]), seconds, generator=torch.Generator().manual_seed(seed), **kwargs
        )
        loose, _ = continue_song(
            pipe,
            wave,
            str(data.genres[r]),
            seconds,
            generator=torch.Generator().manual_seed(seed),
            chained=False,
            **kwargs,
        )
        results.append(
            {
                "track_id": str(data.track_ids[r]),
                "genre": str(data.genres[r]),
                "chained": seam_flux(song, [join], codec.frontend),
                "independent_crossfaded": seam_flux(loose, [join], codec.frontend),
            }
        )
    tracks = np.array([x["track_id"] for x in results])
    return {
        "split": split,
        "seconds_added": seconds,
        "num_tracks": len(results),
        "overall": seam_summary(results, tracks, n_boot),
        "joins": results,
    }


@torch.no_grad()
def transfer_curve(
    pipe: GenreLatentPipeline,
    judge,
    data: PreparedDataset,
    split: str = "test",
    strengths: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
    per_genre: int = 5,
    *,
    steps: int = 25,
    guidance: float | Guidance = 3.0,
    sampler: str = "ddim",
    seed: int = 0,
    n_boot: int = 1000,
) -> dict:
    """Held-out clips moved to the next genre (in the model's order) at each strength; per strength the
    independent judge's recognition of the target and of the source genre, and the onset correlation
    with the original clip (strength 0 is the stage-one reconstruction)."""
    codec = pipe.codec
    rows = [r for r in held_out_clips(data, split, per_genre, seed=seed) if data.genres[r] in pipe.genres]
    waves = data.waves(rows).to(codec.device)
    source = data.genres[rows]
    tracks = data.track_ids[rows]
    order = list(pipe.genres)
    target = np.array([order[(order.index(g) + 1) % len(order)] for g in source])
    z = torch.cat([codec.encode(waves[i : i + 32]) for i in range(0, len(waves), 32)])
    onset_original = onset_envelope(codec.frontend, waves)
    curve = []
    for s in strengths:
        moved = pipe.transfer(z, list(target), s, steps, guidance, torch.Generator().manual_seed(seed), sampler)
        out = torch.cat([codec.decode(moved[i : i + 32]) for i in range(0, len(moved), 32)])
        predicted = judge.predict(out, codec.sample_rate)
        onset = pearson(onset_original, onset_envelope(codec.frontend, out)).cpu().numpy()
        per_target = defaultdict(list)
        for t, p in zip(target, predicted):
            per_target[t].append(float(p == t))
        curve.append(
            {
                "strength": s,
                "target_recognised": _mean_ci((predicted == target).astype(float), tracks, n_boot),
                "source_recognised": _mean_ci((predicted == source).astype(float), tracks, n_boot),
                "onset_corr": _mean_ci(onset, tracks, n_boot),
                "per_target_genre": {g: float(np.mean(v)) for g, v in sorted(per_target.items())},
            }
        )
    return {
        "split": split,
        "num_clips": len(rows),
        "num_tracks": len(set(tracks.tolist())),
        "steps": steps,
        "sampler": sampler,
        "guidance": Guidance.of(guidance).to_dict(),
        "targets": "the next genre in the model's order",
        "curve": curve,
    }
