"""Model folders: diffusers weights plus a ``genre_ldm.json`` record of how they were made.

A folder written by :func:`save_model` holds ``config.json`` and the safetensors weights
(``save_pretrained``), ``genre_ldm.json`` (kind, mel settings, data summary, metrics, creation
command and code version, references to other models) and a short ``README.md`` model card.
A reference to another model (the VAE's vocoder, the diffusion model's VAE) is a path relative
to the referring folder plus the referred folder's content hash, checked at load time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .errors import UserError, refuse_overwrite  # noqa: F401  (re-exported)
from .files import write_json, write_text
from .mel import MelSettings

RECORD = "genre_ldm.json"
RECORD_VERSION = 1


class ModelFolderError(UserError):
    """A model folder is missing, of another kind, newer than this code, or a reference does not match."""


def save_pretrained(model: Any, folder: str | Path) -> Path:
    """``model.save_pretrained(folder)`` as safetensors, the weights readable as the user's umask allows.

    safetensors writes its files owner-only (mode 0600) where every other file follows the umask, so a model
    folder shared with a group or copied for another user had unreadable weights."""
    folder = Path(folder)
    model.save_pretrained(str(folder), safe_serialization=True)
    # the configs beside them were written with the umask: give the weights the same mode (no os.umask
    # call, which changes a process-wide setting under other threads' feet)
    mode = next(folder.rglob("*.json")).stat().st_mode & 0o666
    for weights in folder.rglob("*.safetensors"):
        weights.chmod(mode)
    return folder


def load_weights(cls: Any, folder: str | Path, **kwargs: Any) -> Any:
    """``cls.from_pretrained(folder, **kwargs)``, with a damaged folder as a :class:`ModelFolderError` naming it.

    The weights are first checked against the hash their record was written with (folders written before
    the hash was recorded are loaded unchecked).

    Truncated or zeroed safetensors, a config.json that does not parse or does not fit the weights: what a
    half-finished copy or an edit leaves. These are the user's to fix (copy or ship the folder again), so they
    become one line; anything else (a bug) keeps its traceback.
    """
    from safetensors import SafetensorError

    record = Path(folder) / RECORD
    expected = json.loads(record.read_text()).get("weights_sha256") if record.is_file() else None
    if expected is not None and content_hash(folder) != expected:
        raise ModelFolderError(
            f"model folder {str(folder)!r}: its config.json or weights changed since they were written (sha256 "
            "differs from its genre_ldm.json); copy or ship it again"
        )
    try:
        return cls.from_pretrained(str(folder), **kwargs)
    except (SafetensorError, OSError, ValueError, RuntimeError, KeyError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ModelFolderError(
            f"model folder {str(folder)!r} cannot be loaded ({type(exc).__name__}: {first}); it may have been copied "
            "half-way or edited: copy or ship it again"
        ) from exc


def trained_model(folder: str | Path) -> Path:
    """The model a training run is judged by: ``<run>/best`` (best on valid) when the run kept one,
    else ``<run>/model`` (its last weights); a model folder itself is returned unchanged."""
    folder = Path(folder)
    if (folder / RECORD).is_file():
        return folder
    for name in ("best", "model"):
        if (folder / name / RECORD).is_file():
            return folder / name
    raise ModelFolderError(f"{str(folder)!r} is neither a model folder nor a training run with best/ or model/")


def content_hash(folder: str | Path) -> str:
    """sha256 over the folder's ``config.json`` and weight files (not its record or card)."""
    folder = Path(folder)
    files = [folder / "config.json"] + sorted(folder.glob("*.safetensors"))
    missing = [f.name for f in files if not f.is_file()]
    if missing or len(files) < 2:
        raise ModelFolderError(f"{str(folder)!r} is not a model folder (missing {missing or ['*.safetensors']})")
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def reference(target: str | Path, referrer: str | Path) -> dict:
    """A relative path from ``referrer`` to ``target`` plus ``target``'s content hash."""
    return {"path": os.path.relpath(Path(target).resolve(), Path(referrer).resolve()), "sha256": content_hash(target)}


def resolve_reference(ref: dict, referrer: str | Path, what: str) -> Path:
    """The folder a reference points to, after checking it exists and its hash matches."""
    target = (Path(referrer) / ref["path"]).resolve()
    if not (target / "config.json").is_file():
        raise ModelFolderError(
            f"{str(referrer)!r} refers to its {what} at {ref['path']!r} (resolved to {str(target)!r}), which is missing"
        )
    actual = content_hash(target)
    if actual != ref["sha256"]:
        raise ModelFolderError(
            f"the {what} at {str(target)!r} has changed since {str(referrer)!r} was made "
            f"(hash {actual[:12]} instead of {ref['sha256'][:12]}); retrain or restore it"
        )
    return target


