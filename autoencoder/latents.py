"""The latents file: the one hand-off format between stage one, the analysis and stage two.

A ``.npz`` holding, per clip, ``means`` (N, D) float32 and optionally ``logvars`` (N, D),
``track_id``, ``genre``, ``split`` (str) and ``clip`` (int, position in the track), plus
``manifest``: a JSON string with at least

* ``format_version``, ``kind`` (``vae``, ``mfcc``, ``pca`` or ``musicnn``), ``latent_size`` (D);
* ``model_id`` and ``model_hash`` (the stage-one folder and its content hash; for baselines an
  id of the baseline and the dataset fingerprint);
* ``mel`` (the front-end settings), ``layout`` (``global_size``, ``channels``, ``frames``: how a
  VAE latent splits into a whole-clip part and a time axis; ``null`` for baselines);
* ``mean`` and ``std`` (per dimension, over the training split: for normalisation);
* ``command`` (how it was made) and ``data`` (the prepared dataset's path and fingerprint).

:func:`load_latents` is the only reader; it refuses malformed files with messages that say
what is wrong.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genre_base.errors import UserError
from genre_base.files import atomic_path

FORMAT_VERSION = 1
KINDS = ("vae", "mfcc", "pca", "musicnn")
REQUIRED_ARRAYS = ("means", "track_id", "genre", "split", "clip", "manifest")
REQUIRED_MANIFEST = (
    "format_version",
    "kind",
    "latent_size",
    "model_id",
    "model_hash",
    "mel",
    "layout",
    "mean",
    "std",
    "command",
    "data",
)


class LatentsFileError(UserError):
    """A latents file is missing fields, has wrong shapes, is too new, or does not match another."""


@dataclass
class Latents:
    means: np.ndarray  # (N, D) float32
    track_id: np.ndarray  # (N,) str
    genre: np.ndarray  # (N,) str
    split: np.ndarray  # (N,) str
    clip: np.ndarray  # (N,) int
    manifest: dict
    logvars: np.ndarray | None = None  # (N, D)

    @property
    def size(self) -> int:
        return self.means.shape[1]

    @property
    def genre_names(self) -> list[str]:
        return sorted(set(self.genre.tolist()))

    def normalized(self) -> np.ndarray:
        """Means scaled per dimension by the training split's mean and std: ``(N, D)``."""
        return self.normalize(self.means)

    def normalize(self, z) -> np.ndarray:
        """Any latents of this file's model, ``(M, D)``, scaled like :meth:`normalized`."""
        std = np.asarray(self.manifest["std"], np.float32)
        return (np.asarray(z, np.float32) - np.asarray(self.manifest["mean"], np.float32)) / np.where(std > 0, std, 1.0)

    def rows(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == split)


