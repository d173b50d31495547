"""Latent manipulation with the stage-one encoder alone, judged by the genre classifier.

    python scripts/manipulate.py interpolate A.wav B.wav --steps 8 --out out/interp
    python scripts/manipulate.py shift A.wav --to metal [--from jazz] --strength 0.5 --latents latents/vae-512.npz --out out/shift
    python scripts/manipulate.py prior --num 4 --out out/prior

Common options: --model (a VAE folder, default models/vae-512), --judge (default models/judge),
--offset (seconds into a file where its clip starts; default its middle), --seed.
Each writes WAVs, ``mels.png`` and ``verdicts.json`` (the judge's genre and probability for every
output). ``shift`` moves along the difference of the genre centroids of the latents file (its
training split); without --from, the judge's prediction for the input is the source genre; it
writes strengths 0, strength/2 and strength (and 2 x strength to hear the overshoot).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

import autoencoder  # noqa: E402
from analysis.latents import LatentsFileError, load_latents  # noqa: E402
from autoencoder import ModelFolderError, content_hash, refuse_overwrite, save_audio, write_json  # noqa: E402
from autoencoder.plots import save_mels  # noqa: E402
from diffusion import manipulate as M  # noqa: E402


def verdicts(judge, waves: torch.Tensor, names: list[str]) -> list[dict]:
    probs = judge.probabilities(waves)
    return [{"file": n, "genre": judge.genres[int(p.argmax())], "probability": float(p.max()),
             "probabilities": {g: round(float(v), 4) for g, v in zip(judge.genres, p)}} for n, p in zip(names, probs)]


def write_outputs(codec, judge, z: torch.Tensor, names: list[str], out: Path, title: str, force: bool,
                  extra: dict | None = None) -> list[dict]:
    paths = [out / f"{n}.wav" for n in names]
    refuse_overwrite(paths + [out / "verdicts.json"], force)
    mels = codec.decode_mel(z)
    waves = codec.mel_to_wave(mels)
    for path, wave in zip(paths, waves):
        save_audio(path, wave, codec.sample_rate)
    result = verdicts(judge, waves, names)
    save_mels(out / "mels.png", [(f"{n}\n{v['genre']} {v['probability']:.2f}", m) for n, v, m in zip(names, result, mels)], title)
    write_json(out / "verdicts.json", {"title": title, **(extra or {}), "outputs": result})
    for v in result:
        print(f"{v['file']:>24}  judge: {v['genre']:<10} {v['probability']:.2f}")
    return result


def run(args) -> None:
    codec = autoencoder.load(args.model)
    judge = autoencoder.load_judge(args.judge)
    out = Path(args.out)
    if args.command == "interpolate":
        za, zb = (codec.encode(M.middle_clip(p, codec, args.offset))[0] for p in (args.a, args.b))
        z = M.interpolate(za, zb, args.steps)
        names = [f"step{i:02d}" for i in range(args.steps)]
        write_outputs(codec, judge, z, names, out, f"{Path(args.a).name} -> {Path(args.b).name}", args.force,
                      {"a": args.a, "b": args.b})
    elif args.command == "shift":
        latents = load_latents(args.latents)
        if latents.manifest["model_hash"] != content_hash(args.model):
            raise LatentsFileError(f"{args.latents} was made by {latents.manifest['model_id']}, not by {args.model}")
        wave = M.middle_clip(args.a, codec, args.offset)
        source = args.source or judge.genres[int(judge.predict(wave[None])[0])]
        strengths = [0.0, args.strength / 2, args.strength, 2 * args.strength]
        z = M.shift(codec.encode(wave)[0], M.genre_direction(latents, source, args.to), strengths)
        names = [f"strength{s:.2f}" for s in strengths]
        write_outputs(codec, judge, z, names, out, f"{Path(args.a).name}: {source} -> {args.to}", args.force,
                      {"input": args.a, "from": source, "to": args.to, "strengths": strengths,
                       "from_given": args.source is not None})
    else:
        z = M.prior_samples(codec.latent_size, args.num, torch.Generator().manual_seed(args.seed))
        write_outputs(codec, judge, z, [f"prior{i}" for i in range(args.num)], out,
                      f"samples of the prior N(0, I), D = {codec.latent_size}", args.force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", default="models/vae-512", help="stage-one VAE folder")
    common.add_argument("--judge", default="models/judge")
    common.add_argument("--offset", type=float, help="seconds into each file where its clip starts (default: middle)")
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--out", required=True)
    common.add_argument("--force", action="store_true", help="overwrite existing outputs")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("interpolate", parents=[common], help="a straight line between two clips")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--steps", type=int, default=8)
    p = sub.add_parser("shift", parents=[common], help="move a clip along a genre direction")
    p.add_argument("a")
    p.add_argument("--to", required=True)
    p.add_argument("--from", dest="source", help="source genre (default: the judge's prediction)")
    p.add_argument("--strength", type=float, default=0.5)
    p.add_argument("--latents", required=True, help="latents file of the same VAE (for the genre centroids)")
    p = sub.add_parser("prior", parents=[common], help="decode samples of the VAE prior")
    p.add_argument("--num", type=int, default=4)
    args = parser.parse_args(argv)
    try:
        run(args)
    except (ValueError, FileNotFoundError, FileExistsError, ModelFolderError, autoencoder.AudioLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
