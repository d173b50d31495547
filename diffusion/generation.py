"""Evaluate genre-conditioned generation with the independent judge and embedding, beside real clips.

1. Sampling (unless given): every setting of the grid (sampler x steps x guidance scale x remedy for
   guidance collapse, :mod:`diffusion.settings_sweep`) generates ``per_genre`` clips of every genre
   (or, without ``per_genre``, clips in valid's genre mix); the Fréchet audio distance (musicnn
   embedding) from real train clips in the same genre mix and the independent judge's recognition,
   per genre. The rule: the best worst-genre recognition among settings whose FAD is within
   ``fad_margin`` of the lowest.
2. On test: ``per_genre`` generated clips of every genre (recognition by the independent judge, per
   genre, from all of them) and, for the set measures, as many of them as the test split has of each
   genre. Every set in the test split's genre mix and size: generated clips, the real test clips
   (the floor), their stage-one reconstructions (what stage two can at best reach) and samples of
   the VAE prior. Against the real train clips (subsampled to the same mix): FAD with paired ratios to
   the floor; density/coverage and precision/recall; per genre: the judge's recognition, within-genre
   diversity and coverage. Second floor: real valid vs real train on their shared genres.
   From the real test clips (:func:`against_test`): FAD of the generated clips beside train clips
   through stage one (same mix and size: the part of the gap that is stage one's) and beside real
   valid clips (the real-vs-real floor, on the genres valid has).
   Memorisation: share of generated clips nearer a training clip than 5 % of test clips are, in the
   embedding, the latent space and mel space. The in-house judge, when given, adds its accuracy as a second opinion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import autoencoder
from autoencoder.latents import check_made_by, load_latents
from genre_base import Interval, UserError, refuse_overwrite, save_audio, write_json, write_text
from genre_base.artifacts import command_line
from genre_base.independent import (
    FAD_LAYER,
    classification,
    density_coverage,
    fad,
    fad_against,
    load_independent_judge,
    matched,
    precision_recall,
)
from genre_base.independent.cache import split_embeddings
from genre_base.stats import mean_pairwise_distance, nearest_distances, wilson_interval

from .evaluation import accuracy_by_genre, memorisation
from .guidance import Guidance
from .pipeline import load as load_pipeline
from .pipeline import write_metrics
from .report import summary_markdown, write_figures
from .settings_sweep import (
    SEARCHES,
    SamplingSetting,
    choose_setting,
    genre_list,
    second_pass,
    settings_grid,
    worst_genre,
)

log = logging.getLogger(__name__)


@dataclass
class GenerationEvalOptions:
    guidance_grid: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 8.0)
    guidance: float | Guidance | None = None  # fixed guidance: no sweep (e.g. the pipeline's recorded one)
    steps: int = 25  # sampler steps of the test set (and of the grid unless steps_grid is given)
    max_clips: int | None = None  # cap on real clips per split (None: all)
    n_boot: int = 1000
    audio_per_genre: int = 2
    seed: int = 0
    remedies: tuple[str, ...] = ("plain",)  # plain, rescale=PHI, interval=LO:HI (diffusion.settings_sweep)
    samplers: tuple[str, ...] = ("ddim",)
    steps_grid: tuple[int, ...] | None = None
    per_genre: int | None = None  # generated clips per genre on valid and test (None: each split's genre mix)
    fad_margin: float = 0.1  # relative FAD margin of the rule
    sampler: str = "ddim"  # of the test set when guidance is given
    # grid: the full product of samplers, steps, scales and remedies; staged: scales x remedies at the first
    # sampler and step count, then every sampler x step count at the chosen guidance (settings_sweep.second_pass)
    search: str = "grid"

    def __post_init__(self) -> None:
        if self.search not in SEARCHES:
            raise UserError(f"search must be one of {SEARCHES}, got {self.search!r}")


def generate(
    pipe, genres: list[str], guidance: float | Guidance, steps: int, seed: int, batch: int = 64, sampler: str = "ddim"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Latents ``(N, D)`` and waves ``(N, clip_samples)`` for a list of genre names."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.cat(
        [
            pipe.sample_latents(genres[i : i + batch], steps, guidance, gen, sampler)
            for i in range(0, len(genres), batch)
        ]
    )
    waves = torch.cat([pipe.codec.decode(z[i : i + batch]) for i in range(0, len(z), batch)])
    return z, waves


class Real:
    """The real clips of one split: rows, genres, tracks and their (cached) embeddings."""

    def __init__(self, data, judge, split: str, limit: int | None, seed: int, progress: bool = False) -> None:
        rows = data.indices(split)
        feats = split_embeddings(data, judge.embedding, split, progress=progress)
        keep = np.arange(len(rows))
        if limit is not None and len(rows) > limit:
            keep = np.sort(np.random.default_rng(seed).choice(len(rows), limit, replace=False))
        self.rows, self.genres, self.tracks = rows[keep], data.genres[rows[keep]], data.track_ids[rows[keep]]
        self.features = {k: v[keep] for k, v in feats.items()}


def estimate(interval: dict) -> float:
    """The point estimate of an interval's JSON (what a model record keeps of it)."""
    return Interval.from_json(interval).value


