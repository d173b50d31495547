"""Turn a folder of labelled audio into a prepared dataset of fixed-length clips.

A prepared dataset is a folder with

* ``clips.int16``: every non-overlapping window of every track, raw int16, shape
  ``(num_clips, clip_samples)`` (memory-mapped by :class:`genre_base.clips.PreparedDataset`);
* ``manifest.csv``: one row per clip (track_id, genre, clip, start_seconds, split, source,
  source_sha1, silent);
* ``summary.json``: counts per genre and split, skipped files with reasons, durations, rules;
* ``dataset.json``: format version, shape, sample rate and the input fingerprint. It is written
  last, by rename, so a folder without it is never taken for a complete dataset.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .audio import AudioLoadError, load_audio
from .discover import Discovery, SourceFolderError, discover_tracks
from .errors import UserError
from .killpoints import reached
from .splits import RULE_UNLABELLED, SPLITS, SplitDecision, assign_splits

FORMAT_VERSION = 1
DATASET_FILES = ("dataset.json", "clips.int16", "manifest.csv", "summary.json")
MANIFEST_COLUMNS = ("track_id", "genre", "clip", "start_seconds", "split", "source", "source_sha1", "silent")
SILENCE_RMS = 1e-4  # about -80 dBFS: below this a clip carries no music worth learning


class DatasetExistsError(UserError):
    """The output folder already holds a different dataset (or other files) and --force was not given."""


@dataclass(frozen=True)
class PrepareOptions:
    clip_seconds: float = 5.0
    sample_rate: int = 22050
    seed: int = 0
    valid_fraction: float = 0.15
    test_fraction: float = 0.15
    # Extra music without labels (any layout): every track goes to train, labelled "unlabelled".
    # Such a dataset only ever adds training clips to stage one (see genre_base.extra).
    unlabelled: bool = False

    def __post_init__(self) -> None:
        if self.clip_seconds <= 0:
            raise UserError(f"clip_seconds must be > 0, got {self.clip_seconds}")
        if self.sample_rate < 1000:
            raise UserError(f"sample_rate must be at least 1000 Hz, got {self.sample_rate}")

    @property
    def clip_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate))


def prepare_dataset(
    src: str | Path,
    out: str | Path,
    options: PrepareOptions = PrepareOptions(),
    force: bool = False,
    progress: bool = True,
) -> dict:
    """Prepare ``src`` into ``out`` and return the summary (also written to ``summary.json``).

    Re-running on unchanged input with the same options returns the existing summary without
    writing. Raises :class:`DatasetExistsError` when ``out`` holds something else and ``force`` is
    false, and :class:`genre_base.discover.SourceFolderError` for a missing or empty ``src``.
    """
    started = time.time()
    found = discover_tracks(src, unlabelled=options.unlabelled)
    hashes = {t.track_id: _sha1(t.path) for t in found.tracks}
    fingerprint = _fingerprint(found, hashes, options)
    out = Path(out)
    existing = _existing_fingerprint(out)
    if existing == fingerprint:
        return {**json.loads((out / "summary.json").read_text()), "up_to_date": True}
    _claim_output(out, existing, force)

    if options.unlabelled:
        decisions = {t.track_id: SplitDecision("train", RULE_UNLABELLED) for t in found.tracks}
    else:
        decisions = assign_splits(
            ((t.track_id, t.label) for t in found.tracks), options.seed, options.valid_fraction, options.test_fraction
        )
    rows, skipped, excluded, stats = [], [], [], Counter()
    tmp = {name: out / f".{name}.partial" for name in DATASET_FILES}
    with open(tmp["clips.int16"], "wb") as clip_file:
        for track in tqdm(found.tracks, desc="preparing", unit="track", disable=not progress):
            decision = decisions[track.track_id]
            if decision.split is None:
                excluded.append(track.track_id)
                continue
            try:
                wave = load_audio(track.path, options.sample_rate).numpy()
            except AudioLoadError as exc:
                skipped.append((track.relpath, exc.reason))
                continue
            n_clips = len(wave) // options.clip_samples
            stats["input_seconds"] += len(wave) / options.sample_rate
            if n_clips == 0:
                skipped.append(
                    (
                        track.relpath,
                        f"shorter than one clip ({len(wave) / options.sample_rate:.2f} s < {options.clip_seconds} s)",
                    )
                )
                continue
            clips = wave[: n_clips * options.clip_samples].reshape(n_clips, options.clip_samples)
            tail = len(wave) - n_clips * options.clip_samples
            stats["tails_dropped"] += tail > 0
            stats["tail_seconds"] += tail / options.sample_rate
            silent = np.sqrt(np.mean(clips.astype(np.float64) ** 2, axis=1)) < SILENCE_RMS
            if silent.all():
                stats["silent_tracks"] += 1
            clip_file.write(np.round(np.clip(clips, -1.0, 1.0) * 32767).astype("<i2").tobytes())
            for i in range(n_clips):
                rows.append(
                    (
                        track.track_id,
                        track.label,
                        i,
                        round(i * options.clip_seconds, 3),
                        decision.split,
                        track.relpath,
                        hashes[track.track_id],
                        int(silent[i]),
                    )
                )
    if not rows:
        for path in tmp.values():
            path.unlink(missing_ok=True)
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped[:5])
        raise SourceFolderError(f"no clip could be made from {str(src)!r} ({len(skipped)} files skipped: {reasons})")

    summary = _summary(src, found, decisions, rows, skipped, excluded, stats, options, time.time() - started)
    _write_csv(tmp["manifest.csv"], rows)
    tmp["summary.json"].write_text(json.dumps(summary, indent=2))
    meta = {
        "format_version": FORMAT_VERSION,
        "num_clips": len(rows),
        "clip_samples": options.clip_samples,
        "sample_rate": options.sample_rate,
        "clip_seconds": options.clip_seconds,
        "dtype": "int16",
        "fingerprint": fingerprint,
        "source": str(src),
    }
    tmp["dataset.json"].write_text(json.dumps(meta, indent=2))
    for name in DATASET_FILES[1:] + DATASET_FILES[:1]:  # dataset.json last: it marks completion
        reached("write")
        os.replace(tmp[name], out / name)
    return summary


def _claim_output(out: Path, existing: str | None, force: bool) -> None:
    """Make ``out`` ready for writing; refuse to replace anything without ``force``."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.partial"):  # left by a killed run: never part of a dataset
        stale.unlink()
    others = [p.name for p in out.iterdir()]
    if existing is None:  # an incomplete dataset of ours (a run killed mid-rename) may be replaced
        others = [name for name in others if name not in DATASET_FILES]
    if others and not force:
        what = (
            "a different dataset (other input or options)"
            if existing
            else f"other files ({', '.join(sorted(others)[:5])})"
        )
        raise DatasetExistsError(f"output folder {str(out)!r} already holds {what}; pass --force to replace it")
    # Remove the completion marker first: a run killed from here on leaves an incomplete folder.
    for name in DATASET_FILES:
        (out / name).unlink(missing_ok=True)