def save_model(
    model: Any,
    folder: str | Path,
    kind: str,
    mel: MelSettings,
    *,
    data: dict | None = None,
    metrics: dict | None = None,
    references: dict[str, dict] | None = None,
    extra: dict | None = None,
    card: str = "",
) -> Path:
    """``save_pretrained`` plus the record and the card. ``references``: name -> :func:`reference`."""
    folder = save_pretrained(model, folder)
    record = {
        "format_version": RECORD_VERSION,
        "kind": kind,
        "mel": mel.to_dict(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": data or {},
        "metrics": metrics or {},
        "references": references or {},
        "created": created(),
        **(extra or {}),
    }
    write_record(folder, record)
    write_text(folder / "README.md", card or _default_card(record))
    return folder


def command_line(subcommand: str | None = None, argv: list[str] | None = None) -> str:
    """The command line that is running, as a shell would take it back: what results and model records store.

    ``genre-ldm <subcommand>`` and ``argv`` when a command was called with an explicit ``argv`` (a test, the
    study); otherwise ``sys.argv``, whose first item the CLI sets to ``genre-ldm <subcommand>`` (kept as it is).
    Arguments are shell-quoted, so an override with spaces or braces is recorded so that it can be pasted back."""
    if subcommand is not None:
        prog, args = f"genre-ldm {subcommand}", list(argv if argv is not None else sys.argv[1:])
    else:
        prog, args = sys.argv[0], sys.argv[1:]
    return " ".join([prog, *map(shlex.quote, args)])


def created() -> dict:
    """How and when a model folder was made: the command line, the time and the code version."""
    return {
        "command": command_line(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "code_version": _code_version(),
    }


def write_record(folder: str | Path, record: dict) -> Path:
    """Write a folder's ``genre_ldm.json`` atomically, with the hash of the weights beside it (``weights_sha256``,
    when the folder holds ``config.json`` and weights) so that :func:`load_weights` can tell a damaged copy."""
    folder = Path(folder)
    if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")):
        record = {**record, "weights_sha256": content_hash(folder)}
    return write_json(folder / RECORD, record)


def read_record(folder: str | Path, kind: str | None = None) -> dict:
    folder = Path(folder)
    path = folder / RECORD
    if not path.is_file():
        raise ModelFolderError(f"{str(folder)!r} is not a genre-ldm model folder (no {RECORD})")
    record = json.loads(path.read_text())
    if record.get("format_version", 0) > RECORD_VERSION:
        raise ModelFolderError(
            f"{str(folder)!r} was written by a newer genre-ldm (record version "
            f"{record['format_version']} > {RECORD_VERSION}); update the code"
        )
    if kind is not None and record.get("kind") != kind:
        raise ModelFolderError(f"{str(folder)!r} holds a {record.get('kind')!r} model, expected a {kind!r}")
    return record


def mel_settings(record: dict) -> MelSettings:
    return MelSettings(**record["mel"])


def front_end_of(folder: str | Path | None) -> MelSettings:
    """The mel settings recorded in a model folder (any kind); ``None`` gives today's default front-end.
    Baselines that stand beside a model (PCA, MFCC statistics) take its front-end from here."""
    return MelSettings() if folder is None else mel_settings(read_record(folder))


def require_same_front_end(a: MelSettings, a_name: str, b: MelSettings, b_name: str) -> None:
    """Raise :class:`ModelFolderError` naming both when two models' mel settings differ."""
    if a != b:
        diff = ", ".join(
            f"{k} {va} vs {vb}" for k, va, vb in ((k, getattr(a, k), getattr(b, k)) for k in a.to_dict()) if va != vb
        )
        raise ModelFolderError(
            f"{a_name} and {b_name} use different mel front-ends ({diff}); "
            "models of different front-ends cannot be combined"
        )


def require_model_front_end(config: Any, settings: MelSettings, what: str) -> None:
    """Raise :class:`ModelFolderError` when a model's own shape (``n_mels``, ``n_fft``, ``hop_length`` in
    its diffusers config) contradicts the mel settings recorded beside it (a tampered or mixed folder)."""
    for key in ("n_mels", "n_fft", "hop_length"):
        value = config.get(key) if isinstance(config, dict) else getattr(config, key, None)
        if value is not None and value != getattr(settings, key):
            raise ModelFolderError(
                f"{what} was built for {key}={value} but its record says {key}="
                f"{getattr(settings, key)}; the folder is inconsistent (retrain or restore it)"
            )


def _code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _default_card(record: dict) -> str:
    data = record.get("data", {})
    metrics = "\n".join(
        f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in record.get("metrics", {}).items()
    )
    return (
        f"# genre-ldm {record['kind']}\n\n"
        f"- parameters: {record['parameters']:,}\n"
        f"- mel: {record['mel']}\n"
        f"- trained on: {data.get('source', 'unknown')} ({data.get('num_clips', '?')} clips; "
        f"split rules {data.get('split_rules', '?')})\n"
        f"- created by: `{record['created']['command']}` (code {record['created']['code_version']})\n\n"
        f"## Metrics (validation split unless stated)\n\n| metric | value |\n|---|---|\n{metrics}\n"
    )
