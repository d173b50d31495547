"""The whole study in one call: data -> stage one -> latent sizes -> analysis -> stage two -> report.

Steps: prepare, vocoder, judge (in-house, a second opinion), independent (the independent genre
judge on the musicnn embedding, chosen on valid; it drives the rule and every genre figure), sweep (brief, every size), full (the three chosen sizes continued
to the full budget), encode (three sizes + MFCC and PCA baselines), analysis, ood, diffusion,
generation (evaluation; chooses the guidance scale on valid), samples (clips per genre and a song,
at that scale), manipulate (interpolation, genre shift, prior), report (HTML + PDF). Each step is
skipped when its output exists; training steps resume from their checkpoints after an
interruption. ``reuse`` in the config links a step to an existing output instead of computing it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import autoencoder
from analysis.compare import analyze_files
from analysis.encode import encode_dataset
from analysis.ood import evaluate_ood
from analysis.report import build_report
from autoencoder.sweep import Layout
from autoencoder.training.run import train_judge, train_vocoder
from autoencoder.training.sweep_runner import sweep_latent_sizes
from diffusion import load_pipeline
from diffusion import manipulate as M
from diffusion.generation import GenerationEvalOptions, evaluate_generation
from diffusion.guidance import Guidance
from diffusion.sampling import sample_clips, sample_songs
from diffusion.training import train_diffusion
from genre_base import UserError, trained_model, write_json
from genre_base.files import atomic_path
from genre_base.independent.fit_judge import train_independent_judge
from genre_base.prepare import PrepareOptions, prepare_dataset
from genre_base.toy import make_toy_genres

from .study_config import STEP_NAMES, StudyPlan


class StudyError(UserError):
    """A reused output is missing or a step cannot run; finished steps are kept."""


class Study:
    def __init__(self, plan: StudyPlan, src: str | None, out: str | Path, progress: bool = False) -> None:
        self.plan, self.cfg, self.src, self.out = plan, plan.study, src, Path(out)
        self.progress = progress
        self.times: dict[str, float] = {}

    def path(self, *parts: str) -> Path:
        return self.out.joinpath(*parts)

    def outputs(self) -> dict[str, Path]:
        return {
            "prepare": self.path("data", "dataset.json"),
            "vocoder": self.path("vocoder", "model"),
            "judge": self.path("judge", "model"),
            "independent": self.path("independent", "model"),
            "sweep": self.path("sweep", "sweep.json"),
            "full": self.path("sweep-full", "sweep.json"),
            "encode": self.path("latents", "done.json"),
            "analysis": self.path("analysis", "analysis.json"),
            "ood": self.path("ood", "summary.json"),
            "diffusion": self.path("diffusion", "model"),
            "samples": self.path("samples", "done.json"),
            "manipulate": self.path("manipulate", "done.json"),
            "generation": self.path("generation", "generation.json"),
            "report": self.path("report", "report.html"),
        }

    def run(self, only: list[str] | None = None) -> None:
        unknown = sorted(set(only or ()) - set(STEP_NAMES))
        if unknown:
            raise StudyError(f"unknown steps {unknown}; steps are {', '.join(STEP_NAMES)}")
        self.out.mkdir(parents=True, exist_ok=True)
        outputs = self.outputs()
        for k, name in enumerate(STEP_NAMES, 1):
            target = outputs[name]
            if name in self.cfg.reuse and not target.exists():
                # A model step's output is a folder (linked as is); any other step's output is a file
                # inside the step's folder, and the whole folder is linked.
                _link(
                    Path(self.cfg.reuse[name]).resolve(),
                    target.parent if target.suffix in (".json", ".html") else target,
                    name,
                )
            if target.exists() or (only and name not in only):
                print(f"[{k:>2}/{len(STEP_NAMES)}] {name:<10} current ({target.relative_to(self.out)})", flush=True)
                continue
            print(f"[{k:>2}/{len(STEP_NAMES)}] {name:<10} running ...", flush=True)
            start = time.time()
            getattr(self, f"step_{name}")()
            self.times[name] = time.time() - start
            print(f"[{k:>2}/{len(STEP_NAMES)}] {name:<10} done in {self.times[name]:.0f} s", flush=True)
            self._record()

    def _record(self) -> None:
        path = self.path("study.json")
        previous = json.loads(path.read_text()) if path.exists() else {"seconds": {}}
        write_json(
            path,
            {
                "src": self.src or "toy",
                "config": dataclasses.asdict(self.plan),
                "seconds": {**previous["seconds"], **self.times},
            },
        )

    # -- the steps -------------------------------------------------------------------------
    def step_prepare(self) -> None:
        src = self.src
        if src is None:
            src = str(self.path("toy_audio"))
            if not Path(src).exists():  # made whole or not at all: a kill half-way must not leave a partial one
                with atomic_path(src) as tmp:
                    make_toy_genres(tmp, tracks_per_genre=self.cfg.toy_tracks_per_genre, seconds=self.cfg.toy_seconds)
        prepare_dataset(src, self.path("data"), PrepareOptions(), progress=False)

    def _resume(self, run: str) -> bool:
        return (self.path(run) / "checkpoints").exists()

    def step_vocoder(self) -> None:
        train_vocoder(
            self.plan.vocoder,
            self.path("data"),
            self.path("vocoder"),
            resume=self._resume("vocoder"),
            progress=self.progress,
        )

    def step_judge(self) -> None:
        train_judge(
            self.plan.judge, self.path("data"), self.path("judge"), resume=self._resume("judge"), progress=self.progress
        )

    def step_independent(self) -> None:
        train_independent_judge(
            self.path("data"),
            self.path("independent", "model"),
            self.path("independent", "report.json"),
            force=True,
            progress=self.progress,
        )

    def _sweep(self, out: str, cfg, continue_from: str | None = None) -> None:
        sweep_latent_sizes(
            cfg,
            self.path("data"),
            self.path("vocoder", "model"),
            self.path("judge", "model"),
            self.path(out),
            continue_from=self.path(continue_from) if continue_from else None,
            progress=self.progress,
            independent=self.path("independent", "model"),
        )

    def step_sweep(self) -> None:
        self._sweep("sweep", self.plan.sweep)

    def decision(self) -> dict:
        return json.loads(self.path("sweep", "sweep.json").read_text())["decision"]

    def analysis_layouts(self) -> list[Layout]:
        return [Layout(*lo) for lo in self.decision()["analysis_layouts"]]

    def step_full(self) -> None:
        self._sweep("sweep-full", self.plan.sweep.full_budget(self.analysis_layouts()), "sweep")

    def vae(self, size: int) -> Path:
        layout = next(lo for lo in self.analysis_layouts() if lo.size == size)
        return trained_model(self.path("sweep-full", layout.run_name))

    def latents(self, name: str) -> Path:
        return self.path("latents", f"{name}.npz")

    def step_encode(self) -> None:
        d_star, data = self.decision()["size"], self.path("data")
        jobs = [(f"vae-{s}", dict(model=self.vae(s), logvars=True)) for s in self.decision()["analysis_sizes"]]
        jobs += [("mfcc", dict(baseline="mfcc")), (f"pca-{d_star}", dict(baseline="pca", dim=d_star))]
        for name, how in jobs:
            if not self.latents(name).exists():
                encode_dataset(data, self.latents(name), progress=self.progress, **how)
        write_json(self.path("latents", "done.json"), {"files": [f"{n}.npz" for n, _ in jobs]})

    def step_analysis(self) -> None:
        files = json.loads(self.path("latents", "done.json").read_text())["files"]
        analyze_files(
            [self.path("latents", f) for f in files],
            self.path("analysis"),
            seed=self.cfg.seed,
            umap=self.cfg.umap,
            n_boot=self.cfg.analysis_n_boot,
        )

    def step_ood(self) -> None:
        src = self.cfg.ood_src
        if src == "toy":
            src = str(self.path("ood_audio"))
            _toy_ood(Path(src), self.cfg.seed)
        if not src or not Path(src).is_dir():
            reason = "no ood_src in the study config" if not src else f"{src} does not exist"
            write_json(self.path("ood", "summary.json"), {"not_run": reason})
            return
        d_star = self.decision()["size"]
        evaluate_ood(
            self.vae(d_star),
            src,
            self.latents(f"vae-{d_star}"),
            self.path("ood"),
            judge=self.path("judge", "model"),
            umap=self.cfg.umap,
            independent=self.path("independent", "model"),
            n_boot=self.cfg.analysis_n_boot,
        )

    def step_diffusion(self) -> None:
        train_diffusion(
            self.plan.diffusion,
            self.latents(f"vae-{self.decision()['size']}"),
            self.path("diffusion"),
            resume=self._resume("diffusion"),
            progress=self.progress,
        )

    def pipeline(self) -> Path:
        return trained_model(self.path("diffusion"))

    def step_generation(self) -> None:
        opts = GenerationEvalOptions(
            guidance_grid=tuple(self.cfg.guidance_grid),
            seed=self.cfg.seed,
            n_boot=self.cfg.analysis_n_boot,
            max_clips=self.cfg.generation_max_clips or None,
            per_genre=self.cfg.generation_per_genre or None,
            remedies=tuple(self.cfg.guidance_remedies),
            samplers=tuple(self.cfg.samplers),
            search=self.cfg.sampling_search,
        )
        evaluate_generation(
            self.pipeline(),
            self.path("judge", "model"),
            self.latents(f"vae-{self.decision()['size']}"),
            self.path("generation"),
            opts,
            force=True,
            independent=self.path("independent", "model"),
        )

    def step_samples(self) -> None:
        pipe = load_pipeline(self.pipeline(), device="auto")
        # The guidance (scale and remedy) and sampler chosen on valid by the generation step.
        chosen = json.loads(self.path("generation", "generation.json").read_text())
        guidance = Guidance.of(chosen.get("guidance_settings", chosen["guidance"]))
        common = dict(
            guidance=guidance,
            steps=self.cfg.sample_steps,
            seed=self.cfg.seed,
            force=True,
            sampler=chosen.get("sampler", "ddim"),
        )
        for g in pipe.genres:
            sample_clips(pipe, g, self.cfg.samples_per_genre, self.path("samples", g), **common)
        song_genre = pipe.genres[self.cfg.seed % len(pipe.genres)]
        sample_songs(pipe, song_genre, 1, self.cfg.song_seconds, self.path("samples", "song"), **common)
        write_json(self.path("samples", "done.json"), {"genres": pipe.genres, "song_genre": song_genre})

    def step_manipulate(self) -> None:
        d_star = self.decision()["size"]
        data = autoencoder.PreparedDataset(self.path("data"))
        rows = data.indices("test")
        genres = sorted(set(data.genres[rows]))
        # Two test tracks of different genres, written as files: the manipulation works on audio files.
        picks = [rows[data.genres[rows] == g][0] for g in (genres[0], genres[-1])]
        files = []
        for r in picks:
            files.append(self.path("manipulate", "inputs", f"{data.track_ids[r]}_clip{data.clip_index[r]}.wav"))
            autoencoder.save_audio(files[-1], data.wave(r), data.sample_rate)
        codec = autoencoder.load(self.vae(d_star), device="auto")
        judge = autoencoder.load_judge(self.path("judge", "model"), device=codec.device)
        M.interpolate_files(
            codec, judge, str(files[0]), str(files[1]), 6, self.path("manipulate", "interpolate"), force=True
        )
        M.shift_file(
            codec,
            judge,
            str(files[0]),
            genres[-1],
            self.latents(f"vae-{d_star}"),
            self.path("manipulate", "shift"),
            source=genres[0],
            strength=1.0,
            force=True,
        )
        M.prior_clips(codec, judge, 4, self.path("manipulate", "prior"), seed=self.cfg.seed, force=True)
        write_json(self.path("manipulate", "done.json"), {"inputs": [str(f) for f in files]})

    def step_report(self) -> None:
        html, pdf = build_report(self.out)
        print(f"report: {html}\n        {pdf}")


def run_study(
    plan: StudyPlan, src: str | None, out: str | Path, only: list[str] | None = None, progress: bool = False
) -> Path:
    """Run (or continue) the study into ``out``; returns the report's path."""
    Study(plan, src, out, progress).run(only)
    return Path(out) / "report" / "report.html"


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
