"""Find labelled tracks in a folder of audio, whatever its layout.

Accepted layouts (searched recursively, so ``genres/<genre>/...`` and Kaggle's
``genres_original/<genre>/...`` work too):

* ``<label>/<any name>.<ext>``: the label is the folder the file sits in;
* a flat folder of ``<label>.<NNNNN>.<ext>`` files (GTZAN names): the label comes from the name.

A track id is the GTZAN id (``blues.00012``) when the file name is one, otherwise the path
relative to the source folder without its extension, which is unique by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .audio import AUDIO_EXTENSIONS
from .errors import UserError

GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
UNLABELLED = "unlabelled"  # the label of every track of a folder prepared without labels (training only)
_NUMBERED_NAME = re.compile(r"^(?P<label>[A-Za-z][\w-]*)\.(?P<number>\d+)$")
_GTZAN_ID = re.compile(r"^(?P<genre>" + "|".join(GTZAN_GENRES) + r")\.\d{5}$")


class SourceFolderError(UserError):
    """The source folder is missing or holds no audio at all."""


@dataclass(frozen=True)
class TrackSource:
    track_id: str
    label: str
    path: Path  # absolute
    relpath: str  # relative to the source folder, with forward slashes


@dataclass
class Discovery:
    tracks: list[TrackSource] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)
    empty_label_dirs: list[str] = field(default_factory=list)


def is_gtzan_id(track_id: str) -> bool:
    """True for ids like ``blues.00012`` (one of the ten GTZAN genres and a 5-digit number)."""
    return _GTZAN_ID.match(track_id) is not None


def discover_tracks(src: str | Path, unlabelled: bool = False) -> Discovery:
    """List the audio files under ``src`` with their labels and track ids.

    With ``unlabelled`` any layout is accepted: every audio file is a track labelled
    :data:`UNLABELLED`, its id the path relative to ``src`` without the extension.

    Files with an extension that is not audio are ignored and reported, as are audio files whose
    label cannot be inferred (a file at the top level whose name is not ``<label>.<number>``)
    and a second file with the same track id (``blues.00001.au`` beside ``blues.00001.wav``).

    Raises:
        SourceFolderError: ``src`` does not exist, is not a folder, or holds no audio file.
    """
    root = Path(src)
    if not root.exists():
        raise SourceFolderError(f"source folder {str(src)!r} does not exist")
    if not root.is_dir():
        raise SourceFolderError(f"source {str(src)!r} is not a folder")
    found = Discovery()
    seen: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # hidden files and folders (.DS_Store, .git, our own temporaries)
        if path.suffix.lower() not in AUDIO_EXTENSIONS:
            found.ignored.append((rel, f"not an audio extension ({path.suffix or 'none'})"))
            continue
        label, track_id = (
            (UNLABELLED, path.relative_to(root).with_suffix("").as_posix()) if unlabelled else _label_and_id(path, root)
        )
        if label is None:
            found.ignored.append((rel, "no label: put the file in a <label>/ folder or name it <label>.<number>"))
            continue
        if track_id in seen:
            found.ignored.append((rel, f"duplicate track id {track_id!r} (already read from {seen[track_id]})"))
            continue
        seen[track_id] = rel
        found.tracks.append(TrackSource(track_id, label, path.resolve(), rel))
    found.empty_label_dirs = sorted(
        d.relative_to(root).as_posix()
        for d in root.rglob("*")
        if d.is_dir() and not d.name.startswith(".") and not any(d.iterdir())
    )
    if not found.tracks:
        unlabelled_audio = [rel for rel, why in found.ignored if why.startswith("no label")]
        if unlabelled_audio:
            # The common case: a folder of music without genres. Name that, not the first README it met.
            raise SourceFolderError(
                f"source folder {str(src)!r}: its {len(unlabelled_audio)} audio files have no label (e.g. "
                f"{unlabelled_audio[0]}); put each in a <label>/ folder or name it <label>.<number>, or prepare "
                "it with --unlabelled (extra music for stage-one training only)"
            )
        detail = (
            f" ({len(found.ignored)} files ignored, e.g. {found.ignored[0][0]}: {found.ignored[0][1]})"
            if found.ignored
            else ""
        )
        raise SourceFolderError(f"source folder {str(src)!r} holds no usable audio file{detail}")
    return found


def _label_and_id(path: Path, root: Path) -> tuple[str | None, str]:
    stem = path.stem
    numbered = _NUMBERED_NAME.match(stem)
    if path.parent != root:
        label = path.parent.name
    elif numbered:
        label = numbered.group("label")
    else:
        return None, stem
    if is_gtzan_id(stem) or (numbered and numbered.group("label") == label):
        return label, stem
    return label, path.relative_to(root).with_suffix("").as_posix()
