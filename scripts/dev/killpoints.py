"""Kill commands at seeded event points (SIGKILL), run them again, and check that nothing was lost or half-taken.

    python scripts/dev/killpoints.py --out runs/killpoints                      # every scenario
    python scripts/dev/killpoints.py --scenario prepare,encode --out runs/kp

For each scenario the command first runs uninterrupted (the reference). Then, for each kill point (the k-th file
moved into place, the k-th training checkpoint, the k-th optimiser step: ``genre_base.killpoints``), a fresh
output is started with ``GENRE_LDM_KILL_AT`` set, killed there, and the same command is run again (a training with
``--resume``). Checked:

- the killed run died by the signal, and no file of its output is taken as complete: no output the reference
  has is present and different (files are whole or absent: temporary names start with a dot);
- the rerun exits 0 and its outputs equal the reference's: bit-exact for ``prepare`` and ``encode`` (deterministic);
  for a training, the rerun says it resumed from the last checkpoint before the kill, ends at the last step and
  exports a model that loads (its weights differ from the reference's: a resumed run reseeds its data order with
  ``seed + step``, by design, so it is not replayed bit for bit);
- temporary files the kill left and the rerun did not clean (``.*.tmp*``, ``.*.partial``) are counted: never
  read, but litter.

Scenarios: ``prepare`` (toy audio to a prepared dataset), ``encode`` (that dataset through a shipped VAE, or the
tiny one the tests build), ``train`` (the tiny vocoder of ``configs/vocoder_tiny.yaml``), ``study`` (the tiny
study of ``configs/study_tiny.yaml``, kill points spread over its steps; the rerun must finish every step and
write every file the reference has). Exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = "GENRE_LDM_KILL_AT"


def genre_ldm(args: list[str], kill_at: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop(ENV, None)
    if kill_at:
        env[ENV] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "genre_ldm", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True
    )


def files_of(folder: Path) -> dict[str, bytes]:
    """Every complete file under ``folder`` (temporary dot-files and TensorBoard logs left out), by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts) and "tensorboard" not in rel.parts:
            out[str(rel)] = p.read_bytes()
    return out


def stale_temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if ".tmp" in p.name or ".partial" in p.name)


# Files whose content records the time or the command line: compared by their other keys.
VOLATILE_JSON = {
    "summary.json": ("seconds", "prepared_at", "time", "command"),
    "study.json": ("seconds",),
    "genre_ldm.json": ("created",),
}


def same_content(rel: str, a: bytes, b: bytes) -> bool:
    if a == b:
        return True
    name = Path(rel).name
    if name in VOLATILE_JSON:
        x, y = json.loads(a), json.loads(b)
        for key in VOLATILE_JSON[name]:
            x.pop(key, None), y.pop(key, None)
        return x == y
    if name.endswith(".npz"):
        import numpy as np

        from autoencoder.latents import load_latents

        with tempfile.TemporaryDirectory() as tmp:  # load_latents reads a path: the two versions side by side
            tmp_a, tmp_b = Path(tmp) / "a.npz", Path(tmp) / "b.npz"
            tmp_a.write_bytes(a), tmp_b.write_bytes(b)
            la, lb = load_latents(tmp_a), load_latents(tmp_b)
        ma, mb = dict(la.manifest), dict(lb.manifest)
        ma.pop("command", None), mb.pop("command", None)
        return ma == mb and all(
            np.array_equal(getattr(la, f), getattr(lb, f)) for f in ("means", "track_id", "genre", "split", "clip")
        )
    return False


def check_whole(killed: dict[str, bytes], reference: dict[str, bytes]) -> list[str]:
    """A file of a killed run that the reference also has must be identical (whole) or the run's own (no partials)."""
    return [
        f"{rel}: present after the kill and different from the reference"
        for rel in killed
        if rel in reference and not same_content(rel, killed[rel], reference[rel])
    ]