def _existing_fingerprint(out: Path) -> str | None:
    try:
        return json.loads((out / "dataset.json").read_text()).get("fingerprint")
    except (OSError, ValueError):
        return None


def _fingerprint(found: Discovery, hashes: dict[str, str], options: PrepareOptions) -> str:
    # Written as before the unlabelled option existed, so datasets prepared then keep their fingerprint.
    text = (
        f"PrepareOptions(clip_seconds={options.clip_seconds}, sample_rate={options.sample_rate}, seed="
        f"{options.seed}, valid_fraction={options.valid_fraction}, test_fraction={options.test_fraction})"
    )
    h = hashlib.sha1(f"v{FORMAT_VERSION}|{text}{'|unlabelled' if options.unlabelled else ''}".encode())
    for t in found.tracks:
        h.update(f"{t.relpath}|{t.label}|{hashes[t.track_id]}\n".encode())
    return h.hexdigest()


def _sha1(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_csv(path: Path, rows: list[tuple]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(rows)


def _summary(src, found, decisions, rows, skipped, excluded, stats, options, seconds) -> dict:
    clips = defaultdict(lambda: dict.fromkeys(SPLITS, 0))
    tracks = defaultdict(lambda: dict.fromkeys(SPLITS, 0))
    seen = set()
    for track_id, genre, _, _, split, *_ in rows:
        clips[genre][split] += 1
        if track_id not in seen:
            seen.add(track_id)
            tracks[genre][split] += 1
    rules = Counter(d.rule for d in decisions.values())
    return {
        "source": str(src),
        "clip_seconds": options.clip_seconds,
        "sample_rate": options.sample_rate,
        "num_clips": len(rows),
        "num_tracks": len(seen),
        "clips_per_genre_split": dict(sorted(clips.items())),
        "tracks_per_genre_split": dict(sorted(tracks.items())),
        "split_rules": dict(rules),
        "split_seed": options.seed,
        "excluded_unlisted_gtzan_ids": sorted(excluded),
        "skipped": [{"path": p, "reason": r} for p, r in skipped],
        "ignored": [{"path": p, "reason": r} for p, r in found.ignored],
        "empty_label_folders": found.empty_label_dirs,
        "silent_clips": sum(r[-1] for r in rows),
        "silent_tracks": stats["silent_tracks"],
        "tails_dropped": stats["tails_dropped"],
        "tail_seconds_dropped": round(stats["tail_seconds"], 2),
        "input_seconds": round(stats["input_seconds"], 2),
        "clip_seconds_total": round(len(rows) * options.clip_seconds, 2),
        "prepare_seconds": round(seconds, 1),
    }


def format_summary(summary: dict) -> str:
    """A human-readable table of a summary (clips per genre and split, then the notes)."""
    lines = ["(already prepared from the same input: nothing written)"] if summary.get("up_to_date") else []
    lines.append(f"{'genre':<14}" + "".join(f"{s:>8}" for s in SPLITS) + f"{'tracks':>8}")
    for genre, counts in summary["clips_per_genre_split"].items():
        n_tracks = sum(summary["tracks_per_genre_split"][genre].values())
        lines.append(f"{genre:<14}" + "".join(f"{counts[s]:>8}" for s in SPLITS) + f"{n_tracks:>8}")
    totals = [sum(c[s] for c in summary["clips_per_genre_split"].values()) for s in SPLITS]
    lines.append(f"{'all (clips)':<14}" + "".join(f"{t:>8}" for t in totals) + f"{summary['num_tracks']:>8}")
    lines.append(
        f"split rules: {summary['split_rules']}; left out (unlisted GTZAN ids): "
        f"{len(summary['excluded_unlisted_gtzan_ids'])}"
    )
    lines.append(
        f"skipped files: {len(summary['skipped'])}; ignored files: {len(summary['ignored'])}; empty label folders: {len(summary['empty_label_folders'])}; "
        f"silent clips: {summary['silent_clips']}"
    )
    lines.append(
        f"audio: {summary['input_seconds']:.0f} s read, {summary['clip_seconds_total']:.0f} s in clips, "
        f"{summary['tails_dropped']} tails dropped ({summary['tail_seconds_dropped']:.0f} s); "
        f"took {summary['prepare_seconds']} s"
    )
    for item in summary["skipped"][:20]:
        lines.append(f"  skipped {item['path']}: {item['reason']}")
    return "\n".join(lines)
