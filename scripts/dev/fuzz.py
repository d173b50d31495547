"""Fuzz the boundaries where users hand the project input: audio files, configs, latents files, command lines.

    python scripts/dev/fuzz.py --seed 0 --cases 200 --out runs/fuzz.json        # every boundary, 200 cases each
    python scripts/dev/fuzz.py --boundary audio,latents --cases 50

Cases are drawn from a seeded generator (the same seed, the same cases) and run in a worker subprocess, so a
crash in native code (a decoder, numpy's zip reader) is caught and named instead of killing the harness; a case
that runs past ``--timeout`` is killed the same way. Every case must end in one of two ways:

- ``ok``: a correct result (audio with at least ``genre_base.audio.MIN_SECONDS`` of finite samples, a config
  object, a valid latents file, a command's exit 0);
- ``user_error``: a :class:`genre_base.errors.UserError` (the one-line message and exit 2 of every command).

Anything else is a finding: ``bug`` (another exception: its traceback is kept), ``crash`` (the worker died),
``timeout``, or ``wrote_on_failure`` (a command that failed but left a file behind). The report counts outcomes
per boundary and lists every finding with its case, so it can be replayed (``--only ID``). Exit 1 if any.

Boundaries:
- ``audio``: :func:`genre_base.audio.load_audio` on random bytes under audio extensions, real files truncated at
  random lengths, real files under another format's extension, and intact real files;
- ``config``: :func:`genre_base.config.load_config` of the training schemas on YAML of random keys and types and on
  random ``key=value`` override strings;
- ``latents``: :func:`autoencoder.latents.load_latents` on a valid file damaged (truncated, bytes flipped, an
  array dropped or reshaped, the manifest broken) and on random bytes;
- ``cli``: ``genre-ldm <subcommand>`` with random argument lists built from the subcommand's own flags, run in an
  empty folder (every input it names is absent, so no training starts); it must exit 0 or 2 and, failing, write
  nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BOUNDARIES = ("audio", "config", "latents", "cli")
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".au", ".aiff")
FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".au": "AU", ".aiff": "AIFF"}
# Subcommands that start work without any input (a server, the toy study, toy data) are left out.
CLI_SKIP = {"app", "study", "toy-data"}


# ---------------------------------------------------------------- cases (drawn in the parent, seeded)


def audio_case(rng: random.Random, i: int) -> dict:
    kind = rng.choice(["random_bytes", "truncated", "wrong_extension", "intact", "tiny"])
    fmt = rng.choice(sorted(FORMATS))
    case = {"boundary": "audio", "id": f"audio-{i}", "kind": kind, "format": fmt, "seed": rng.randrange(2**31)}
    if kind == "random_bytes":
        case["length"] = rng.choice([0, 1, 4, 44, 100, rng.randrange(5000)])
        case["extension"] = rng.choice(AUDIO_EXTENSIONS)
    elif kind == "truncated":
        case["fraction"] = rng.random()
    elif kind == "wrong_extension":
        case["extension"] = rng.choice([e for e in AUDIO_EXTENSIONS if e != fmt])
    elif kind == "tiny":
        case["samples"] = rng.choice([0, 1, 10, 100, 441, 1000])
    case["seconds"] = rng.choice([0.05, 0.3, 1.0])
    return case


CONFIG_SCHEMAS = {
    "vocoder": "autoencoder.training.vocoder_task:VocoderTrainConfig",
    "vae": "autoencoder.training.vae_task:VAETrainConfig",
    "diffusion": "diffusion.training:DiffusionTrainConfig",
}
CONFIG_KEYS = [
    "loop",
    "loop.max_steps",
    "loop.lr",
    "loop.batch_size",
    "loop.mixed_precision",
    "model",
    "model.dim",
    "model.latent_size",
    "model.latent_channels",
    "mel",
    "mel.n_mels",
    "mel.n_fft",
    "mel.hop_length",
    "mel.sample_rate",
    "crop_seconds",
    "stft_ffts",
    "extra_data",
    "adversarial.enabled",
    "nonsense",
    "loop.nonsense",
    "",
]


def _random_value(rng: random.Random, depth: int = 0):
    choice = rng.randrange(9 if depth < 2 else 7)
    return [
        lambda: rng.randint(-(2**40), 2**40),
        lambda: rng.choice([0, 1, -1, 2, 1024, 4096, 10**9]),
        lambda: rng.uniform(-1e6, 1e6),
        lambda: rng.choice([float("nan"), float("inf"), -0.0, 1e-300]),
        lambda: rng.choice(["", "abc", "no", "fp8", "1e5", "[1,2", "${oops}", "\u00e9\u4e2d", "x" * 300]),
        lambda: rng.choice([True, False, None]),
        lambda: rng.choice(["models/nowhere", "/dev/null", "."]),
        lambda: [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))],
        lambda: {rng.choice(CONFIG_KEYS).split(".")[-1] or "k": _random_value(rng, depth + 1) for _ in range(3)},
    ][choice]()


def config_case(rng: random.Random, i: int) -> dict:
    schema = rng.choice(sorted(CONFIG_SCHEMAS))
    tree: dict = {}
    for _ in range(rng.randrange(4)):
        key = rng.choice(CONFIG_KEYS)
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[parts[-1]] = _random_value(rng)
    overrides = []
    for _ in range(rng.randrange(4)):
        key, value = rng.choice(CONFIG_KEYS), _random_value(rng)
        form = rng.randrange(4)
        overrides.append(
            [f"{key}={json.dumps(value)}", f"{key}={value}", f"{key}", f"={value}"][form] if form < 4 else key
        )
    text = json.dumps(tree) if rng.random() < 0.5 else rng.choice(["", "[1, 2]", "a: [", "- x\n- y", ":::", "42"])
    return {"boundary": "config", "id": f"config-{i}", "schema": schema, "yaml": text, "overrides": overrides}


def latents_case(rng: random.Random, i: int) -> dict:
    kind = rng.choice(["truncate", "flip", "drop", "reshape", "manifest", "random_bytes", "intact"])
    return {"boundary": "latents", "id": f"latents-{i}", "kind": kind, "seed": rng.randrange(2**31)}


def cli_case(rng: random.Random, i: int, commands: dict[str, list[str]]) -> dict:
    name = rng.choice(sorted(commands))
    flags = commands[name]
    argv: list[str] = []
    for _ in range(rng.randrange(6)):
        if flags and rng.random() < 0.8:
            argv.append(rng.choice(flags))
        if rng.random() < 0.7:
            argv.append(
                rng.choice(
                    [
                        "missing/folder",
                        "x.wav",
                        "runs/out",
                        "0",
                        "-1",
                        "3.5",
                        "1e9",
                        "nan",
                        "",
                        "jazz",
                        "a=b",
                        "loop.max_steps=1",
                        "--",
                        "\u00e9",
                    ]
                )
            )
    return {"boundary": "cli", "id": f"cli-{i}", "command": name, "argv": argv}


def cli_flags() -> dict[str, list[str]]:
    """Each subcommand's flags, read from its own ``--help`` (so new flags are fuzzed without listing them)."""
    from genre_ldm.cli import main
    from genre_ldm.commands import COMMANDS

    flags = {}
    for name in COMMANDS:
        if name in CLI_SKIP:
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([name, "--help"])
        flags[name] = sorted(set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", out.getvalue())) - {"--help"})
    return flags


def draw_cases(seed: int, per_boundary: int, boundaries: list[str]) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    commands = cli_flags() if "cli" in boundaries else {}
    for boundary in boundaries:
        for i in range(per_boundary):
            if boundary == "cli":
                cases.append(cli_case(rng, i, commands))
            else:
                cases.append({"audio": audio_case, "config": config_case, "latents": latents_case}[boundary](rng, i))
    return cases


# ---------------------------------------------------------------- running one case (in the worker)


def _real_audio(path: Path, fmt: str, seconds: float, seed: int) -> None:
    import numpy as np
    import soundfile as sf

    rate = 22050
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.random.default_rng(seed).normal(size=t.size)
    sf.write(str(path), wave.astype(np.float32), rate, format=FORMATS[fmt])


def run_audio(case: dict, work: Path) -> str:
    import numpy as np

    from genre_base.audio import MIN_SECONDS, load_audio

    rng = random.Random(case["seed"])
    kind, fmt = case["kind"], case["format"]
    if kind == "random_bytes":
        path = work / f"x{case['extension']}"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(case["length"])))
    elif kind == "tiny":
        import soundfile as sf

        path = work / f"x{fmt}"
        sf.write(str(path), np.zeros(case["samples"], np.float32), 22050, format=FORMATS[fmt])
    else:
        real = work / f"real{fmt}"
        _real_audio(real, fmt, case["seconds"], case["seed"])
        data = real.read_bytes()
        if kind == "truncated":
            data = data[: int(len(data) * case["fraction"])]
        path = work / f"x{case.get('extension', fmt)}"
        path.write_bytes(data)
    wave = load_audio(path, 22050)
    wave = wave.numpy() if hasattr(wave, "numpy") else np.asarray(wave)
    if wave.size < MIN_SECONDS * 22050 or not np.isfinite(wave).all():
        raise AssertionError(f"load_audio returned {wave.size} samples (finite: {np.isfinite(wave).all()})")
    return "ok"


