"""Load on the app: N users at once through the official client, each a bounded visit that mixes the four tabs.

    python scripts/dev/app_load.py --clients 1,4,8 --requests 4 --out results/bench/app_load.json
    python scripts/dev/app_load.py --clients 8 --requests 2 --max-queue 4 --out runs/app_overload.json

Starts ``genre-ldm app`` on a free loopback port with a Gradio cache folder of its own, warms it with one
request per tab, then for each N: N ``gradio_client`` users start together, each sends ``--requests`` requests
(generate / reconstruct / interpolate / explore in a seeded order, one after another, as a person would) and
checks every answer (lengths of the audio, rows of the table). Per N it reports answered / refused / wrong,
latency (submit to answer) and queue wait (submit to the start of processing) p50 / p95 / max per tab, the
highest queue position a user was shown, the app's RSS before and after (growth per request) and its peak
(sampled every 0.1 s), and Gradio's cache: the files the visits left in it (uploads and answers), and how long
until the app's own sweep (``--cache-max-age``) has removed them. Stops by itself; the app is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
RATE = 22050
TABS = ("generate", "reconstruct", "interpolate", "explore")
SONG_SECONDS = 6.0


@dataclass
class Answer:
    """One request of one user."""

    user: int
    tab: str
    ok: bool  # answered, and the answer is what was asked for
    error: str  # "" when ok: the refusal's message, or what was wrong with the answer
    latency_s: float  # submit to answer
    queue_wait_s: float  # submit to the start of processing (the whole latency when it never started)
    queue_position: int  # the highest place in the queue the user was shown (0: next)


@dataclass
class AppFacts:
    """What a user picks from: the generator's genres, the map's genres (interpolation ends), the map's points."""

    genres: list[str]
    map_genres: list[str]
    points: int

    @classmethod
    def of(cls, models) -> AppFacts:
        labels = set(models.explore.label.tolist()) - {"out-of-dataset"}
        return cls(list(models.genres), sorted(labels), len(models.explore.xy))


def make_song(path: Path) -> Path:
    """A 6 s two-tone file with a beat: an upload for reconstruct."""
    t = np.arange(int(SONG_SECONDS * RATE)) / RATE
    beat = (1 + np.sign(np.sin(2 * np.pi * 2 * t))) / 2
    wave = 0.3 * np.sin(2 * np.pi * 220 * t) * beat + 0.1 * np.sin(2 * np.pi * 330 * t)
    sf.write(path, wave.astype(np.float32), RATE)
    return path


def _seconds(path: str | None) -> float:
    info = sf.info(path)
    return info.frames / info.samplerate


def _request(tab: str, rng: random.Random, song: Path, facts: AppFacts):
    """(arguments, a check of the answer returning what is wrong or "") for one request of ``tab``."""
    from gradio_client import handle_file

    if tab == "generate":
        seconds = rng.choice([2.0, 3.0, 5.0])

        def check(out):
            return (
                "" if abs(_seconds(out[0]) - seconds) < 1e-3 else f"generated {_seconds(out[0]):.3f} s, not {seconds}"
            )

        return (rng.choice(facts.genres), 3.0, 8, rng.randrange(1000), seconds), check
    if tab == "reconstruct":

        def check(out):
            original, *recons, _, table = out
            lengths = [_seconds(p) for p in (original, *recons)]
            if any(abs(s - SONG_SECONDS) > 1e-3 for s in lengths) or len(table["data"]) != len(recons):
                return f"reconstruct gave lengths {lengths} and {len(table['data'])} table rows"
            return ""

        return (handle_file(str(song)),), check
    if tab == "interpolate":
        steps = rng.choice([2, 3])
        expected = steps * 5.0 + (steps - 1) * 0.25

        def check(out):
            got = _seconds(out[0])
            return "" if abs(got - expected) < 1e-3 else f"interpolation {got:.3f} s, not {expected}"

        a, b = rng.sample(facts.map_genres, 2)
        return (None, None, a, b, steps), check

    def check(out):
        return "" if abs(_seconds(out[0]) - 5.0) < 1e-3 else f"explore decoded {_seconds(out[0]):.3f} s, not 5"

    return (rng.randrange(facts.points),), check


