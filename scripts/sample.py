"""Sample genre-conditioned clips (or a whole song) from a trained latent diffusion pipeline.

    python scripts/sample.py --model models/diffusion --genre jazz --num 4 --guidance 3 --steps 50 --seed 0 --out samples/jazz
    python scripts/sample.py --model models/diffusion --genre metal --seconds 30 --out samples/metal-song

Writes ``<genre>_<i>.wav`` (one clip each, 5 s) and ``mels.png``; with ``--seconds`` longer than
a clip, ``<genre>_song_<i>.wav``: clips chained by inpainting their latent overlap (see
diffusion/song.py), plus ``seams.json`` comparing the seams (spectral flux and texture jump) with independently
sampled clips joined by the same crossfade. The same seed gives the same audio. An existing
output file is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from autoencoder import ModelFolderError, refuse_overwrite, save_audio, write_json  # noqa: E402
from autoencoder.plots import save_mels  # noqa: E402
from diffusion import load_pipeline  # noqa: E402
from diffusion.song import sample_song, seam_flux, seam_positions  # noqa: E402


def sample_clips(pipe, args, out: Path) -> list[Path]:
    paths = [out / f"{args.genre}_{i}.wav" for i in range(args.num)]
    refuse_overwrite(paths + [out / "mels.png"], args.force)
    gen = torch.Generator().manual_seed(args.seed)
    z = pipe.sample_latents([args.genre] * args.num, args.steps, args.guidance, gen, args.sampler)
    mels = pipe.codec.decode_mel(z)
    for path, wave in zip(paths, pipe.codec.mel_to_wave(mels)):
        save_audio(path, wave, pipe.codec.sample_rate)
    save_mels(out / "mels.png", [(f"{args.genre} {i}", m) for i, m in enumerate(mels)],
              f"{args.genre}, guidance {args.guidance}, {args.steps} {args.sampler} steps, seed {args.seed}")
    return paths


def sample_songs(pipe, args, out: Path) -> list[Path]:
    paths = [out / f"{args.genre}_song_{i}.wav" for i in range(args.num)]
    refuse_overwrite(paths + [out / "mels.png", out / "seams.json"], args.force)
    codec = pipe.codec
    seams, mels = [], []
    for i, path in enumerate(paths):
        kwargs = dict(overlap_frames=args.overlap_frames, num_inference_steps=args.steps,
                      guidance_scale=args.guidance, sampler=args.sampler)
        wave, traj = sample_song(pipe, args.genre, args.seconds, generator=torch.Generator().manual_seed(args.seed + i), **kwargs)
        save_audio(path, wave, codec.sample_rate)
        mels.append((f"song {i}", codec.frontend(wave.reshape(1, -1))[0]))
        # The baseline: the same number of clips sampled independently, joined by the same crossfade.
        loose, _ = sample_song(pipe, args.genre, args.seconds, generator=torch.Generator().manual_seed(args.seed + i),
                               chained=False, **kwargs)
        where = seam_positions(traj, codec.clip_samples)
        seams.append({"song": path.name, "chained": seam_flux(wave, where, codec.frontend),
                      "independent_crossfaded": seam_flux(loose, where, codec.frontend)})
    save_mels(out / "mels.png", mels, f"{args.genre}, {args.seconds:g} s, seed {args.seed}")
    summary = {f"{how}/{m}": float(sum(s[how][m]["ratio"] for s in seams) / len(seams))
               for how in ("chained", "independent_crossfaded") for m in ("flux", "jump")}
    write_json(out / "seams.json", {"method": "latent inpainting of the overlap",
                                    "overlap_frames": args.overlap_frames or max(1, pipe.denoiser.config.frames // 4),
                                    "mean_seam_over_inside": summary, "songs": seams})
    print("seam / inside-clip ratios (1.0 = a seam is like any other moment): "
          + ", ".join(f"{k} {v:.2f}" for k, v in summary.items()))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="diffusion pipeline folder (scripts/train_diffusion.py)")
    parser.add_argument("--genre", required=True)
    parser.add_argument("--num", type=int, default=4)
    parser.add_argument("--guidance", type=float, help="classifier-free guidance scale (1 = none); default: the "
                        "scale chosen on valid by evaluate_generation.py --record, else 3")
    parser.add_argument("--steps", type=int, default=50, help="sampler steps")
    parser.add_argument("--sampler", default="ddim", choices=["ddim", "dpm", "ddpm"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, help="make songs of this length instead of single clips")
    parser.add_argument("--overlap-frames", type=int,
                        help="latent frames shared by consecutive clips (default: a quarter of them)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    args = parser.parse_args(argv)
    try:
        if args.num < 1:
            raise ValueError(f"--num must be >= 1, got {args.num}")
        pipe = load_pipeline(args.model)
        pipe.denoiser.genre_index([args.genre])  # unknown genre: fail before any work
        if args.guidance is None:
            args.guidance = float(pipe.record.get("sampling", {}).get("guidance", 3.0))
        out = Path(args.out)
        song = args.seconds is not None and args.seconds * pipe.codec.sample_rate > pipe.codec.clip_samples
        paths = sample_songs(pipe, args, out) if song else sample_clips(pipe, args, out)
    except (ValueError, FileNotFoundError, FileExistsError, ModelFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps([str(p) for p in paths]))
    print(f"wrote {len(paths)} file(s) and mels.png to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
