"""The demo: toy genres -> prepared clips -> vocoder -> VAE (D = 32) -> a reconstructed track.

    python scripts/demo.py --out runs/demo

Everything is generated here (no download, no ../shared) and takes a few minutes on a 2-core CPU.
Re-running skips what is already done. Open TensorBoard on --out to see losses, mels and audio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autoencoder  # noqa: E402
from autoencoder.evaluate import evaluate_stage_one, format_table  # noqa: E402
from autoencoder.prepare import PrepareOptions, format_summary, prepare_dataset  # noqa: E402
from autoencoder.toy import make_toy_genres  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import train_autoencoder  # noqa: E402
import train_vocoder  # noqa: E402


def step(title: str, done: bool, run) -> None:
    start = time.time()
    if done:
        print(f"== {title}: already done")
        return
    print(f"== {title} ...", flush=True)
    if run() not in (None, 0):
        raise SystemExit(f"demo step failed: {title}")
    print(f"== {title}: {time.time() - start:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/demo")
    args = parser.parse_args(argv)
    out = Path(args.out)
    audio, data = out / "toy_audio", out / "toy_data"
    step("toy genres", audio.exists(), lambda: make_toy_genres(audio, tracks_per_genre=8, seconds=20.0) and None)
    step("prepare", (data / "dataset.json").exists(),
         lambda: print(format_summary(prepare_dataset(audio, data, PrepareOptions(), progress=False))))
    step("vocoder", (out / "vocoder" / "model").exists(), lambda: train_vocoder.main(
        ["--data", str(data), "--config", str(REPO / "configs/vocoder_demo.yaml"), "--out", str(out / "vocoder")]))
    step("VAE, D = 32", (out / "vae-32" / "model").exists(), lambda: train_autoencoder.main(
        ["--data", str(data), "--config", str(REPO / "configs/autoencoder_demo.yaml"),
         "--vocoder", str(out / "vocoder" / "model"), "--out", str(out / "vae-32")]))
    codec = autoencoder.load(out / "vae-32" / "model")
    source = sorted(audio.glob("*/*.wav"))[0]
    for name, gl in (("vocoder", False), ("griffin_lim", True)):
        autoencoder.save_audio(out / f"reconstruction_{name}.wav", codec.reconstruct_file(source, griffin_lim=gl),
                               codec.sample_rate)
    result = evaluate_stage_one(codec, autoencoder.PreparedDataset(data), "test", progress=False)
    print(format_table(result))
    print(f"\nlisten: {source} -> {out}/reconstruction_vocoder.wav (and _griffin_lim.wav)")
    print(f"watch:  .venv/bin/tensorboard --logdir {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