def recognition(judge, feats: dict[str, np.ndarray], genres: np.ndarray, groups=None) -> dict:
    """The judge's verdicts on clips asked (or known) to be ``genres``: overall and per genre; intervals
    over ``groups`` (tracks of real clips) or Wilson intervals for independent (generated) clips."""
    predicted = judge.predict_features(feats)
    if groups is not None:
        return classification(genres, predicted, groups, labels=sorted(set(genres.tolist())))
    out = classification(genres, predicted, np.arange(len(genres)), labels=sorted(set(genres.tolist())))
    for g, v in out["per_genre"].items():  # independent clips: the exact binomial interval
        recall = Interval.from_json(v)
        hits = int(round(recall.value * recall.n))
        out["per_genre"][g] = Interval(recall.value, *wilson_interval(hits, recall.n), n=recall.n).to_json()
    return out


def settings_sweep(
    pipe, judge, valid: Real, train: Real, settings: list[SamplingSetting], opts: GenerationEvalOptions
) -> list[dict]:
    """FAD from train clips (same genre mix) and per-genre recognition of each setting's clips on valid."""
    genres = np.array(genre_list(pipe.genres, opts.per_genre) if opts.per_genre else list(valid.genres))
    rows_g, rows_t, kept = matched(genres, train.genres, opts.seed)
    rows_v, rows_tv, _ = matched(valid.genres, train.genres, opts.seed)
    floor = fad(
        valid.features[FAD_LAYER][rows_v],
        valid.tracks[rows_v],
        train.features[FAD_LAYER][rows_tv],
        train.tracks[rows_tv],
        n_boot=opts.n_boot,
        seed=opts.seed,
    )
    rows = []
    for setting in settings:
        _, fake = generate(pipe, list(genres), setting.guidance, setting.steps, opts.seed, sampler=setting.sampler)
        feats = judge.embedding.embed(fake, pipe.codec.sample_rate)
        distance = fad(
            feats[FAD_LAYER][rows_g],
            np.arange(len(rows_g)),
            train.features[FAD_LAYER][rows_t],
            train.tracks[rows_t],
            n_boot=opts.n_boot,
            seed=opts.seed,
        )
        rec = recognition(judge, feats, genres)
        rows.append(
            {
                "setting": setting.label,
                "sampler": setting.sampler,
                "steps": setting.steps,
                "guidance": setting.guidance.scale,
                "guidance_settings": setting.guidance.to_dict(),
                "fad": distance,
                "floor": floor,
                "recognition": rec,
                "worst_genre": worst_genre(rec),
                "num_generated": len(genres),
                "genres": kept,
            }
        )
        worst = rows[-1]["worst_genre"]
        log.info(
            f"valid  {setting.label:<40}: FAD {Interval.from_json(distance).value:.1f} (real valid "
            f"{Interval.from_json(floor).value:.1f}), recognised {Interval.from_json(rec['balanced_accuracy']).value:.3f}, "
            f"worst {worst['genre']} {Interval.from_json(worst['recall']).value:.2f}"
        )
    return rows


def _sweep(pipe, judge, valid: Real, train: Real, opts: GenerationEvalOptions) -> list[dict]:
    steps = opts.steps_grid or (opts.steps,)
    grid = settings_grid(opts.samplers, steps, opts.guidance_grid, opts.remedies)  # checks every name first
    if opts.search == "grid":
        return settings_sweep(pipe, judge, valid, train, grid, opts)
    first = [s for s in grid if s.sampler == opts.samplers[0] and s.steps == steps[0]]
    rows = settings_sweep(pipe, judge, valid, train, first, opts)
    chosen, _ = choose_setting(rows, opts.fad_margin)
    more = second_pass(Guidance.of(chosen["guidance_settings"]), opts.samplers, steps, first)
    return rows + settings_sweep(pipe, judge, valid, train, more, opts)


