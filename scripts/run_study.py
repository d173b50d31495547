"""The whole study in one command: data -> stage one -> latent sizes -> analysis -> stage two -> report.

    python scripts/run_study.py --out runs/study-toy                      # toy genres, about 10 min on 2 cores
    python scripts/run_study.py --src ../shared/data/gtzan --out runs/study --config configs/study.yaml

Steps: prepare, vocoder, judge, sweep (brief, every size), full (the three chosen sizes continued
to the full budget), encode (three sizes + MFCC and PCA baselines), analysis, ood, diffusion,
generation (evaluation; chooses the guidance scale on valid), samples (clips per genre and a song,
at that scale), manipulate (interpolation, genre shift, prior), report (HTML + PDF). Each step is skipped when its output exists; training steps
resume from their checkpoints after an interruption. ``reuse`` in the config links a step to an
existing output instead of computing it (e.g. the shipped vocoder and judge).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from autoencoder import write_json  # noqa: E402
from autoencoder.config import ConfigError, load_config  # noqa: E402

STEPS = ("prepare", "vocoder", "judge", "sweep", "full", "encode", "analysis", "ood", "diffusion", "generation",
         "samples", "manipulate", "report")


@dataclass
class StudyConfig:
    vocoder_config: str = "configs/vocoder.yaml"
    vocoder_overrides: list[str] = field(default_factory=list)
    judge_config: str = "configs/judge.yaml"
    judge_overrides: list[str] = field(default_factory=list)
    sweep_config: str = "configs/sweep.yaml"
    sweep_overrides: list[str] = field(default_factory=lambda: ["vae.loop.max_steps=800"])
    full_overrides: list[str] = field(default_factory=lambda: ["vae.loop.max_steps=3000", "eval_max_clips=300"])
    diffusion_config: str = "configs/diffusion.yaml"
    diffusion_overrides: list[str] = field(default_factory=list)
    ood_src: str = "../shared/data/ood"  # "" skips the out-of-dataset step; "toy" generates odd-format clips
    toy_tracks_per_genre: int = 8
    toy_seconds: float = 16.0
    samples_per_genre: int = 2
    song_seconds: float = 30.0
    sample_steps: int = 50
    guidance_grid: str = "1,2,3,5,8"
    generation_max_clips: int = 0  # 0: every real clip of valid and test
    umap: bool = True
    seed: int = 0
    # step -> existing output to link instead of computing: a model folder for vocoder, judge and
    # diffusion; the step's whole output folder for the others (e.g. sweep: an earlier sweep's --out).
    reuse: dict[str, str] = field(default_factory=dict)


class StudyError(RuntimeError):
    """A step failed or a reused output is missing; finished steps are kept."""


class Study:
    def __init__(self, cfg: StudyConfig, src: str | None, out: Path) -> None:
        self.cfg, self.src, self.out = cfg, src, out
        self.times: dict[str, float] = {}

    def path(self, *parts: str) -> Path:
        return self.out.joinpath(*parts)

    def config(self, name: str) -> str:
        p = Path(name)
        return str(p if p.is_absolute() or p.exists() else REPO / p)

    def outputs(self) -> dict[str, Path]:
        return {"prepare": self.path("data", "dataset.json"), "vocoder": self.path("vocoder", "model"),
                "judge": self.path("judge", "model"), "sweep": self.path("sweep", "sweep.json"),
                "full": self.path("sweep-full", "sweep.json"), "encode": self.path("latents", "done.json"),
                "analysis": self.path("analysis", "analysis.json"), "ood": self.path("ood", "summary.json"),
                "diffusion": self.path("diffusion", "model"), "samples": self.path("samples", "done.json"),
                "manipulate": self.path("manipulate", "done.json"), "generation": self.path("generation", "generation.json"),
                "report": self.path("report", "report.html")}

    def run(self, only: list[str] | None = None) -> None:
        outputs = self.outputs()
        for k, name in enumerate(STEPS, 1):
            target = outputs[name]
            if name in self.cfg.reuse and not target.exists():
                # A model step's output is a folder (linked as is); any other step's output is a file
                # inside the step's folder, and the whole folder is linked.
                _link(Path(self.cfg.reuse[name]).resolve(),
                      target.parent if target.suffix in (".json", ".html") else target, name)
            if target.exists() or (only and name not in only):
                print(f"[{k:>2}/{len(STEPS)}] {name:<10} current ({target.relative_to(self.out)})", flush=True)
                continue
            print(f"[{k:>2}/{len(STEPS)}] {name:<10} running ...", flush=True)
            start = time.time()
            code = getattr(self, f"step_{name}")()
            if code not in (None, 0):
                raise StudyError(f"step {name!r} failed (exit {code}); fix it and re-run: finished steps are kept")
            self.times[name] = time.time() - start
            print(f"[{k:>2}/{len(STEPS)}] {name:<10} done in {self.times[name]:.0f} s", flush=True)
            self._record()

    def _record(self) -> None:
        path = self.path("study.json")
        previous = json.loads(path.read_text()) if path.exists() else {"seconds": {}}
        write_json(path, {"src": self.src or "toy", "config": self.cfg.__dict__,
                          "seconds": {**previous["seconds"], **self.times}})

    # -- the steps -------------------------------------------------------------------------
    def step_prepare(self):
        from autoencoder.prepare import PrepareOptions, prepare_dataset
        from autoencoder.toy import make_toy_genres

        src = self.src
        if src is None:
            src = str(self.path("toy_audio"))
            if not Path(src).exists():
                make_toy_genres(Path(src), tracks_per_genre=self.cfg.toy_tracks_per_genre, seconds=self.cfg.toy_seconds)
        prepare_dataset(src, self.path("data"), PrepareOptions(), progress=False)

    def _train(self, module: str, config: str, run: str, extra: list[str], overrides: list[str] = ()) -> int:
        script = __import__(module)
        folder = self.path(run)
        resume = ["--resume"] if (folder / "checkpoints").exists() else []
        return script.main(["--data", str(self.path("data")), "--config", self.config(config), "--out", str(folder),
                            "--no-progress", *resume, *extra, *overrides])

    def step_vocoder(self):
        return self._train("train_vocoder", self.cfg.vocoder_config, "vocoder", [], self.cfg.vocoder_overrides)

    def step_judge(self):
        return self._train("train_classifier", self.cfg.judge_config, "judge", [], self.cfg.judge_overrides)

    def _sweep(self, out: str, overrides: list[str], sizes: list[int] | None = None, continue_from: str | None = None):
        import sweep_latent_sizes

        args = ["--data", str(self.path("data")), "--vocoder", str(self.path("vocoder", "model")),
                "--judge", str(self.path("judge", "model")), "--config", self.config(self.cfg.sweep_config),
                "--out", str(self.path(out)), "--no-progress"]
        if sizes:
            args += ["--sizes", ",".join(map(str, sizes))]
        if continue_from:
            args += ["--continue-from", str(self.path(continue_from))]
        return sweep_latent_sizes.main(args + overrides)

    def step_sweep(self):
        return self._sweep("sweep", self.cfg.sweep_overrides)

    def decision(self) -> dict:
        return json.loads(self.path("sweep", "sweep.json").read_text())["decision"]

    def step_full(self):
        return self._sweep("sweep-full", self.cfg.full_overrides, self.decision()["analysis_sizes"], "sweep")

    def vae(self, size: int) -> Path:
        run = self.path("sweep-full", f"vae-{size:04d}")
        return run / "best" if (run / "best").is_dir() else run / "model"

    def latents(self, name: str) -> Path:
        return self.path("latents", f"{name}.npz")

    def step_encode(self):
        import encode_dataset

        d_star, data = self.decision()["size"], str(self.path("data"))
        jobs = [(f"vae-{s}", ["--model", str(self.vae(s)), "--logvars"]) for s in self.decision()["analysis_sizes"]]
        jobs += [("mfcc", ["--baseline", "mfcc"]), (f"pca-{d_star}", ["--baseline", "pca", "--dim", str(d_star)])]
        for name, extra in jobs:
            if not self.latents(name).exists() and encode_dataset.main(["--data", data, "--out", str(self.latents(name)), *extra]):
                return 1
        write_json(self.path("latents", "done.json"), {"files": [f"{n}.npz" for n, _ in jobs]})

    def step_analysis(self):
        import analyze

        files = json.loads(self.path("latents", "done.json").read_text())["files"]
        return analyze.main([*(str(self.path("latents", f)) for f in files), "--out", str(self.path("analysis")),
                             "--seed", str(self.cfg.seed), *([] if self.cfg.umap else ["--no-umap"])])

    def step_ood(self):
        import evaluate_ood

        src = self.cfg.ood_src
        if not src:
            write_json(self.path("ood", "summary.json"), {"not_run": "no ood_src in the study config"})
            return 0
        if src == "toy":
            src = str(self.path("ood_audio"))
            _toy_ood(Path(src), self.cfg.seed)
        elif not Path(src).is_dir():
            write_json(self.path("ood", "summary.json"), {"not_run": f"{src} does not exist"})
            return 0
        d_star = self.decision()["size"]
        return evaluate_ood.main(["--model", str(self.vae(d_star)), "--src", src, "--judge", str(self.path("judge", "model")),
                                  "--latents", str(self.latents(f"vae-{d_star}")), "--out", str(self.path("ood")),
                                  *([] if self.cfg.umap else ["--no-umap"])])

    def step_diffusion(self):
        import train_diffusion

        folder = self.path("diffusion")
        resume = ["--resume"] if (folder / "checkpoints").exists() else []
        return train_diffusion.main(["--latents", str(self.latents(f"vae-{self.decision()['size']}")), "--config",
                                     self.config(self.cfg.diffusion_config), "--out", str(folder), "--no-progress",
                                     *resume, *self.cfg.diffusion_overrides])

    def pipeline(self) -> str:
        run = self.path("diffusion")
        return str(run / "best" if (run / "best").is_dir() else run / "model")

    def step_samples(self):
        import sample

        from diffusion import load_pipeline

        genres = load_pipeline(self.pipeline(), stage_one=False).genres
        # The guidance scale chosen on valid by the generation step.
        guidance = json.loads(self.path("generation", "generation.json").read_text())["guidance"]
        base = ["--model", self.pipeline(), "--steps", str(self.cfg.sample_steps), "--seed", str(self.cfg.seed), "--force",
                "--guidance", str(guidance)]
        for g in genres:
            if sample.main(base + ["--genre", g, "--num", str(self.cfg.samples_per_genre), "--out", str(self.path("samples", g))]):
                return 1
        song_genre = genres[self.cfg.seed % len(genres)]
        if sample.main(base + ["--genre", song_genre, "--num", "1", "--seconds", str(self.cfg.song_seconds),
                               "--out", str(self.path("samples", "song"))]):
            return 1
        write_json(self.path("samples", "done.json"), {"genres": genres, "song_genre": song_genre})

    def step_manipulate(self):
        import manipulate

        import autoencoder

        d_star = self.decision()["size"]
        data = autoencoder.PreparedDataset(self.path("data"))
        rows = data.indices("test")
        genres = sorted(set(data.genres[rows]))
        # Two test tracks of different genres, written as files so the command line is exercised as users use it.
        picks = [rows[data.genres[rows] == g][0] for g in (genres[0], genres[-1])]
        files = []
        for r in picks:
            files.append(self.path("manipulate", "inputs", f"{data.track_ids[r]}_clip{data.clip_index[r]}.wav"))
            autoencoder.save_audio(files[-1], data.wave(r), data.sample_rate)
        common = ["--model", str(self.vae(d_star)), "--judge", str(self.path("judge", "model")), "--force"]
        codes = [manipulate.main(["interpolate", *map(str, files), "--steps", "6", "--out", str(self.path("manipulate", "interpolate")), *common]),
                 manipulate.main(["shift", str(files[0]), "--to", genres[-1], "--from", genres[0], "--strength", "1.0",
                                  "--latents", str(self.latents(f"vae-{d_star}")), "--out", str(self.path("manipulate", "shift")), *common]),
                 manipulate.main(["prior", "--num", "4", "--seed", str(self.cfg.seed), "--out", str(self.path("manipulate", "prior")), *common])]
        if any(codes):
            return 1
        write_json(self.path("manipulate", "done.json"), {"inputs": [str(f) for f in files]})

    def step_generation(self):
        import evaluate_generation

        args = ["--model", self.pipeline(), "--judge", str(self.path("judge", "model")), "--latents",
                str(self.latents(f"vae-{self.decision()['size']}")), "--out", str(self.path("generation")),
                "--guidance-grid", self.cfg.guidance_grid, "--seed", str(self.cfg.seed), "--force"]
        if self.cfg.generation_max_clips:
            args += ["--max-clips", str(self.cfg.generation_max_clips)]
        return evaluate_generation.main(args)

    def step_report(self):
        from analysis.report import build_report

        html, pdf = build_report(self.out)
        print(f"report: {html}\n        {pdf}")


def _link(source: Path, target: Path, name: str) -> None:
    if not source.exists():
        raise StudyError(f"reuse.{name} points to {source}, which does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(source, target_is_directory=source.is_dir())


def _toy_ood(folder: Path, seed: int) -> None:
    """Odd-format clips unlike the toy genres (noise bursts, glides), for the toy study's ood step."""
    import numpy as np
    import soundfile as sf

    if folder.exists():
        return
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for name, rate, seconds in (("glide.ogg", 44100, 9.0), ("bursts.flac", 16000, 7.0), ("hum.wav", 48000, 12.0)):
        t = np.arange(int(rate * seconds)) / rate
        tone = 0.3 * np.sin(2 * np.pi * (200 + 300 * t / seconds) * t) * (1 + np.sin(2 * np.pi * 0.5 * t)) / 2
        sf.write(folder / name, (tone + 0.05 * rng.standard_normal(len(t))).astype(np.float32), rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", help="a GTZAN folder (any usual layout); default: generated toy genres")
    parser.add_argument("--out", required=True)
    parser.add_argument("--config", help="study YAML (default: configs/study_toy.yaml without --src, "
                                         "configs/study.yaml with it)")
    parser.add_argument("--only", help="comma-separated steps to run (the others must be current)")
    parser.add_argument("overrides", nargs="*", help="e.g. song_seconds=20 reuse.vocoder=models/vocoder")
    args = parser.parse_args(argv)
    config = args.config or str(REPO / ("configs/study.yaml" if args.src else "configs/study_toy.yaml"))
    try:
        cfg = load_config(StudyConfig, config, args.overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    try:
        Study(cfg, args.src, out).run(args.only.split(",") if args.only else None)
    except StudyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"study finished in {time.time() - start:.0f} s; report: {out / 'report' / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
