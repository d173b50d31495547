"""Evaluate genre-conditioned generation with the judge, beside real clips, reconstructions and the prior.

    python scripts/evaluate_generation.py --model models/diffusion --judge models/judge \
        --latents latents/vae-512.npz --out results/generation [--data data/gtzan] [--guidance-grid 1,2,3,5,8]

1. Guidance sweep on valid: for each scale, clips in valid's genre mix; judge accuracy and the
   Fréchet distance (judge embedding, 32-d) to the real valid clips. The scale with the lowest
   distance is chosen here, once, and used for every headline number.
2. On test, with equal numbers of clips in test's genre mix: the judge's accuracy on generated
   clips, on the real test clips, and its verdicts on samples of the VAE prior; Fréchet distance
   of generated clips to real test clips, and as the reference, of reconstructed training clips
   (stage one, same genre mix) to real test clips (bootstrap intervals); diversity (mean pairwise
   distance, judge embedding and normalised latents); memorisation (share of generated clips
   nearer a training latent than the 5th percentile of test clips are; about 5 % means no copying).
Writes generation.json, table.md, summary.md, guidance_sweep.png, per_genre.png and a few clips
per genre under audio/ (listen, do not commit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autoencoder  # noqa: E402
from analysis.clustering import nearest_distances  # noqa: E402
from analysis.latents import LatentsFileError, load_latents  # noqa: E402
from autoencoder import ModelFolderError, content_hash, save_audio, write_json  # noqa: E402
from diffusion import load_pipeline  # noqa: E402
from diffusion.pipeline import write_metrics  # noqa: E402
from diffusion import evaluation as E  # noqa: E402
from diffusion.report import summary_markdown, write_figures  # noqa: E402


def generate(pipe, genres: list[str], guidance: float, steps: int, seed: int, batch: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Latents ``(N, D)`` and waves ``(N, clip_samples)`` for a list of genre names."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.cat([pipe.sample_latents(genres[i:i + batch], steps, guidance, gen) for i in range(0, len(genres), batch)])
    waves = torch.cat([pipe.codec.decode(z[i:i + batch]) for i in range(0, len(z), batch)])
    return z, waves


def real_clips(data, split: str, limit: int | None, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    rows = data.indices(split)
    if limit is not None and len(rows) > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    return data.waves(rows), data.genres[rows]


def judged(judge, waves: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    names = np.array(judge.genres)
    return names[judge.predict(waves).numpy()], judge.embed(waves).numpy()


def guidance_sweep(pipe, judge, data, grid: list[float], args) -> list[dict]:
    waves, genres = real_clips(data, "valid", args.max_clips, args.seed)
    _, real_embed = judged(judge, waves)
    rows = []
    for g in grid:
        _, fake = generate(pipe, list(genres), g, args.steps, args.seed)
        pred, embed = judged(judge, fake)
        rows.append({"guidance": g, "accuracy": E.accuracy_by_genre(pred, genres, pipe.genres),
                     "frechet": E.bootstrap_frechet(embed, real_embed, args.n_boot, args.seed)})
        print(f"valid  guidance {g:>4}: judge accuracy {rows[-1]['accuracy']['accuracy']:.3f}  "
              f"Fréchet {rows[-1]['frechet']['value']:.3f}")
    return rows


def evaluate(args) -> dict:
    pipe = load_pipeline(args.model)
    judge = autoencoder.load_judge(args.judge)
    latents = load_latents(args.latents)
    if latents.manifest["model_hash"] != content_hash(pipe.codec.folder):
        raise LatentsFileError(f"{args.latents} was not made by the stage-one model of {args.model}")
    data = autoencoder.PreparedDataset(args.data or latents.manifest["data"]["path"])
    grid = [float(g) for g in args.guidance_grid.split(",")]
    sweep = guidance_sweep(pipe, judge, data, grid, args)
    best = min(sweep, key=lambda r: r["frechet"]["value"])["guidance"]
    print(f"guidance chosen on valid (lowest Fréchet distance): {best}")

    test_waves, test_genres = real_clips(data, "test", args.max_clips, args.seed)
    test_pred, test_embed = judged(judge, test_waves)
    z_gen, gen_waves = generate(pipe, list(test_genres), best, args.steps, args.seed + 1)
    gen_pred, gen_embed = judged(judge, gen_waves)
    # Reference: stage-one reconstructions of training clips in the test split's genre mix.
    train_rows = data.indices("train")
    rng = np.random.default_rng(args.seed)
    ref_rows = np.concatenate([rng.choice(train_rows[data.genres[train_rows] == g], int((test_genres == g).sum()),
                                          replace=int((test_genres == g).sum()) > int((data.genres[train_rows] == g).sum()))
                               for g in np.unique(test_genres)])
    recon = torch.cat([pipe.codec.decode(pipe.codec.encode(data.waves(ref_rows[i:i + 64]))) for i in range(0, len(ref_rows), 64)])
    recon_pred, recon_embed = judged(judge, recon)
    prior = pipe.codec.decode(torch.randn((len(test_genres), pipe.codec.latent_size), generator=torch.Generator().manual_seed(args.seed)))
    prior_pred, prior_embed = judged(judge, prior)

    train_z = latents.normalized()[latents.rows("train")]
    test_z = latents.normalized()[latents.rows("test")]
    gen_z = latents.normalize(z_gen.numpy())
    result = {
        "model": str(args.model), "judge": str(args.judge), "latents": str(args.latents), "steps": args.steps,
        "seed": args.seed, "guidance": best, "guidance_sweep_valid": sweep, "num_clips": len(test_genres),
        "judge_real_test_scores": judge.metrics,
        "accuracy": {"generated": E.accuracy_by_genre(gen_pred, test_genres, pipe.genres),
                     "real_test": E.accuracy_by_genre(test_pred, test_genres, pipe.genres),
                     "reconstructed_train": E.accuracy_by_genre(recon_pred, data.genres[ref_rows], pipe.genres)},
        "prior_verdicts": {g: int((prior_pred == g).sum()) for g in judge.genres},
        "frechet": {"generated_vs_test": E.bootstrap_frechet(gen_embed, test_embed, args.n_boot, args.seed),
                    "reconstructed_train_vs_test": E.bootstrap_frechet(recon_embed, test_embed, args.n_boot, args.seed),
                    "prior_vs_test": E.bootstrap_frechet(prior_embed, test_embed, args.n_boot, args.seed)},
        "diversity": {"generated_embed": E.mean_pairwise_distance(gen_embed), "test_embed": E.mean_pairwise_distance(test_embed),
                      "generated_latent": E.mean_pairwise_distance(gen_z), "test_latent": E.mean_pairwise_distance(test_z)},
        "memorisation": E.memorisation(nearest_distances(train_z, gen_z), nearest_distances(train_z, test_z)),
    }
    result["per_genre_diversity"] = {g: {"generated": E.mean_pairwise_distance(gen_embed[test_genres == g]),
                                         "test": E.mean_pairwise_distance(test_embed[test_genres == g])}
                                     for g in np.unique(test_genres)}
    out = Path(args.out)
    for g in np.unique(test_genres):
        for i in np.flatnonzero(test_genres == g)[: args.audio_per_genre]:
            save_audio(out / "audio" / f"{g}_{i}.wav", gen_waves[i], pipe.codec.sample_rate)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="diffusion pipeline folder")
    parser.add_argument("--judge", required=True)
    parser.add_argument("--latents", required=True, help="latents file of the pipeline's stage-one model")
    parser.add_argument("--data", help="prepared dataset (default: the one named in the latents file)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--guidance-grid", default="1,2,3,5,8")
    parser.add_argument("--steps", type=int, default=25, help="DDIM steps")
    parser.add_argument("--max-clips", type=int, help="cap on real clips per split (default: all)")
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--audio-per-genre", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="replace an existing evaluation in --out")
    parser.add_argument("--record", action="store_true", help="store the chosen guidance (the default of "
                        "scripts/sample.py) and the headline test numbers in the pipeline's record")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        if (out / "generation.json").exists() and not args.force:
            raise FileExistsError(f"{out / 'generation.json'} exists; pass --force or choose another --out")
        result = evaluate(args)
        write_json(out / "generation.json", result)
        write_figures(result, out)
        (out / "summary.md").write_text(summary_markdown(result))
        if args.record:
            write_metrics(args.model, {"test_judge_accuracy_generated": result["accuracy"]["generated"]["accuracy"],
                                       "test_frechet_generated": result["frechet"]["generated_vs_test"]["value"],
                                       "test_memorisation": result["memorisation"]["fraction"]},
                          {"guidance": result["guidance"], "steps": args.steps, "sampler": "ddim",
                           "chosen_on": "valid split, lowest Fréchet distance in the judge embedding"})
    except (ValueError, FileNotFoundError, FileExistsError, ModelFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print((out / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