def _setting(opts: GenerationEvalOptions, sweep: list[dict]) -> tuple[SamplingSetting, str]:
    if opts.guidance is not None:
        return SamplingSetting(opts.sampler, opts.steps, Guidance.of(opts.guidance)), "given"
    chosen, why = choose_setting(sweep, opts.fad_margin)
    return SamplingSetting(chosen["sampler"], chosen["steps"], Guidance.of(chosen["guidance_settings"])), why


def _fidelity(real: np.ndarray, fake: np.ndarray) -> dict:
    return {**density_coverage(real, fake), **precision_recall(real, fake)}


def _per_genre(sets: dict[str, np.ndarray], genres: np.ndarray, train: np.ndarray, train_genres: np.ndarray) -> dict:
    """Within-genre diversity of every set and its density/coverage against that genre's training clips."""
    out = {}
    for g in sorted(set(genres.tolist())):
        rows, ref = genres == g, train[train_genres == g]
        out[g] = {
            name: {"diversity": mean_pairwise_distance(x[rows]), **_fidelity(ref, x[rows])} for name, x in sets.items()
        }
    return out


def aligned_to(generated_genres: np.ndarray, genres: np.ndarray) -> np.ndarray:
    """For each clip of ``genres`` a distinct generated clip of the same genre: indices into the generated set."""
    out = np.empty(len(genres), dtype=int)
    for g in np.unique(genres):
        have, need = np.flatnonzero(generated_genres == g), np.flatnonzero(genres == g)
        if len(have) < len(need):
            raise UserError(
                f"{len(have)} generated clips of {g!r} cannot stand beside the {len(need)} real ones; "
                f"raise --per-genre to at least {len(need)}"
            )
        out[need] = have[: len(need)]
    return out


def _test_sets(pipe, judge, data, test: Real, setting: SamplingSetting, opts: GenerationEvalOptions):
    """Generated clips (``per_genre`` of every genre, or the test mix), reconstructed test clips and prior samples."""
    sr = pipe.codec.sample_rate
    gen_genres = np.array(genre_list(pipe.genres, opts.per_genre) if opts.per_genre else list(test.genres))
    z_gen, gen_waves = generate(
        pipe, list(gen_genres), setting.guidance, setting.steps, opts.seed + 1, sampler=setting.sampler
    )
    recon = _reconstruct(pipe.codec, data, test.rows)
    prior = pipe.codec.decode(
        torch.randn((len(test.rows), pipe.codec.latent_size), generator=torch.Generator().manual_seed(opts.seed))
    )
    feats = {
        "real_test": test.features,
        "generated": judge.embedding.embed(gen_waves, sr),
        "reconstructed_test": judge.embedding.embed(recon, sr),
        "prior": judge.embedding.embed(prior, sr),
    }
    return z_gen, gen_waves, gen_genres, feats


def _reconstruct(codec, data, rows: np.ndarray) -> torch.Tensor:
    return torch.cat([codec.decode(codec.encode(data.waves(rows[i : i + 64]))) for i in range(0, len(rows), 64)])


def against_test(
    pipe, judge, data, generated: np.ndarray, test: Real, train: Real, valid: Real, opts: GenerationEvalOptions
) -> dict:
    """FAD from the real test clips of: the generated clips (aligned to the test mix), train clips through
    stage one (matched to the test mix: how far stage one alone stands), and real valid clips (the floor,
    on the genres valid shares with test, beside the generated clips on the same genres)."""
    test_emb = test.features[FAD_LAYER]
    rows_test, rows_train, _ = matched(test.genres, train.genres, opts.seed)
    recon = judge.embedding.embed(_reconstruct(pipe.codec, data, train.rows[rows_train]), pipe.codec.sample_rate)
    rows_v, rows_tv, kept = matched(valid.genres, test.genres, opts.seed)
    kw = dict(n_boot=opts.n_boot, seed=opts.seed)
    out = {
        "generated": fad(generated, np.arange(len(generated)), test_emb, test.tracks, **kw),
        "reconstructed_train": fad(
            recon[FAD_LAYER], train.tracks[rows_train], test_emb[rows_test], test.tracks[rows_test], **kw
        ),
        "floor_valid": {
            "fad": fad(
                valid.features[FAD_LAYER][rows_v], valid.tracks[rows_v], test_emb[rows_tv], test.tracks[rows_tv], **kw
            ),
            "genres": kept,
        },
        "generated_on_floor_genres": fad(
            generated[rows_tv], np.arange(len(rows_tv)), test_emb[rows_tv], test.tracks[rows_tv], **kw
        ),
    }
    value = {k: Interval.from_json(v).value for k, v in out.items() if k != "floor_valid"}
    floor = Interval.from_json(out["floor_valid"]["fad"]).value
    out["ratios"] = {
        "generated_over_reconstructed_train": value["generated"] / max(value["reconstructed_train"], 1e-12),
        "generated_over_floor": value["generated_on_floor_genres"] / max(floor, 1e-12),
    }
    return out


