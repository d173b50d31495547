"""How cost grows with the data: prepare, encode, analyse and evaluate on a collection and on a
copy of it k times larger (its tracks repeated under new names, a stand-in for full GTZAN).

    python scripts/dev/bench_scaling.py --src ../shared/data/gtzan --model models/vae-1080 --copies 4 \
        --out results/bench/scaling.json

Each step runs as its own process (the project's scripts, as a user runs them), so its wall time
and peak resident memory are its own. The copies are not GTZAN ids, so they get the seeded
stratified split. Growth exponent per step: log(cost at k) / log(cost at 1) over log k (1 =
linear). A benchmark, not a test: it takes tens of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from genre_base import command, write_json
from genre_base.audio import AUDIO_EXTENSIONS
from genre_base.errors import MissingInputError

SCRIPTS = Path(__file__).resolve().parents[1]  # the user commands; this benchmark lives in scripts/dev/


def make_copies(src: Path, dst: Path, copies: int) -> int:
    """``<genre>/c<k>_<name>`` links to every audio file under ``src``, ``copies`` times; returns the file count."""
    files = [p for p in src.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS]
    for p in files:
        genre = p.parent.name
        for k in range(copies):
            target = dst / genre / f"c{k}_{p.name.replace('.', '_', p.name.count('.') - 1)}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(p.resolve())
    return len(files) * copies


# Runs a command and prints its peak resident memory: getrusage of the children of a process that
# has run only this one command is that command's own peak.
_PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def timed(args: list[str]) -> dict:
    """Run one script in a fresh process: its wall seconds and its peak resident memory (MiB)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    return {"seconds": time.perf_counter() - start, "peak_rss_mib": peak}


def run_one(src: Path, work: Path, model: str, split: str, umap: bool) -> dict:
    data, latents = work / "data", work / "latents.npz"
    steps = {
        "prepare": [str(SCRIPTS / "prepare_data.py"), "--src", str(src), "--out", str(data), "--quiet"],
        "encode": [
            str(SCRIPTS / "encode_dataset.py"),
            "--model",
            model,
            "--data",
            str(data),
            "--out",
            str(latents),
            "--device",
            "cpu",
        ],
        "analyse": [
            str(SCRIPTS / "analyze.py"),
            str(latents),
            "--out",
            str(work / "analysis"),
            *([] if umap else ["--no-umap"]),
        ],
        "evaluate": [
            str(SCRIPTS / "evaluate_autoencoder.py"),
            "--model",
            model,
            "--data",
            str(data),
            "--split",
            split,
            "--out",
            str(work / "eval"),
            "--device",
            "cpu",
        ],
    }
    result = {}
    for name, args in steps.items():
        result[name] = timed(args)
        print(f"  {name:<9} {result[name]['seconds']:8.1f} s {result[name]['peak_rss_mib']:8.0f} MiB", flush=True)
    import json

    summary = json.loads((data / "summary.json").read_text())
    result["clips"] = summary["num_clips"]
    result["eval_clips"] = json.loads((work / "eval" / "metrics.json").read_text())["num_clips"]
    return result


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--model", required=True, help="VAE folder used to encode and evaluate")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--split", default="test", help="split the evaluate step scores")
    parser.add_argument("--umap", action="store_true", help="include UMAP maps in the analyse step")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    src = Path(args.src)
    if not src.is_dir():
        raise MissingInputError(f"--src {args.src!r} does not exist")
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in (1, args.copies):
            folder = Path(tmp) / f"x{k}"
            if k == 1:
                data_src = src
            else:
                data_src = Path(tmp) / "copies"
                print(f"{make_copies(src, data_src, k)} linked files", flush=True)
            print(f"x{k}:", flush=True)
            # Peak memory is read per process tree: each size runs in a fresh interpreter.
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--_one",
                    str(data_src),
                    str(folder),
                    args.model,
                    args.split,
                    str(int(args.umap)),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr[-3000:])
            print(done.stdout, end="")
            runs[f"x{k}"] = __import__("json").loads(done.stdout.strip().splitlines()[-1])
    base, big = runs["x1"], runs[f"x{args.copies}"]
    steps = ("prepare", "encode", "analyse", "evaluate")
    # evaluate scores the test split, which grows by its own factor
    factor = {
        s: (big["eval_clips"] / base["eval_clips"]) if s == "evaluate" else (big["clips"] / base["clips"])
        for s in steps
    }
    growth = {s: math.log(big[s]["seconds"] / base[s]["seconds"]) / math.log(factor[s]) for s in steps}
    write_json(
        args.out,
        {
            "command": " ".join(sys.argv),
            "runs": runs,
            "time_growth_exponent": growth,
            "note": "exponent 1 = linear in the number of clips the step handles (evaluate: test clips)",
        },
    )
    print({k: round(v, 2) for k, v in growth.items()})
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_one":
        import json

        _, _, src, work, model, split, umap = sys.argv
        print(json.dumps(run_one(Path(src), Path(work), model, split, umap == "1")))
    else:
        sys.exit(main())
