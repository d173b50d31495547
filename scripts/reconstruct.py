"""Encode an audio file with a trained VAE and decode it back: the first thing to try.

    python scripts/reconstruct.py song.mp3 --model models/vae-128 --out song_vae.wav
    python scripts/reconstruct.py song.mp3 --model models/vae-128 --out song_gl.wav --griffin-lim

Any format soundfile reads, any rate, channel count and length: the file is cut into 5 s windows
overlapping by 1 s, each window becomes one latent vector, and the decoded windows are joined by
crossfades; the output has the input's length, at the model's sample rate, mono.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autoencoder  # noqa: E402
from autoencoder.artifacts import ModelFolderError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="audio file")
    parser.add_argument("--model", required=True, help="VAE model folder")
    parser.add_argument("--out", required=True, help="output audio file (.wav, .flac, .ogg, .mp3)")
    parser.add_argument("--griffin-lim", action="store_true", help="decode with Griffin-Lim instead of the vocoder")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args(argv)
    if Path(args.out).exists() and not args.force:
        print(f"error: {args.out} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    try:
        codec = autoencoder.load(args.model)
        trajectory = codec.encode_file(args.input)
        wave = codec.decode_trajectory(trajectory, griffin_lim=args.griffin_lim)
        autoencoder.save_audio(args.out, wave, codec.sample_rate)
    except (ValueError, ModelFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = trajectory.num_samples / codec.sample_rate
    print(f"{args.input}: {seconds:.1f} s -> {len(trajectory.starts)} latent vectors of {codec.latent_size} floats "
          f"-> {args.out} ({'Griffin-Lim' if args.griffin_lim or codec.vocoder is None else 'vocoder'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