def mel_memorisation(codec, data, z_gen: torch.Tensor, test: Real, pool: int = 4) -> dict:
    """:func:`memorisation` in mel space: generated decoded mels against the train clips' mels, the
    threshold from test clips through stage one (decoded mels too, so both sides are equally smooth).
    Mels are averaged over ``pool`` frames first (distances between whole textures, not frame jitter)."""

    def flat(mels: torch.Tensor) -> np.ndarray:
        return torch.nn.functional.avg_pool1d(mels.float().cpu(), pool).flatten(1).numpy()

    train = flat(data.mels(codec.frontend, "train"))
    gen = flat(torch.cat([codec.decode_mel(z_gen[i : i + 64]) for i in range(0, len(z_gen), 64)]))
    recon = flat(
        torch.cat(
            [codec.decode_mel(codec.encode(data.waves(test.rows[i : i + 64]))) for i in range(0, len(test.rows), 64)]
        )
    )
    return memorisation(nearest_distances(train, gen), nearest_distances(train, recon))


def _evaluate(
    model: Path,
    judge_dir: Path | None,
    latents_path: Path,
    data_dir: Path | None,
    out: Path,
    opts: GenerationEvalOptions,
    device: str,
    independent_dir: Path | None,
) -> dict:
    pipe = load_pipeline(model, device=device)
    judge = load_independent_judge(independent_dir, device=pipe.codec.device)
    latents = load_latents(latents_path)
    check_made_by(latents, model, str(latents_path), model_hash=pipe.stage_one_hash)
    data = autoencoder.PreparedDataset(data_dir or latents.manifest["data"]["path"])
    train, valid, test = (
        Real(data, judge, s, None if s == "train" else opts.max_clips, opts.seed) for s in ("train", "valid", "test")
    )
    sweep = [] if opts.guidance is not None else _sweep(pipe, judge, valid, train, opts)
    setting, why = _setting(opts, sweep)
    log.info(f"sampling: {setting.label} ({why})")

    z_gen, gen_waves, gen_genres, feats = _test_sets(pipe, judge, data, test, setting, opts)
    aligned = aligned_to(gen_genres, test.genres)  # generated clips in the test mix and size, for the set measures
    emb = {k: v[FAD_LAYER] for k, v in feats.items()}
    emb["generated"] = emb["generated"][aligned]
    rows_test, rows_train, kept = matched(test.genres, train.genres, opts.seed)
    ref, ref_tracks = train.features[FAD_LAYER][rows_train], train.tracks[rows_train]
    distances = fad_against(
        {k: v[rows_test] for k, v in emb.items()},
        test.tracks[rows_test],
        ref,
        ref_tracks,
        base="real_test",
        n_boot=opts.n_boot,
        seed=opts.seed,
    )
    rows_v, rows_tv, kept_v = matched(valid.genres, train.genres, opts.seed)
    floor_valid = fad(
        valid.features[FAD_LAYER][rows_v],
        valid.tracks[rows_v],
        train.features[FAD_LAYER][rows_tv],
        train.tracks[rows_tv],
        n_boot=opts.n_boot,
        seed=opts.seed,
    )
    train_emb, train_genres = train.features[FAD_LAYER][rows_train], train.genres[rows_train]
    train_z, test_z = latents.normalized()[latents.rows("train")], latents.normalized()[latents.rows("test")]
    gen_z = latents.normalize(z_gen[aligned].cpu().numpy())
    all_train = train.features[FAD_LAYER]
    result = {
        "command": command_line(),
        "model": str(model),
        "independent_judge": judge.location,
        "independent_judge_hash": judge.hash,
        "independent_judge_test": judge.describe()["test"],
        "latents": str(latents_path),
        "steps": setting.steps,
        "sampler": setting.sampler,
        "seed": opts.seed,
        "guidance": setting.guidance.scale,
        "guidance_settings": setting.guidance.to_dict(),
        "setting": setting.label,
        "chosen_because": why,
        "guidance_given": opts.guidance is not None,
        "fad_margin": opts.fad_margin,
        "search": opts.search,
        "per_genre_valid": opts.per_genre,
        "guidance_sweep_valid": sweep,
        "num_clips": len(test.rows),
        "num_generated": len(gen_genres),
        "per_genre_test": opts.per_genre,
        "genres": kept,
        "recognition": {
            "generated": recognition(judge, feats["generated"], gen_genres),
            "real_test": recognition(judge, feats["real_test"], test.genres, test.tracks),
            "reconstructed_test": recognition(judge, feats["reconstructed_test"], test.genres, test.tracks),
        },
        "prior_verdicts": _verdicts(judge, feats["prior"]),
        "fad": {
            "against": f"{len(rows_train)} real train clips in the test mix",
            "sets": distances,
            "floor_valid_vs_train": {"fad": floor_valid, "genres": kept_v},
        },
        "fad_from_test": against_test(pipe, judge, data, emb["generated"], test, train, valid, opts),
        "fidelity": {k: _fidelity(train_emb, v) for k, v in emb.items()},
        "diversity": {k: mean_pairwise_distance(v) for k, v in emb.items()},
        "per_genre": _per_genre(emb, test.genres, train_emb, train_genres),
        "memorisation": {
            "embedding": memorisation(
                nearest_distances(all_train, emb["generated"]), nearest_distances(all_train, emb["real_test"])
            ),
            "latent": memorisation(nearest_distances(train_z, gen_z), nearest_distances(train_z, test_z)),
            "mel": mel_memorisation(pipe.codec, data, z_gen, test),
        },
    }
    if judge_dir is not None:  # the in-house judge: a second opinion
        inhouse = autoencoder.load_judge(judge_dir, device=pipe.codec.device)
        names = np.array(inhouse.genres)
        result["in_house_judge"] = {
            "generated": accuracy_by_genre(names[inhouse.predict(gen_waves).cpu().numpy()], gen_genres, pipe.genres),
            "test_scores": inhouse.metrics,
        }
    for g in np.unique(gen_genres):
        for i in np.flatnonzero(gen_genres == g)[: opts.audio_per_genre]:
            save_audio(out / "audio" / f"{g}_{i}.wav", gen_waves[i], pipe.codec.sample_rate)
    return result


