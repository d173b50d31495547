"""Encode an audio file with a trained VAE and decode it back: the first thing to try.

    genre-ldm reconstruct song.mp3 --model models/vae-1080 --out song_vae.wav
    genre-ldm reconstruct song.mp3 --model models/vae-1080 --out song_gl.wav --griffin-lim

Any format soundfile reads, any rate, channel count and length: the file is cut into 5 s windows
overlapping by 1 s, each window becomes one latent vector, and the decoded windows are joined by
crossfades; the output has the input's length, at the model's sample rate, mono.
"""

from __future__ import annotations

import argparse
import sys

import autoencoder
from genre_base import command, refuse_overwrite


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="audio file")
    parser.add_argument("--model", required=True, help="VAE model folder")
    parser.add_argument("--out", required=True, help="output audio file (.wav, .flac, .ogg, .mp3)")
    parser.add_argument("--griffin-lim", action="store_true", help="decode with Griffin-Lim instead of the vocoder")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    refuse_overwrite([args.out], args.force)
    codec = autoencoder.load(args.model, device=args.device)
    trajectory = codec.encode_file(args.input)
    autoencoder.save_audio(
        args.out, codec.decode_trajectory(trajectory, griffin_lim=args.griffin_lim), codec.sample_rate
    )
    seconds = trajectory.num_samples / codec.sample_rate
    print(
        f"{args.input}: {seconds:.1f} s -> {len(trajectory.starts)} latent vectors of {codec.latent_size} floats "
        f"-> {args.out} ({'Griffin-Lim' if args.griffin_lim or codec.vocoder is None else 'vocoder'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