def run_config(case: dict, work: Path) -> str:
    import importlib

    from genre_base.config import load_config

    module, name = CONFIG_SCHEMAS[case["schema"]].split(":")
    schema = getattr(importlib.import_module(module), name)
    path = work / "config.yaml"
    path.write_text(case["yaml"])
    load_config(schema, path, case["overrides"])
    return "ok"


def _valid_latents(path: Path) -> None:
    import numpy as np

    from autoencoder.latents import FORMAT_VERSION, Latents, save_latents

    n, d = 6, 4
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "pca",
        "latent_size": d,
        "model_id": "pca-4",
        "model_hash": "0" * 8,
        "mel": {},
        "layout": None,
        "mean": [0.0] * d,
        "std": [1.0] * d,
        "command": "fuzz",
        "data": {"path": "data/x", "fingerprint": "f"},
    }
    rng = np.random.default_rng(0)
    save_latents(
        path,
        Latents(
            rng.normal(size=(n, d)).astype(np.float32),
            np.array([f"t{i // 2}" for i in range(n)]),
            np.array(["jazz", "rock"] * 3),
            np.array(["train", "train", "valid", "valid", "test", "test"]),
            np.arange(n) % 2,
            manifest,
        ),
    )


def run_latents(case: dict, work: Path) -> str:
    import numpy as np

    from autoencoder.latents import load_latents

    rng = random.Random(case["seed"])
    path = work / "z.npz"
    _valid_latents(path)
    kind = case["kind"]
    if kind == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: rng.randrange(len(data))])
    elif kind == "flip":
        data = bytearray(path.read_bytes())
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
    elif kind in ("drop", "reshape", "manifest"):
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        key = rng.choice(sorted(arrays))
        if kind == "drop":
            del arrays[key]
        elif kind == "reshape":
            arrays[key] = rng.choice([arrays[key].reshape(-1)[:3], np.zeros((2, 2, 2)), np.array("text"), np.array([])])
        else:
            arrays["manifest"] = np.array(rng.choice(["{", "[]", "null", json.dumps({"format_version": 99})]))
        np.savez(path, **arrays)
    elif kind == "random_bytes":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(2000))))
    load_latents(path)
    return "ok"