def visit(url: str, user: int, plan: list[str], song: Path, facts: AppFacts, seed: int) -> list[Answer]:
    """One user: a client of its own, ``plan``'s requests one after another, then the client closes."""
    from gradio_client import Client
    from gradio_client.utils import Status

    started_codes = {Status.PROCESSING, Status.PROGRESS, Status.ITERATING}
    rng = random.Random(seed * 1000 + user)
    client = Client(url, verbose=False)
    answers = []
    try:
        for tab in plan:
            args, check = _request(tab, rng, song, facts)
            t0 = time.perf_counter()
            job = client.submit(*args, api_name=f"/{tab}")
            started, position = None, 0
            while not job.done():
                status = job.status()
                if started is None and status.code in started_codes:
                    started = time.perf_counter()
                if status.code == Status.IN_QUEUE and status.rank is not None:
                    position = max(position, status.rank)
                time.sleep(0.02)
            end = time.perf_counter()
            try:
                error = check(job.result())
            except Exception as exc:  # noqa: BLE001 -- a refusal or a failure is what this benchmark counts
                error = f"{type(exc).__name__}: {exc}"
            wait = (started or end) - t0
            answers.append(Answer(user, tab, not error, error, end - t0, wait, position))
    finally:
        client.close()
    return answers


def plans(users: int, requests: int, seed: int) -> list[list[str]]:
    """Each user's tabs: every tab as evenly as the count allows, in a seeded order of the user's own."""
    out = []
    for user in range(users):
        rng = random.Random(seed + user)
        tabs = [TABS[(user + i) % len(TABS)] for i in range(requests)]
        rng.shuffle(tabs)
        out.append(tabs)
    return out


