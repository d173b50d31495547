"""Golden outputs: record what the commands produce with fixed seeds, then compare two recordings.

A refactor is shown to change no behaviour by recording before it and comparing after it:

    python scripts/dev/golden.py record --out runs/golden-before
    ... the refactor ...
    python scripts/dev/golden.py record --out runs/golden-after
    python scripts/dev/golden.py compare runs/golden-before runs/golden-after

``record`` runs, through the user's commands (so their argument handling is part of what is
compared): the tiny study (``configs/study_tiny.yaml`` on generated toy genres), and with the
shipped models a reconstruction, an encoding of a small toy data set and genre samples, each with
fixed seeds. ``compare`` checks every WAV, NPZ array and JSON number of the two recordings (files
whose content is a time or a path are skipped) and exits 1 when one differs beyond the tolerance.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
# Keys whose values are wall-clock times, sizes on disk or absolute paths: they differ between any two runs.
VOLATILE = (
    "seconds",
    "time",
    "elapsed",
    "duration_s",
    "per_second",
    "rss",
    "memory",
    "command",
    "path",
    "created",
    "date",
    "commit",
    "src",
    "out",
    "folder",
    "hash",
)


def run(args: list[str]) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=REPO, check=True)


def synthetic_song(path: Path, seconds: float = 7.0, sample_rate: int = 22050) -> None:
    """A deterministic chord with a beat and a little noise: input for the reconstruction."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate((130.8, 164.8, 196.0, 261.6)))
    beat = (np.sin(2 * np.pi * 2.0 * t) > 0.95).astype(float) * np.random.default_rng(0).normal(0, 0.5, t.size)
    sf.write(path, (0.2 * chord + 0.3 * beat).astype(np.float32), sample_rate)


def record(out: Path, models: Path, study: bool) -> None:
    if out.exists():
        raise SystemExit(f"{out} exists: choose a new --out")
    out.mkdir(parents=True)
    if study:
        run(["scripts/run_study.py", "--out", str(out / "study"), "--config", "configs/study_tiny.yaml"])
    if not (models / "diffusion").is_dir():
        print(f"{models / 'diffusion'} missing: shipped-model outputs not recorded")
        return
    vae = models / "vae-1080"
    synthetic_song(out / "song.wav")
    run(
        [
            "scripts/reconstruct.py",
            str(out / "song.wav"),
            "--model",
            str(vae),
            "--out",
            str(out / "reconstruct.wav"),
            "--device",
            "cpu",
        ]
    )
    run(["scripts/make_toy_data.py", "--out", str(out / "toy"), "--tracks-per-genre", "2", "--seconds", "11"])
    run(["scripts/prepare_data.py", "--src", str(out / "toy"), "--out", str(out / "toy-prepared")])
    run(
        [
            "scripts/encode_dataset.py",
            "--model",
            str(vae),
            "--data",
            str(out / "toy-prepared"),
            "--out",
            str(out / "encode.npz"),
            "--device",
            "cpu",
        ]
    )
    run(
        [
            "scripts/sample.py",
            "--model",
            str(models / "diffusion"),
            "--genre",
            "jazz",
            "--num",
            "2",
            "--steps",
            "10",
            "--seed",
            "0",
            "--out",
            str(out / "sample"),
            "--device",
            "cpu",
        ]
    )


def _numbers(value, key: str = "") -> dict[str, float]:
    """Every number of a JSON value under a dotted key, volatile keys left out."""
    if any(v in key.rsplit(".", 1)[-1].lower() for v in VOLATILE):
        return {}
    if isinstance(value, dict):
        return {k: v for name, item in value.items() for k, v in _numbers(item, f"{key}.{name}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{key}[{i}]").items()}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return {}
    return {key: float(value)}


def _arrays(path: Path) -> dict[str, np.ndarray]:
    if path.suffix == ".wav":
        return {"audio": sf.read(path, dtype="float32")[0]}
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files if np.issubdtype(data[k].dtype, np.number)}


def compare(a: Path, b: Path, atol: float, rtol: float) -> list[str]:
    """Differences between two recordings, one line each (empty: the same within the tolerance)."""
    problems: list[str] = []
    files = sorted(
        {p.relative_to(a) for p in a.rglob("*") if p.suffix in (".wav", ".npz", ".json")}
        | {p.relative_to(b) for p in b.rglob("*") if p.suffix in (".wav", ".npz", ".json")}
    )
    checked = 0
    for rel in files:
        if "tensorboard" in rel.parts or "checkpoints" in rel.parts:
            continue
        if not (a / rel).exists() or not (b / rel).exists():
            problems.append(f"{rel}: only in {'the first' if (a / rel).exists() else 'the second'}")
            continue
        checked += 1
        if rel.suffix == ".json":
            x, y = (_numbers(json.loads((d / rel).read_text())) for d in (a, b))
            for key in sorted(set(x) | set(y)):
                if key not in x or key not in y:
                    problems.append(f"{rel}{key}: only in one")
                elif not (
                    math.isclose(x[key], y[key], rel_tol=rtol, abs_tol=atol)
                    or (math.isnan(x[key]) and math.isnan(y[key]))
                ):
                    problems.append(f"{rel}{key}: {x[key]!r} vs {y[key]!r}")
            continue
        x, y = _arrays(a / rel), _arrays(b / rel)
        for key in sorted(set(x) | set(y)):
            if key not in x or key not in y or x[key].shape != y[key].shape:
                problems.append(
                    f"{rel}:{key}: shapes {getattr(x.get(key), 'shape', None)} vs {getattr(y.get(key), 'shape', None)}"
                )
            elif not np.allclose(x[key], y[key], rtol=rtol, atol=atol, equal_nan=True):
                diff = float(np.nanmax(np.abs(x[key].astype(float) - y[key].astype(float))))
                problems.append(f"{rel}:{key}: max difference {diff:.3g}")
    print(f"{checked} files compared, {len(problems)} differences")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run the commands with fixed seeds into a new folder")
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--models", type=Path, default=REPO / "models")
    rec.add_argument("--no-study", action="store_true", help="skip the tiny study")
    cmp = sub.add_parser("compare", help="compare two recordings")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    cmp.add_argument("--atol", type=float, default=1e-5)
    cmp.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()
    if args.command == "record":
        record(args.out.resolve(), args.models.resolve(), study=not args.no_study)
        return
    problems = compare(args.a, args.b, args.atol, args.rtol)
    for line in problems[:50]:
        print(line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
