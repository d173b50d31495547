"""Read a prepared dataset (see :mod:`genre_base.prepare`) and serve its clips to training."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from .device import module_device
from .errors import UserError
from .prepare import FORMAT_VERSION, MANIFEST_COLUMNS


class DatasetError(UserError, FileNotFoundError):
    """A folder is not a usable prepared dataset (missing, newer format, damaged, or an empty split)."""


class PreparedDataset:
    """A prepared dataset on disk: a memory-mapped clip array plus its manifest columns.

    Attributes:
        clips: ``np.memmap`` of int16, shape ``(num_clips, clip_samples)``.
        track_ids, genres, splits, sources: ``np.ndarray`` of str, one entry per clip.
        clip_index: ``np.ndarray`` of int, the clip's position inside its track.
        genre_names: sorted unique genres (the class order used everywhere).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        meta_path = self.path / "dataset.json"
        if not meta_path.is_file():
            raise DatasetError(
                f"{str(self.path)!r} is not a prepared dataset (no dataset.json; "
                "run genre-ldm prepare, or it was interrupted)"
            )
        self.meta = json.loads(meta_path.read_text())
        if self.meta.get("format_version", 0) > FORMAT_VERSION:
            raise DatasetError(
                f"dataset {str(self.path)!r} has format version {self.meta['format_version']}, "
                f"newer than this code's {FORMAT_VERSION}; update genre-ldm"
            )
        self.sample_rate = int(self.meta["sample_rate"])
        shape = (int(self.meta["num_clips"]), int(self.meta["clip_samples"]))
        self.clips = np.memmap(self.path / "clips.int16", dtype="<i2", mode="r", shape=shape)
        with open(self.path / "manifest.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        if len(rows) != shape[0] or (rows and tuple(rows[0]) != MANIFEST_COLUMNS):
            raise DatasetError(
                f"manifest of {str(self.path)!r} does not match its clips ({len(rows)} rows for {shape[0]} clips)"
            )
        self.track_ids = np.array([r["track_id"] for r in rows])
        self.genres = np.array([r["genre"] for r in rows])
        self.splits = np.array([r["split"] for r in rows])
        self.sources = np.array([r["source"] for r in rows])
        self.clip_index = np.array([int(r["clip"]) for r in rows])
        self.silent = np.array([r["silent"] == "1" for r in rows])
        self.genre_names = sorted(set(self.genres.tolist()))
        # Rows are written track by track, so a clip's continuation (if any) is the next row.
        same_track = np.append(self.track_ids[1:] == self.track_ids[:-1], False)
        self.next_row = np.where(same_track, np.arange(len(rows)) + 1, -1)

    def __len__(self) -> int:
        return len(self.track_ids)

    @property
    def summary(self) -> dict:
        return json.loads((self.path / "summary.json").read_text())

    def indices(self, split: str | None = None, include_silent: bool = False) -> np.ndarray:
        """Row indices of one split (``None``: all), silent clips left out unless asked for."""
        if split is not None and split not in ("train", "valid", "test"):
            raise ValueError(f"split must be 'train', 'valid', 'test' or None, got {split!r}")
        keep = np.ones(len(self), bool) if split is None else self.splits == split
        if not include_silent:
            keep &= ~self.silent
        return np.flatnonzero(keep)

    def wave(self, index: int) -> torch.Tensor:
        """Clip ``index`` as float32 in [-1, 1], shape ``(clip_samples,)``."""
        return torch.from_numpy(self.clips[index].astype(np.float32) / 32767.0)

    def waves(self, rows) -> torch.Tensor:
        """Clips ``rows`` stacked: ``(len(rows), clip_samples)``."""
        return torch.stack([self.wave(int(r)) for r in rows])

    @torch.no_grad()
    def mels(self, frontend, split: str, batch: int = 64) -> torch.Tensor:
        """Mels of every (non-silent) clip of ``split`` through ``frontend``: ``(N, n_mels, frames)``.

        An empty split falls back to train (the shared GTZAN copy has no valid track for rock).
        """
        rows = self.indices(split)
        if len(rows) == 0:
            rows = self.indices("train")
        device = module_device(frontend)
        return torch.cat([frontend(self.waves(rows[i : i + batch]).to(device)) for i in range(0, len(rows), batch)])

    def label(self, index: int) -> int:
        return self.genre_names.index(self.genres[index])


class ClipDataset(Dataset):
    """Clips of one split as ``(wave, genre_index)``; with ``crop_samples`` a random crop of each.

    ``wave`` has shape ``(crop_samples or clip_samples,)``. With ``random_shift`` a full-length
    window starts at a random point of the clip and runs on into the next clip of the same track
    (never of another track, so splits stay clean): many more distinct windows than clips.
    Randomness comes from torch's generator, so it follows the global seed.
    """

    def __init__(
        self, data: PreparedDataset, split: str, crop_samples: int | None = None, random_shift: bool = False
    ) -> None:
        self.data = data
        self.rows = data.indices(split)
        if len(self.rows) == 0:
            raise DatasetError(f"split {split!r} of {str(data.path)!r} has no (non-silent) clips")
        clip_samples = data.clips.shape[1]
        if crop_samples is not None and not 0 < crop_samples <= clip_samples:
            raise ValueError(f"crop_samples must be in (0, {clip_samples}], got {crop_samples}")
        self.crop_samples = crop_samples
        self.random_shift = random_shift

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        row = int(self.rows[i])
        wave = self.data.wave(row)
        following = int(self.data.next_row[row])
        if self.random_shift and following >= 0 and not self.data.silent[following]:
            offset = int(torch.randint(0, wave.shape[0], ()).item())
            wave = torch.cat([wave[offset:], self.data.wave(following)[:offset]])
        if self.crop_samples is not None and self.crop_samples < wave.shape[0]:
            start = int(torch.randint(0, wave.shape[0] - self.crop_samples + 1, ()).item())
            wave = wave[start : start + self.crop_samples]
        return wave, self.data.label(row)


def fixed_clips(data: PreparedDataset, split: str, count: int, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """``count`` clips of ``split`` spread over as many tracks as possible, always the same ones.

    Returns waves ``(count, clip_samples)`` and their row indices. Falls back to train when the
    split is empty (the shared GTZAN copy has no valid track for rock, for example).
    """
    rows = data.indices(split)
    if len(rows) == 0:
        rows = data.indices("train")
    rng = np.random.default_rng(seed)
    # One clip per track first, then more clips of the same tracks if count asks for it.
    order = rng.permutation(rows)
    _, first = np.unique(data.track_ids[order], return_index=True)
    picked = list(order[np.sort(first)]) + [r for r in order if r not in set(order[first])]
    picked = np.array(picked[:count])
    return data.waves(picked), picked