def run_cli(case: dict, work: Path) -> str:
    from genre_ldm.cli import main

    before = set(work.rglob("*"))
    cwd = os.getcwd()
    os.chdir(work)
    try:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([case["command"], *case["argv"]])
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(cwd)
    if code not in (0, 2):
        raise AssertionError(f"exit {code}: {err.getvalue()[-2000:]}")
    written = sorted(str(p.relative_to(work)) for p in set(work.rglob("*")) - before)
    if code == 2 and written:
        return "wrote_on_failure:" + ",".join(written[:5])
    if code == 2 and "Traceback" in err.getvalue():
        raise AssertionError(f"exit 2 with a traceback: {err.getvalue()[-2000:]}")
    return "ok" if code == 0 else "user_error"


def run_crash(case: dict, work: Path) -> str:
    """Kills the worker, as a crash in native code would (the harness's own test, GENRE_LDM_FUZZ_CRASH=1)."""
    if os.environ.get("GENRE_LDM_FUZZ_CRASH") == "1":
        os.kill(os.getpid(), 9)
    return "ok"


RUNNERS = {"audio": run_audio, "config": run_config, "latents": run_latents, "cli": run_cli, "crash": run_crash}


def run_case(case: dict) -> dict:
    from genre_base.errors import UserError

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        try:
            outcome = RUNNERS[case["boundary"]](case, Path(tmp))
            detail = ""
        except UserError as exc:
            outcome, detail = "user_error", str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        except Exception:  # noqa: BLE001 -- any other exception is the finding this harness looks for
            outcome, detail = "bug", traceback.format_exc()[-3000:]
    if outcome.startswith("wrote_on_failure"):
        outcome, detail = "wrote_on_failure", outcome.partition(":")[2]
    return {"id": case["id"], "outcome": outcome, "detail": detail}


