"""The study notebook runs top to bottom on the tiny config (its parameters cell replaced)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_notebook_executes_on_the_tiny_config(study, tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="notebook tooling is in the dev extra: pip install -e '.[dev]'")
    nbclient = pytest.importorskip("nbclient", reason="notebook tooling is in the dev extra: pip install -e '.[dev]'")
    nb = nbformat.read(REPO / "scripts" / "study.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "the notebook needs exactly one cell tagged 'parameters'"
    params[0].source = (
        f"SRC = None\nOUT = {str(study)!r}\nCONFIG = 'configs/study_tiny.yaml'\nOOD_FILE = None\n"
        f"SONG_GENRE = None\nSONG_SECONDS = 11.0\nSEED = 0\n"
    )
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    outputs = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "winning model stored in" in outputs and "nearest-training distance" in outputs
    songs = list(Path(study).glob("notebook_song_*.wav"))
    assert songs, outputs[-2000:]
    import soundfile as sf

    assert abs(sf.info(str(songs[0])).duration - 11.0) < 0.01
    assert json.loads((Path(study) / "study.json").read_text())["seconds"]
