"""Atomic file output: every file genre-ldm writes appears whole or not at all.

A writer gets a temporary path beside the target (same folder, so the rename stays on one file
system; same suffix, so libraries that pick a format from the name still do) and the target is
replaced only when the writer returns without an error.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .killpoints import reached


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed onto ``path`` (file or folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        reached("write")  # a test harness may kill here: the worst moment, written but not yet in place
        if path.is_dir() and tmp.is_dir():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` atomically, creating the folder."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | os.PathLike, value: Any) -> Path:
    """Write JSON atomically, creating the folder (values JSON cannot hold are written as strings)."""
    return write_text(path, json.dumps(value, indent=1, default=str))


def write_csv(path: str | os.PathLike, rows: list[dict]) -> Path:
    """Rows of dicts (the first row's keys are the columns) as CSV, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return write_text(path, buffer.getvalue())


__all__ = ["atomic_path", "write_csv", "write_json", "write_text"]