class Scenario:
    name = ""
    kinds: tuple[str, ...] = ()

    def __init__(self, work: Path) -> None:
        self.work = work

    def command(self, out: Path, rerun: bool) -> list[str]:
        raise NotImplementedError

    def output(self, out: Path) -> Path:
        return out

    def points(self, max_points: int) -> list[int]:
        """Which events of a kind to kill at: the 1st to the ``max_points``-th."""
        return list(range(1, max_points + 1))

    def compare(self, out: Path, reference: Path, first: subprocess.CompletedProcess) -> list[str]:
        a, b = files_of(self.output(out)), files_of(self.output(reference))
        problems = [f"{rel}: only in {'the rerun' if rel in a else 'the reference'}" for rel in sorted(set(a) ^ set(b))]
        problems += [
            f"{rel}: differs from the reference"
            for rel in sorted(set(a) & set(b))
            if not same_content(rel, a[rel], b[rel])
        ]
        return problems


class Prepare(Scenario):
    name, kinds = "prepare", ("write",)

    def command(self, out: Path, rerun: bool) -> list[str]:
        return ["prepare", "--src", self.work / "toy", "--out", out, "--quiet"]


class Encode(Scenario):
    name, kinds = "encode", ("write",)

    def command(self, out: Path, rerun: bool) -> list[str]:
        return ["encode", "--model", self.model, "--data", self.work / "reference-prepare", "--out", out / "z.npz"]

    @property
    def model(self) -> Path:
        return REPO / "models" / "vae-1080"


class Train(Scenario):
    name, kinds = "train", ("checkpoint", "step", "write")

    def command(self, out: Path, rerun: bool) -> list[str]:
        args = [
            "train-vocoder",
            "--data",
            self.work / "reference-prepare",
            "--config",
            REPO / "configs/vocoder_tiny.yaml",
            "--out",
            out,
            "--no-progress",
        ]
        return args + ["--resume"] if rerun and (out / "checkpoints").is_dir() else args

    def compare(self, out: Path, reference: Path, first: subprocess.CompletedProcess) -> list[str]:
        problems = []
        if not (out / "model").is_dir():
            problems.append("the rerun exported no model")
        else:
            import autoencoder

            try:
                autoencoder.load_vocoder(out / "model")
            except Exception as exc:  # noqa: BLE001 -- any failure to load is what this check reports
                problems.append(f"the exported model does not load: {exc}")
        ref_record = json.loads((reference / "model" / "genre_ldm.json").read_text())
        record = json.loads((out / "model" / "genre_ldm.json").read_text()) if (out / "model").is_dir() else {}
        if record.get("metrics", {}).get("step", ref_record["metrics"].get("step")) != ref_record["metrics"].get(
            "step"
        ):
            problems.append(
                f"ended at step {record['metrics'].get('step')}, the reference at {ref_record['metrics'].get('step')}"
            )
        return problems


class Study(Scenario):
    """The tiny study (``configs/study_tiny.yaml``): fourteen steps, each skipped by the rerun when its output exists,
    trainings resumed from their checkpoints. Kill points are spread over the whole run (the 1st, 3rd, 9th, ...
    event), not only its first step."""

    name, kinds = "study", ("write", "checkpoint")

    def command(self, out: Path, rerun: bool) -> list[str]:
        return ["study", "--out", out, "--config", REPO / "configs/study_tiny.yaml"]

    def points(self, max_points: int) -> list[int]:
        return [3**i for i in range(max_points)]

    def compare(self, out: Path, reference: Path, first: subprocess.CompletedProcess) -> list[str]:
        # A resumed training reseeds its data order (see the module's docstring), so what follows it differs from
        # the reference in value; every step must still have run to its end and written what the reference has.
        a, b = set(_outputs(out)), set(_outputs(reference))
        return [f"{rel}: only in {'the rerun' if rel in a else 'the reference'}" for rel in sorted(a ^ b)]


def _outputs(folder: Path) -> list[str]:
    """Relative paths of a study's complete files, training checkpoints left out (a rerun keeps other ones)."""
    return [rel for rel in files_of(folder) if "checkpoints" not in Path(rel).parts]