def worker() -> int:
    """Read cases (one JSON per line) from stdin; answer each with one JSON line, flushed, before the next."""
    import logging

    logging.disable(logging.CRITICAL)  # commands' progress lines are not what is measured here
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        print(json.dumps(run_case(case)), flush=True)
    return 0


# ---------------------------------------------------------------- the harness (parent)


class Worker:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"},
        )
        self.lines: queue.Queue = queue.Queue()
        self.timed_out = False
        threading.Thread(target=self._read, daemon=True).start()
        self.answer(timeout=300)  # the ready line, after the imports

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def answer(self, timeout: float) -> dict | None:
        """The next JSON line, or None when the worker died or ran past ``timeout`` (then it is killed)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.timed_out = True
                self.proc.kill()
                return None
            if line is None:
                return None
            with contextlib.suppress(ValueError):
                return json.loads(line)

    def send(self, case: dict) -> None:
        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.proc.kill()


def run_cases(cases: list[dict], timeout: float) -> list[dict]:
    results, worker_ = [], None
    for case in cases:
        if worker_ is None:
            worker_ = Worker()
        try:
            worker_.send(case)
            answer = worker_.answer(timeout)
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:
            died = worker_.proc.wait(10) if not worker_.timed_out else "killed"
            outcome = "timeout" if worker_.timed_out else "crash"
            answer = {"id": case["id"], "outcome": outcome, "detail": f"worker exit {died}"}
            worker_.close()
            worker_ = None
        results.append({**answer, "case": case})
    if worker_ is not None:
        worker_.close()
    return results


FINE = ("ok", "user_error")


def report(results: list[dict]) -> dict:
    per: dict[str, dict[str, int]] = {}
    for r in results:
        counts = per.setdefault(r["case"]["boundary"], {})
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    findings = [r for r in results if r["outcome"] not in FINE]
    return {"per_boundary": per, "cases": len(results), "findings": findings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=100, help="cases per boundary")
    parser.add_argument("--boundary", default=",".join(BOUNDARIES), help=f"comma-separated, of {BOUNDARIES}")
    parser.add_argument("--only", help="run only the case with this id (replaying a finding)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a case may take")
    parser.add_argument("--out", help="write the report (JSON) here")
    args = parser.parse_args(argv)
    if args.worker:
        return worker()
    boundaries = [b for b in args.boundary.split(",") if b]
    unknown = sorted(set(boundaries) - set(BOUNDARIES))
    if unknown:
        parser.error(f"--boundary {unknown}: expected some of {BOUNDARIES}")
    start = time.perf_counter()
    cases = draw_cases(args.seed, args.cases, boundaries)
    if args.only:
        cases = [c for c in cases if c["id"] == args.only]
    result = report(run_cases(cases, args.timeout))
    result.update(seed=args.seed, seconds=round(time.perf_counter() - start, 1), command=" ".join(sys.argv))
    for boundary, counts in result["per_boundary"].items():
        print(f"{boundary:<8} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for f in result["findings"]:
        print(f"\n{f['outcome']}: {f['id']} {json.dumps(f['case'])[:300]}\n{f['detail']}")
    print(f"{result['cases']} cases, {len(result['findings'])} findings, {result['seconds']} s")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    return 1 if result["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