def normalisation_stats(means: np.ndarray, split: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-dimension mean and std over the training rows (all rows if there are none)."""
    train = means[split == "train"] if (split == "train").any() else means
    return train.mean(0).tolist(), train.std(0).tolist()


def save_latents(path: str | os.PathLike, latents: Latents) -> Path:
    """Validate and write atomically (temporary file, then rename)."""
    _validate(latents, str(path))
    path = Path(path)
    arrays = {
        "means": latents.means.astype(np.float32),
        "track_id": latents.track_id.astype(str),
        "genre": latents.genre.astype(str),
        "split": latents.split.astype(str),
        "clip": latents.clip.astype(np.int64),
        "manifest": np.array(json.dumps(latents.manifest)),
    }
    if latents.logvars is not None:
        arrays["logvars"] = latents.logvars.astype(np.float32)
    with atomic_path(path.with_suffix(".npz") if path.suffix != ".npz" else path) as tmp:
        np.savez(tmp, **arrays)
    return path


def load_latents(path: str | os.PathLike) -> Latents:
    """Read and validate a latents file; raises :class:`LatentsFileError` naming the problem."""
    path = str(path)
    if not Path(path).is_file():
        raise LatentsFileError(f"latents file {path!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:  # damaged or not a zip at all
        raise LatentsFileError(f"{path!r} is not a readable .npz latents file: {exc}") from exc
    missing = [k for k in REQUIRED_ARRAYS if k not in arrays]
    if missing:
        raise LatentsFileError(f"latents file {path!r} lacks {missing} (has {sorted(arrays)})")
    try:
        manifest = json.loads(str(arrays["manifest"]))
    except ValueError as exc:
        raise LatentsFileError(f"the manifest of {path!r} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise LatentsFileError(f"the manifest of {path!r} must be a JSON object, got {type(manifest).__name__}")
    latents = Latents(
        arrays["means"],
        arrays["track_id"],
        arrays["genre"],
        arrays["split"],
        arrays["clip"],
        manifest,
        arrays.get("logvars"),
    )
    _validate(latents, path)
    return latents


def check_made_by(
    latents: Latents, model: str | os.PathLike | None, where: str = "the latents file", *, model_hash: str | None = None
) -> None:
    """Refuse latents that the stage-one model at ``model`` (or with content hash ``model_hash``) did not make.

    Raises :class:`LatentsFileError` naming both when the file holds baseline features or another
    model's latents, or when the model folder has changed since the file was written.
    """
    from genre_base.artifacts import content_hash

    m = latents.manifest
    if m["kind"] != "vae":
        raise LatentsFileError(f"{where} holds {m['kind']!r} features ({m['model_id']}), not latents of a VAE")
    actual = model_hash if model_hash is not None else content_hash(model)
    if actual != m["model_hash"]:
        raise LatentsFileError(
            f"{where} was made by {m['model_id']} (hash {m['model_hash'][:12]}), not by "
            f"{str(model or 'this pipeline')!r} (hash {actual[:12]}); encode the dataset again with this model"
        )


def check_same_model(files: list[Latents], names: list[str]) -> None:
    """Refuse to compare latents made by different stage-one models (e.g. before a diffusion run)."""
    hashes = {f.manifest["model_hash"] for f in files}
    if len(hashes) > 1:
        listing = ", ".join(
            f"{n}: {f.manifest['model_id']} ({f.manifest['model_hash'][:12]})" for n, f in zip(names, files)
        )
        raise LatentsFileError(f"these latents come from different models and cannot be mixed: {listing}")


def _validate(latents: Latents, where: str) -> None:
    m = latents.manifest
    missing = [k for k in REQUIRED_MANIFEST if k not in m]
    if missing:
        raise LatentsFileError(f"the manifest of {where!r} lacks {missing}")
    if m["format_version"] > FORMAT_VERSION:
        raise LatentsFileError(
            f"{where!r} has format version {m['format_version']}, newer than this code's "
            f"{FORMAT_VERSION}; update genre-ldm"
        )
    if m["kind"] not in KINDS:
        raise LatentsFileError(f"{where!r} has kind {m['kind']!r}; expected one of {list(KINDS)}")
    means = latents.means
    if means.ndim != 2 or means.shape[1] != m["latent_size"]:
        raise LatentsFileError(f"{where!r}: means have shape {means.shape}, expected (N, {m['latent_size']})")
    n = means.shape[0]
    for name in ("track_id", "genre", "split", "clip"):
        if getattr(latents, name).shape != (n,):
            raise LatentsFileError(f"{where!r}: {name} has shape {getattr(latents, name).shape}, expected ({n},)")
    if latents.logvars is not None and latents.logvars.shape != means.shape:
        raise LatentsFileError(f"{where!r}: logvars have shape {latents.logvars.shape}, expected {means.shape}")
    for name in ("mean", "std"):
        if len(m[name]) != m["latent_size"]:
            raise LatentsFileError(f"{where!r}: manifest {name} has {len(m[name])} values, expected {m['latent_size']}")
    bad = sorted(set(latents.split.tolist()) - {"train", "valid", "test"})
    if bad:
        raise LatentsFileError(f"{where!r}: unknown split names {bad}; expected train, valid, test")
    if not np.isfinite(means).all():
        raise LatentsFileError(f"{where!r}: means contain NaN or infinite values")
