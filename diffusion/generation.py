"""Evaluate genre-conditioned generation with the judge, beside real clips, reconstructions and the prior.

1. Guidance sweep on valid: for each scale, clips in valid's genre mix; judge accuracy and the
   Fréchet distance (judge embedding) to the real valid clips. The scale with the lowest
   distance is chosen here, once, and used for every headline number.
2. On test, with equal numbers of clips in test's genre mix: the judge's accuracy on generated
   clips, on the real test clips, and its verdicts on samples of the VAE prior; Fréchet distance
   of generated clips to real test clips, and as the reference, of reconstructed training clips
   (stage one, same genre mix) to real test clips (bootstrap intervals); diversity (mean pairwise
   distance, judge embedding and normalised latents); memorisation (share of generated clips
   nearer a training latent than the 5th percentile of test clips are; about 5 % means no copying).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import autoencoder
from analysis.latents import check_made_by, load_latents
from autoencoder import refuse_overwrite, save_audio, write_json, write_text
from autoencoder.stats import mean_pairwise_distance, nearest_distances

from .evaluation import accuracy_by_genre, bootstrap_frechet, memorisation
from .pipeline import load as load_pipeline
from .pipeline import write_metrics
from .report import summary_markdown, write_figures


@dataclass
class GenerationEvalOptions:
    guidance_grid: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 8.0)
    steps: int = 25  # DDIM steps
    max_clips: int | None = None  # cap on real clips per split (None: all)
    n_boot: int = 200  # Fréchet resamples (each one a matrix square root)
    audio_per_genre: int = 2
    seed: int = 0


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
    return names[judge.predict(waves).cpu().numpy()], judge.embed(waves).cpu().numpy()


def guidance_sweep(pipe, judge, data, grid: list[float], opts: GenerationEvalOptions) -> list[dict]:
    waves, genres = real_clips(data, "valid", opts.max_clips, opts.seed)
    _, real_embed = judged(judge, waves)
    rows = []
    for g in grid:
        _, fake = generate(pipe, list(genres), g, opts.steps, opts.seed)
        pred, embed = judged(judge, fake)
        rows.append({"guidance": g, "accuracy": accuracy_by_genre(pred, genres, pipe.genres),
                     "frechet": bootstrap_frechet(embed, real_embed, opts.n_boot, opts.seed)})
        print(f"valid  guidance {g:>4}: judge accuracy {rows[-1]['accuracy']['accuracy']:.3f}  "
              f"Fréchet {rows[-1]['frechet']['value']:.3f}")
    return rows


def _evaluate(model: Path, judge_dir: Path, latents_path: Path, data_dir: Path | None, out: Path,
              opts: GenerationEvalOptions, device: str) -> dict:
    pipe = load_pipeline(model, device=device)
    judge = autoencoder.load_judge(judge_dir, device=pipe.codec.device)
    latents = load_latents(latents_path)
    check_made_by(latents, model, str(latents_path), model_hash=pipe.stage_one_hash)
    data = autoencoder.PreparedDataset(data_dir or latents.manifest["data"]["path"])
    sweep = guidance_sweep(pipe, judge, data, list(opts.guidance_grid), opts)
    best = min(sweep, key=lambda r: r["frechet"]["value"])["guidance"]
    print(f"guidance chosen on valid (lowest Fréchet distance): {best}")

    test_waves, test_genres = real_clips(data, "test", opts.max_clips, opts.seed)
    test_pred, test_embed = judged(judge, test_waves)
    z_gen, gen_waves = generate(pipe, list(test_genres), best, opts.steps, opts.seed + 1)
    gen_pred, gen_embed = judged(judge, gen_waves)
    # Reference: stage-one reconstructions of training clips in the test split's genre mix.
    train_rows = data.indices("train")
    rng = np.random.default_rng(opts.seed)
    ref_rows = np.concatenate([rng.choice(train_rows[data.genres[train_rows] == g], int((test_genres == g).sum()),
                                          replace=int((test_genres == g).sum()) > int((data.genres[train_rows] == g).sum()))
                               for g in np.unique(test_genres)])
    recon = torch.cat([pipe.codec.decode(pipe.codec.encode(data.waves(ref_rows[i:i + 64]))) for i in range(0, len(ref_rows), 64)])
    recon_pred, recon_embed = judged(judge, recon)
    prior = pipe.codec.decode(torch.randn((len(test_genres), pipe.codec.latent_size),
                                         generator=torch.Generator().manual_seed(opts.seed)))
    prior_pred, prior_embed = judged(judge, prior)

    train_z = latents.normalized()[latents.rows("train")]
    test_z = latents.normalized()[latents.rows("test")]
    gen_z = latents.normalize(z_gen.cpu().numpy())
    result = {
        "model": str(model), "judge": str(judge_dir), "latents": str(latents_path), "steps": opts.steps,
        "seed": opts.seed, "guidance": best, "guidance_sweep_valid": sweep, "num_clips": len(test_genres),
        "judge_real_test_scores": judge.metrics,
        "accuracy": {"generated": accuracy_by_genre(gen_pred, test_genres, pipe.genres),
                     "real_test": accuracy_by_genre(test_pred, test_genres, pipe.genres),
                     "reconstructed_train": accuracy_by_genre(recon_pred, data.genres[ref_rows], pipe.genres)},
        "prior_verdicts": {g: int((prior_pred == g).sum()) for g in judge.genres},
        "frechet": {"generated_vs_test": bootstrap_frechet(gen_embed, test_embed, opts.n_boot, opts.seed),
                    "reconstructed_train_vs_test": bootstrap_frechet(recon_embed, test_embed, opts.n_boot, opts.seed),
                    "prior_vs_test": bootstrap_frechet(prior_embed, test_embed, opts.n_boot, opts.seed)},
        "diversity": {"generated_embed": mean_pairwise_distance(gen_embed), "test_embed": mean_pairwise_distance(test_embed),
                      "generated_latent": mean_pairwise_distance(gen_z), "test_latent": mean_pairwise_distance(test_z)},
        "memorisation": memorisation(nearest_distances(train_z, gen_z), nearest_distances(train_z, test_z)),
    }
    result["per_genre_diversity"] = {g: {"generated": mean_pairwise_distance(gen_embed[test_genres == g]),
                                         "test": mean_pairwise_distance(test_embed[test_genres == g])}
                                     for g in np.unique(test_genres)}
    for g in np.unique(test_genres):
        for i in np.flatnonzero(test_genres == g)[: opts.audio_per_genre]:
            save_audio(out / "audio" / f"{g}_{i}.wav", gen_waves[i], pipe.codec.sample_rate)
    return result


def evaluate_generation(model: str | Path, judge: str | Path, latents: str | Path, out: str | Path,
                        opts: GenerationEvalOptions | None = None, *, data: str | Path | None = None,
                        force: bool = False, record: bool = False, device: str = "auto") -> dict:
    """Run the evaluation of the pipeline at ``model``; writes ``out/generation.json``, ``summary.md``,
    figures and audio. With ``record`` the chosen guidance becomes the pipeline's sampling default."""
    opts = opts or GenerationEvalOptions()
    out = Path(out)
    refuse_overwrite([out / "generation.json"], force)
    result = _evaluate(Path(model), Path(judge), Path(latents), Path(data) if data else None, out, opts, device)
    write_json(out / "generation.json", result)
    write_figures(result, out)
    write_text(out / "summary.md", summary_markdown(result))
    if record:
        write_metrics(model, {"test_judge_accuracy_generated": result["accuracy"]["generated"]["accuracy"],
                              "test_frechet_generated": result["frechet"]["generated_vs_test"]["value"],
                              "test_memorisation": result["memorisation"]["fraction"]},
                      {"guidance": result["guidance"], "steps": opts.steps, "sampler": "ddim",
                       "chosen_on": "valid split, lowest Fréchet distance in the judge embedding"})
    return result