def _verdicts(judge, feats: dict[str, np.ndarray]) -> dict[str, int]:
    predicted = judge.predict_features(feats)
    return {g: int((predicted == g).sum()) for g in judge.genres}


def evaluate_generation(
    model: str | Path,
    judge: str | Path | None,
    latents: str | Path,
    out: str | Path,
    opts: GenerationEvalOptions | None = None,
    *,
    data: str | Path | None = None,
    force: bool = False,
    record: bool = False,
    device: str = "auto",
    independent: str | Path | None = None,
) -> dict:
    """Run the evaluation of the pipeline at ``model``; writes ``out/generation.json``, ``summary.md``,
    figures and audio. ``judge``: the in-house judge (optional second opinion); ``independent``: the
    independent judge folder (default the shipped one). With ``record`` the guidance becomes the
    pipeline's sampling default."""
    opts = opts or GenerationEvalOptions()
    out = Path(out)
    refuse_overwrite([out / "generation.json"], force)
    result = _evaluate(
        Path(model),
        Path(judge) if judge else None,
        Path(latents),
        Path(data) if data else None,
        out,
        opts,
        device,
        Path(independent) if independent else None,
    )
    write_json(out / "generation.json", result)
    write_figures(result, out)
    write_text(out / "summary.md", summary_markdown(result))
    if record:
        write_metrics(
            model,
            {
                "test_recognition_generated": estimate(result["recognition"]["generated"]["balanced_accuracy"]),
                "test_fad_generated": estimate(result["fad"]["sets"]["generated"]["fad"]),
                "test_fad_real": estimate(result["fad"]["sets"]["real_test"]["fad"]),
                "test_memorisation_embedding": estimate(result["memorisation"]["embedding"]["fraction"]),
            },
            {
                "guidance": result["guidance"],
                "guidance_rescale": result["guidance_settings"]["rescale"],
                "guidance_interval": result["guidance_settings"]["interval"],
                "steps": result["steps"],
                "sampler": result["sampler"],
                "chosen_on": result["chosen_because"],
            },
        )
    return result