SCENARIOS = {cls.name: cls for cls in (Prepare, Encode, Train, Study)}


def run_scenario(scenario: Scenario, max_points: int) -> dict:
    reference = scenario.work / f"reference-{scenario.name}"
    if not reference.exists():
        done = genre_ldm(scenario.command(reference, rerun=False))
        if done.returncode != 0:
            raise SystemExit(f"{scenario.name}: the uninterrupted run failed:\n{done.stderr[-3000:]}")
    ref_files = files_of(scenario.output(reference))
    points = []
    for kind in scenario.kinds:
        for k in scenario.points(max_points):
            out = scenario.work / f"{scenario.name}-{kind}-{k}"
            shutil.rmtree(out, ignore_errors=True)
            killed = genre_ldm(scenario.command(out, rerun=False), kill_at=f"{kind}:{k}")
            if killed.returncode == 0:  # fewer than k such events: this kind is exhausted
                break
            problems = []
            if killed.returncode != -9:
                problems.append(
                    f"the killed run exited {killed.returncode}, not by the signal: {killed.stderr[-1500:]}"
                )
            problems += check_whole(files_of(scenario.output(out)) if out.exists() else {}, ref_files)
            rerun = genre_ldm(scenario.command(out, rerun=True))
            stale = stale_temporaries(out) if out.exists() else []  # left after the rerun: litter that stays
            if rerun.returncode != 0:
                problems.append(f"the rerun exited {rerun.returncode}: {rerun.stderr[-1500:]}")
            else:
                problems += scenario.compare(out, reference, rerun)
            resumed = next((line for line in rerun.stdout.splitlines() if line.startswith("resumed from")), None)
            points.append(
                {
                    "kill_at": f"{kind}:{k}",
                    "passed": not problems,
                    "problems": problems,
                    "stale_temporaries": stale,
                    "resumed": resumed,
                }
            )
            print(
                f"{scenario.name:<8} {kind}:{k:<3} {'ok' if not problems else 'FAIL'}"
                + (f"  ({resumed})" if resumed else "")
                + (f"  stale: {len(stale)}" if stale else ""),
                flush=True,
            )
            for p in problems:
                print(f"    {p}", flush=True)
    return {"points": points, "tried": len(points), "passed": sum(p["passed"] for p in points)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="working folder (emptied first); the report is report.json there")
    parser.add_argument("--scenario", default=",".join(SCENARIOS), help=f"comma-separated, of {list(SCENARIOS)}")
    parser.add_argument("--max-points", type=int, default=6, help="kill points tried per event kind")
    parser.add_argument("--tracks-per-genre", type=int, default=2, help="size of the toy audio collection")
    args = parser.parse_args(argv)
    names = [n for n in args.scenario.split(",") if n]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"--scenario {unknown}: expected some of {list(SCENARIOS)}")
    work = Path(args.out).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    start = time.perf_counter()
    toy = genre_ldm(["toy-data", "--out", work / "toy", "--tracks-per-genre", args.tracks_per_genre, "--seconds", 11])
    if toy.returncode != 0:
        raise SystemExit(toy.stderr)
    if "prepare" not in names:  # the other scenarios read the prepared toy data
        genre_ldm(Prepare(work).command(work / "reference-prepare", rerun=False))
    report = {name: run_scenario(SCENARIOS[name](work), args.max_points) for name in names}
    tried = sum(r["tried"] for r in report.values())
    passed = sum(r["passed"] for r in report.values())
    report = {
        "scenarios": report,
        "tried": tried,
        "passed": passed,
        "seconds": round(time.perf_counter() - start),
        "command": " ".join(sys.argv),
    }
    (work / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"{passed} of {tried} kill points passed ({report['seconds']} s); report: {work / 'report.json'}")
    return 0 if passed == tried else 1


if __name__ == "__main__":
    sys.exit(main())
