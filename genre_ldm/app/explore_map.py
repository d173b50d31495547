"""The Explore tab's map: a 2-D UMAP of the dataset's and out-of-dataset clips' latents.

A small ``map.npz`` (no audio in it) that ships so the tab works right after install:

* ``xy (N, 2)`` float32: UMAP coordinates, fitted on the dataset's clips; out-of-dataset clips are
  placed by the same fitted map (``transform``);
* ``means (N, D)`` float16: the clips' posterior means (decodable by the VAE named in the manifest);
* ``label``: the genre, or ``"out-of-dataset"``; ``source``: ``gtzan-<split>`` or ``ood``;
  ``track_id`` and ``start_seconds``: where the clip starts in its track (to play the original
  when the dataset's audio is present);
* ``manifest``: JSON with the VAE's id and content hash, the projection and the command.

It is a display artifact of the app, derived from a latents file (:mod:`autoencoder.latents`, the one
hand-off format) and the out-of-dataset folder, never read by any analysis.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from analysis.ood import clip_windows
from genre_base import UserError, atomic_path
from genre_base.audio import AUDIO_EXTENSIONS, AudioLoadError

OOD_LABEL = "out-of-dataset"


@dataclass
class ExploreMap:
    xy: np.ndarray
    means: np.ndarray
    label: np.ndarray
    source: np.ndarray
    track_id: np.ndarray
    start_seconds: np.ndarray
    manifest: dict

    def nearest(self, x: float, y: float) -> int:
        """Row of the point nearest to ``(x, y)`` in map coordinates."""
        return int(np.argmin(((self.xy - np.array([x, y])) ** 2).sum(1)))

    def describe(self, row: int) -> str:
        return f"{self.label[row]} · {self.track_id[row]} · from {self.start_seconds[row]:.0f} s ({self.source[row]})"


def load_map(path: str | os.PathLike) -> ExploreMap:
    """Read a map file written by :func:`save_map`; a missing file is a :class:`UserError`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"explore map {str(path)!r} does not exist (make it with genre-ldm explore-map)")
    with np.load(path, allow_pickle=False) as z:
        return ExploreMap(
            z["xy"],
            z["means"].astype(np.float32),
            z["label"],
            z["source"],
            z["track_id"],
            z["start_seconds"],
            json.loads(str(z["manifest"])),
        )


def save_map(path: str | os.PathLike, m: ExploreMap) -> Path:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(
                f,
                xy=m.xy.astype(np.float32),
                means=m.means.astype(np.float16),
                label=m.label,
                source=m.source,
                track_id=m.track_id,
                start_seconds=m.start_seconds.astype(np.float32),
                manifest=json.dumps(m.manifest),
            )
    return Path(path)


def encode_ood(codec, folder: str | os.PathLike, clips_per_track: int = 4) -> tuple[np.ndarray, list[str], list[float]]:
    """Posterior means of up to ``clips_per_track`` 5 s windows of every audio file in ``folder``
    (:func:`analysis.ood.clip_windows`: a file shorter than a clip is zero-padded to one).

    Unreadable files are skipped; returns ``(means (N, D), track ids, start seconds)``."""
    means, ids, starts = [], [], []
    for path in sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS):
        try:
            clips = clip_windows(codec, path)[:clips_per_track]
        except AudioLoadError:
            continue
        count = len(clips)
        with torch.no_grad():
            means.append(codec.encode(clips.to(codec.device)).cpu().numpy())
        ids += [path.stem] * count
        starts += [i * codec.clip_samples / codec.sample_rate for i in range(count)]
    if not means:
        raise UserError(f"no readable audio of at least one clip in {str(folder)!r}")
    return np.concatenate(means), ids, starts


def build_map(
    latents, codec, ood_folder: str | os.PathLike | None, seed: int = 0, clips_per_track: int | None = None
) -> ExploreMap:
    """UMAP of the (normalised) dataset latents, out-of-dataset clips placed by the fitted map.

    ``clips_per_track`` keeps each track's first clips only (the shipped map keeps 2: every track is on it,
    and the file stays small enough to ship); None keeps every clip."""
    import umap

    keep = np.ones(len(latents.means), bool) if clips_per_track is None else latents.clip < clips_per_track
    mean, std = np.asarray(latents.manifest["mean"]), np.asarray(latents.manifest["std"])
    reducer = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed)
    xy = reducer.fit_transform((latents.means[keep] - mean) / std)
    rows = {
        "xy": [xy],
        "means": [latents.means[keep]],
        "label": [latents.genre[keep]],
        "source": [np.char.add("gtzan-", latents.split[keep].astype(str))],
        "track_id": [latents.track_id[keep]],
        "start": [latents.clip[keep] * codec.clip_samples / codec.sample_rate],
    }
    if ood_folder is not None:
        ood, ids, starts = encode_ood(codec, ood_folder)
        rows["xy"].append(reducer.transform((ood - mean) / std))
        rows["means"].append(ood)
        rows["label"].append(np.full(len(ids), OOD_LABEL))
        rows["source"].append(np.full(len(ids), "ood"))
        rows["track_id"].append(np.array(ids))
        rows["start"].append(np.array(starts))
    manifest = {
        "model_id": latents.manifest["model_id"],
        "model_hash": latents.manifest["model_hash"],
        "projection": f"UMAP (n_neighbors 15, min_dist 0.1, seed {seed}) of the normalised means, fitted "
        "on the dataset's clips; out-of-dataset clips placed with transform()",
        "data": latents.manifest["data"],
        "clips_per_track": clips_per_track,
    }
    cat = {k: np.concatenate(v) for k, v in rows.items()}
    return ExploreMap(
        cat["xy"].astype(np.float32),
        cat["means"],
        cat["label"].astype(str),
        cat["source"].astype(str),
        cat["track_id"].astype(str),
        cat["start"].astype(np.float32),
        manifest,
    )