def drive(url: str, users: int, requests: int, song: Path, facts: AppFacts, seed: int = 0) -> list[Answer]:
    """``users`` concurrent visits of ``requests`` requests each; every answer, in no particular order."""
    answers: list[Answer] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def one(user: int, plan: list[str]) -> None:
        try:
            got = visit(url, user, plan, song, facts, seed)
        except BaseException as exc:  # a client that could not even connect: re-raised below
            failures.append(exc)
            return
        with lock:
            answers.extend(got)

    threads = [threading.Thread(target=one, args=(u, p)) for u, p in enumerate(plans(users, requests, seed))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return answers


class App:
    """``genre-ldm app`` in a subprocess on a free loopback port, with its own Gradio cache folder."""

    def __init__(self, models: Path, max_queue: int, cache_max_age: int, cache: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.cache = cache
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_TEMP_DIR": str(cache)}
        command = [sys.executable, "-m", "genre_ldm", "app", "--models", str(models), "--port", str(self.port)]
        command += ["--max-queue", str(max_queue), "--cache-max-age", str(cache_max_age)]
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        self._peak = 0
        self._stop = threading.Event()

    def wait_listening(self, timeout_s: float = 180) -> None:
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the app exited with {self.proc.returncode}: {self.log.read()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the app did not listen within {timeout_s:.0f} s")

    def rss_mib(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def start_sampling(self) -> None:
        """Sample the RSS every 0.1 s until :meth:`peak_mib` (the peak between two calls)."""
        self._peak, self._stop = self.rss_mib(), threading.Event()

        def sample() -> None:
            while not self._stop.wait(0.1):
                self._peak = max(self._peak, self.rss_mib())

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def peak_mib(self) -> float:
        self._stop.set()
        self._sampler.join()
        return self._peak

    def cache_files(self) -> list[Path]:
        return sorted(p for p in self.cache.rglob("*") if p.is_file())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(max(values)),
    }


def summarise(answers: list[Answer]) -> dict:
    """Counts, latency and queue wait per tab and over all of them."""
    by_tab = {}
    for tab in (*TABS, "all"):
        mine = [a for a in answers if tab in ("all", a.tab)]
        if not mine:
            continue
        answered = [a for a in mine if a.ok]
        by_tab[tab] = {
            "requests": len(mine),
            "answered": len(answered),
            "refused_queue_full": sum("Queue is full" in a.error for a in mine),
            "wrong_or_failed": sum(not a.ok and "Queue is full" not in a.error for a in mine),
            "latency_s": _percentiles([a.latency_s for a in answered]),
            "queue_wait_s": _percentiles([a.queue_wait_s for a in answered]),
            "max_queue_position": max(a.queue_position for a in mine),
        }
    return by_tab


def wait_cache_swept(app: App, own: set[Path], limit_s: float) -> tuple[float | None, list[str]]:
    """Seconds until the app's sweep has removed every file the users' visits left in its cache (those not in
    ``own``, what the app put there before any request: the map's picture), or None and what is left."""
    t0 = time.perf_counter()
    while True:
        left = [p for p in app.cache_files() if p not in own]
        if not left:
            return time.perf_counter() - t0, []
        if time.perf_counter() - t0 > limit_s:
            return None, [str(p.relative_to(app.cache)) for p in left[:20]]
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=str(REPO / "models"))
    parser.add_argument("--clients", default="1,4,8", help="comma-separated numbers of concurrent users")
    parser.add_argument("--requests", type=int, default=4, help="requests per user (bounded: the run stops itself)")
    parser.add_argument("--max-queue", type=int, default=16, help="the app's --max-queue")
    parser.add_argument(
        "--cache-max-age", type=int, default=20, help="the app's --cache-max-age, short here so its sweep is seen"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="JSON report (written atomically)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from genre_base.artifacts import command_line
    from genre_base.files import write_json
    from genre_base.logs import configure

    configure()
    levels = [int(n) for n in args.clients.split(",")]
    from genre_ldm.app.core import load_models

    facts = AppFacts.of(load_models(args.models))  # what the app's dropdowns and map hold
    with tempfile.TemporaryDirectory() as work:
        song = make_song(Path(work) / "upload.wav")
        app = App(Path(args.models), args.max_queue, args.cache_max_age, Path(work) / "gradio-cache")
        try:
            t0 = time.perf_counter()
            app.wait_listening()
            started_s = time.perf_counter() - t0
            own = set(app.cache_files())
            warm = drive(app.url, 1, len(TABS), song, facts, seed=args.seed + 999)  # first calls load lazily
            if not all(a.ok for a in warm):
                raise RuntimeError(f"the warm-up failed: {[a.error for a in warm if not a.ok]}")
            wait_cache_swept(app, own, 3 * args.cache_max_age + 10)  # each level starts from the app's own files
            runs = []
            for users in levels:
                before = app.rss_mib()
                app.start_sampling()
                t1 = time.perf_counter()
                answers = drive(app.url, users, args.requests, song, facts, seed=args.seed)
                wall = time.perf_counter() - t1
                peak, after = app.peak_mib(), app.rss_mib()
                files = [p for p in app.cache_files() if p not in own]
                emptied, left = wait_cache_swept(app, own, 3 * args.cache_max_age + 10)
                run = {
                    "users": users,
                    "requests_per_user": args.requests,
                    "wall_s": wall,
                    "tabs": summarise(answers),
                    "rss_before_mib": before,
                    "rss_after_mib": after,
                    "rss_peak_mib": peak,
                    "rss_growth_per_request_kib": (after - before) * 1024 / len(answers),
                    "cache_files_after": len(files),
                    "cache_mib_after": sum(map(_size, files)) / 2**20,
                    "cache_emptied_after_s": emptied,
                    "cache_left": left,
                    "answers": [asdict(a) for a in answers],
                }
                runs.append(run)
                print(_line(run), flush=True)
        finally:
            app.stop()
    report = {
        "command": command_line(),
        "machine": _machine(),
        "app_start_s": started_s,
        "max_queue": args.max_queue,
        "cache_max_age_s": args.cache_max_age,
        "cache_files_of_the_app": len(own),
        "runs": runs,
    }
    print(table(report))
    if args.out:
        write_json(Path(args.out), report)
    return 0


def _line(run: dict) -> str:
    every = run["tabs"]["all"]
    return (
        f"{run['users']} user(s): {every['answered']}/{every['requests']} answered, "
        f"{every['refused_queue_full']} refused (queue full), {every['wrong_or_failed']} wrong or failed; "
        f"latency p50 {every['latency_s'].get('p50', float('nan')):.1f} s, "
        f"peak RSS {run['rss_peak_mib']:.0f} MiB"
    )


def table(report: dict) -> str:
    """The docs' table: one row per number of users, then one per tab at the largest."""
    rows = [
        "| users | answered | refused (queue full) | wrong | latency p50 / p95 / max, s | queue wait p50 / p95 / max, s "
        "| highest queue position | RSS before / after / peak, MiB | growth per request, KiB | cache files after "
        "| cache empty after, s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in report["runs"]:
        every = run["tabs"]["all"]
        lat, wait = every["latency_s"], every["queue_wait_s"]
        emptied = run["cache_emptied_after_s"]
        rows.append(
            f"| {run['users']} | {every['answered']}/{every['requests']} | {every['refused_queue_full']} "
            f"| {every['wrong_or_failed']} | {_ppm(lat)} | {_ppm(wait)} | {every['max_queue_position']} "
            f"| {run['rss_before_mib']:.0f} / {run['rss_after_mib']:.0f} / {run['rss_peak_mib']:.0f} "
            f"| {run['rss_growth_per_request_kib']:.0f} | {run['cache_files_after']} "
            f"| {'not emptied' if emptied is None else f'{emptied:.0f}'} |"
        )
    return "\n".join(rows)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # the sweep removed it since the listing
        return 0


def _ppm(p: dict) -> str:
    return " / ".join(f"{p[k]:.1f}" for k in ("p50", "p95", "max")) if p else "-"


def _machine() -> str:
    import platform

    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}"


if __name__ == "__main__":
    sys.exit(main())
