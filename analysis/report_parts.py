"""A study report from results that live in different folders (runs of separate commands).

The report (:func:`analysis.report.build_report`) reads a study folder's layout: ``data/summary.json``,
``sweep/``, ``sweep-full/``, ``analysis/``, ``ood/``, ``manipulate/``, ``generation/``, ``samples/``,
``songs/`` (``genre-ldm evaluate-editing songs``: one song per genre and the seams over songs).
:func:`report_from_parts` links each named part to the folder that holds it, in a temporary study
folder, and builds the report from there. The data and sweep parts are needed (the report starts from
them); the other parts left out are reported as not run.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from genre_base.errors import UserError

from .report import build_report

PARTS = ("data", "sweep", "sweep-full", "analysis", "ood", "manipulate", "generation", "samples", "songs")
REQUIRED = ("data", "sweep")  # the report starts from the data summary and the sweep's decision


def report_from_parts(
    parts: dict[str, str | Path], out: str | Path, *, toy: bool = False, dataset_audio: bool = False
) -> tuple[Path, Path]:
    """Build ``report.html``, ``report.pdf`` and ``numbers.json`` into ``out`` from ``parts`` (a name of
    :data:`PARTS` -> the folder holding that part's results). ``toy``: the results are of the toy
    genres (labelled so), not GTZAN; ``dataset_audio=False`` leaves out clips derived from dataset audio."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise UserError(f"unknown report part(s) {unknown}; expected some of {list(PARTS)}")
    absent = [name for name in REQUIRED if name not in parts]
    if absent:
        raise UserError(f"report part(s) {absent} are needed (--part NAME=FOLDER); the others may be left out")
    missing = {name: str(folder) for name, folder in parts.items() if not Path(folder).is_dir()}
    if missing:
        raise UserError(f"report part folder(s) not found: {missing}")
    with tempfile.TemporaryDirectory(prefix="report-parts-") as tmp:
        root = Path(tmp) / "study"
        root.mkdir()
        for name, folder in parts.items():
            (root / name).symlink_to(Path(folder).resolve(), target_is_directory=True)
        # build_report labels the data "toy" unless the study record names another source.
        (root / "study.json").write_text(json.dumps({"src": "toy" if toy else "parts"}))
        return build_report(root, dataset_audio=dataset_audio, out=out)
