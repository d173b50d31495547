"""The models shipped in models/ load (hash-checked), decode, judge and sample right after install."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import autoencoder
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"
# Everything here needs the shipped pipeline (the VAEs refer to their vocoder, the pipeline to its stage one).
pytestmark = pytest.mark.skipif(not (MODELS / "diffusion").is_dir(), reason="no shipped diffusion pipeline in models/")
VAES = sorted(p.name for p in MODELS.glob("vae-*"))


def test_the_three_study_sizes_are_shipped():
    sizes = sorted(int(v.split("-")[1]) for v in VAES)
    assert len(sizes) >= 3 and any(2 * a == b for a in sizes for b in sizes)


@pytest.mark.parametrize("name", VAES)
def test_shipped_vae_vocoder_and_judge_work_together(name):
    codec = autoencoder.load(MODELS / name)
    size = int(name.split("-")[1])
    assert codec.latent_size == size and codec.vocoder is not None
    t = torch.arange(codec.clip_samples) / codec.sample_rate
    wave = 0.3 * torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 2 * t))
    z = codec.encode(wave)
    out = codec.decode(z)
    assert z.shape == (1, size) and out.shape == (1, codec.clip_samples) and torch.isfinite(out).all()
    judge = autoencoder.load_judge(MODELS / "judge")
    assert (
        len(judge.genres) == 10
        and judge.metrics["test_balanced_accuracy"] > 2 * judge.metrics["test_chance_balanced_accuracy"]
    )
    assert judge.probabilities(out).shape == (1, 10)


def test_shipped_pipeline_samples_from_the_command_line(tmp_path):
    import soundfile as sf

    args = ["--model", str(MODELS / "diffusion"), "--genre", "jazz", "--num", "2", "--steps", "10", "--seed", "3"]
    assert run_script("sample", args + ["--out", str(tmp_path / "a")]) == 0
    assert run_script("sample", args + ["--out", str(tmp_path / "b")]) == 0
    a, sr = sf.read(tmp_path / "a" / "jazz_0.wav")
    b, _ = sf.read(tmp_path / "b" / "jazz_0.wav")
    assert sr == 22050 and len(a) == 5 * sr and (a == b).all() and abs(a).max() > 0.01
    assert (
        run_script("sample", ["--model", str(MODELS / "diffusion"), "--genre", "polka", "--out", str(tmp_path / "c")])
        == 2
    )


def test_shipped_pipeline_loads_with_the_stock_diffusers_api_in_a_fresh_process(tmp_path):
    """A diffusers user's first try, in a new interpreter started outside the repository."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, torch\n"
        "from diffusers import DiffusionPipeline\n"
        "pipe = DiffusionPipeline.from_pretrained(sys.argv[1], trust_remote_code=True)\n"
        "out = pipe(genre='jazz', num_inference_steps=3, guidance_scale=3.0, audio_length_in_s=2.5,\n"
        "           generator=torch.Generator().manual_seed(0))\n"
        "a = out.audios\n"
        "print(json.dumps({'cls': type(pipe).__name__, 'out': type(out).__name__, 'shape': list(a.shape),\n"
        "                  'peak': float(abs(a).max()), 'components': sorted(pipe.components)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(MODELS / "diffusion")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cls"] == "GenreLatentPipeline" and result["out"] == "AudioPipelineOutput"
    assert result["shape"] == [1, int(2.5 * 22050)] and result["peak"] > 0.01
    assert result["components"] == ["denoiser", "scheduler", "vae", "vocoder"]


@pytest.mark.slow
def test_the_readme_python_snippet_runs_as_written(monkeypatch):
    import re

    monkeypatch.chdir(REPO)  # the snippet names models/ relative to the repository, as a user runs it
    readme = (REPO / "README.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert snippets, "the README shows the Python API"
    for code in snippets:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
