"""Extra unlabelled music for stage one: prepared once, cached, recorded with its licences.

Stage one (the vocoder and the mel VAE) only learns to reconstruct, so it can learn from any music,
labelled or not. Such a folder is prepared like GTZAN (:func:`genre_base.prepare.prepare_dataset`
with ``unlabelled=True``: every track in train) into a cache beside the main dataset, and its clips
are only ever *added to training*: selection and evaluation read the main dataset's valid and test
splits alone.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

from .clips import DatasetError, PreparedDataset
from .prepare import PrepareOptions, prepare_dataset

CACHE_FOLDER = "extra"  # beside the main prepared dataset: data/gtzan -> data/extra/<name>-<hash>/


def cache_folder(src: str | Path, main: PreparedDataset) -> Path:
    """Where the prepared copy of ``src`` lives: ``<main's parent>/extra/<src name>-<hash of its path>``."""
    resolved = Path(src).resolve()
    tag = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    return main.path.parent / CACHE_FOLDER / f"{resolved.name}-{tag}"


def load_extra(src: str | Path, main: PreparedDataset, progress: bool = True) -> PreparedDataset:
    """The extra music at ``src`` as a prepared dataset matching ``main``'s sample rate and clip length.

    ``src`` is either already a prepared dataset (has ``dataset.json``) or a folder of audio in any
    layout, prepared into :func:`cache_folder` on first use (later calls find it up to date).

    Raises:
        DatasetError: the prepared clips do not match ``main``'s sample rate or clip length.
    """
    if (Path(src) / "dataset.json").is_file():
        extra = PreparedDataset(src)
    else:
        options = PrepareOptions(
            clip_seconds=float(main.meta["clip_seconds"]), sample_rate=main.sample_rate, unlabelled=True
        )
        out = cache_folder(src, main)
        prepare_dataset(src, out, options, progress=progress)
        extra = PreparedDataset(out)
    if extra.sample_rate != main.sample_rate or extra.clips.shape[1] != main.clips.shape[1]:
        raise DatasetError(
            f"extra music {str(src)!r} is prepared at {extra.sample_rate} Hz, {extra.clips.shape[1]} "
            f"samples a clip; the main dataset has {main.sample_rate} Hz, {main.clips.shape[1]}"
        )
    return extra


def extra_record(extra: PreparedDataset) -> dict:
    """What a model folder records about extra training music: source, fingerprint, size, licences.

    Licences come from a ``manifest.csv`` in the source folder with a ``license`` (or ``licence``)
    column and optionally a ``package`` column, as ``../shared/data/unlabelled/fetch.py`` writes;
    without one the record says the licences are unknown.
    """
    s = extra.summary
    record = {
        "source": s["source"],
        "fingerprint": extra.meta["fingerprint"],
        "num_clips": s["num_clips"],
        "num_tracks": s["num_tracks"],
        "seconds": s["clip_seconds_total"],
        "split_rules": s["split_rules"],
        "licences": licences(s["source"]),
    }
    return record


def licences(source: str | Path) -> dict[str, int] | str:
    """``{"<package>: <licence or its copyright file>": number of tracks}`` from the source's manifest.

    Reads a ``license`` / ``licence`` column, else a ``copyright_file`` column (what
    ``../shared/data/unlabelled/fetch.py`` writes: the Debian package's copyright file names the
    licences), grouped by a ``package`` / ``source_package`` column when there is one.
    """
    manifest = Path(source) / "manifest.csv"
    if not manifest.is_file():
        return "unknown (no manifest.csv in the source folder)"
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    key = next((k for k in ("license", "licence", "copyright_file") if rows and k in rows[0]), None)
    if key is None:
        return "unknown (the source's manifest.csv has no license or copyright_file column)"
    package = next((k for k in ("package", "source_package") if k in rows[0]), None)
    prefix = "copyright file " if key == "copyright_file" else ""
    return dict(Counter(f"{r[package] + ': ' if package else ''}{prefix}{r[key]}" for r in rows))
