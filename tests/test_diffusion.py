"""Stage two: the denoiser, guidance, label dropout, the pipeline, songs and data-parallel training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from diffusion import GenreLatentPipeline, Guidance, LatentDenoiser, drop_labels, guided, load_pipeline
from diffusion import evaluation as E
from genre_base.intervals import Interval
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]
TINY = [
    "denoiser.width=16",
    "denoiser.dilations=[1,2]",
    "denoiser.cond_dim=16",
    "loop.batch_size=16",
    "loop.media_every=1000",
    "loop.ema_decay=0",
]


def random_denoiser(**kw) -> LatentDenoiser:
    torch.manual_seed(0)
    model = LatentDenoiser(
        latent_size=16, channels=2, frames=8, genres=("a", "b", "c"), width=16, dilations=(1, 2), cond_dim=16, **kw
    ).eval()
    with torch.no_grad():  # break the zero init so every input matters
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return model


def test_guidance_scale_one_is_the_conditional_prediction_and_zero_the_unconditional():
    model = random_denoiser()
    x, t, labels = torch.randn(4, 16), torch.tensor([10, 200, 500, 900]), torch.tensor([0, 1, 2, 1])
    with torch.no_grad():
        cond, uncond = model(x, t, labels), model(x, t, torch.full_like(labels, model.null_class))
        assert not torch.allclose(cond, uncond)
        torch.testing.assert_close(guided(model, x, t, labels, 1.0), cond)
        torch.testing.assert_close(guided(model, x, t, labels, 0.0), uncond)
        torch.testing.assert_close(guided(model, x, t, labels, 3.0), uncond + 3.0 * (cond - uncond))


def test_guidance_remedies_rescale_the_spread_and_act_only_in_their_interval():
    model = random_denoiser()
    x, labels = torch.randn(4, 16), torch.tensor([0, 1, 2, 1])
    with torch.no_grad():
        cond = model(x, torch.tensor(500), labels)
        uncond = model(x, torch.tensor(500), torch.full_like(labels, model.null_class))
        plain = guided(model, x, torch.tensor(500), labels, 5.0)
        torch.testing.assert_close(guided(model, x, torch.tensor(500), labels, Guidance(5.0)), plain)
        full = guided(model, x, torch.tensor(500), labels, Guidance(5.0, rescale=1.0))
        torch.testing.assert_close(full.std(dim=1), cond.std(dim=1))  # the conditional prediction's spread
        assert not torch.allclose(full, plain) and plain.std() > 1.5 * full.std()
        half = guided(model, x, torch.tensor(500), labels, Guidance(5.0, rescale=0.5))
        torch.testing.assert_close(half, 0.5 * (full + plain))
        early = Guidance(5.0, interval=(0.0, 0.6))  # no guidance at the highest noise levels
        torch.testing.assert_close(
            guided(model, x, torch.tensor(900), labels, early, 1000), model(x, torch.tensor(900), labels)
        )
        torch.testing.assert_close(guided(model, x, torch.tensor(500), labels, early, 1000), plain)
        torch.testing.assert_close(uncond + 5.0 * (cond - uncond), plain)
    for bad in (dict(rescale=1.5), dict(interval=(0.6, 0.2)), dict(interval=(-0.1, 0.5))):
        with pytest.raises(ValueError, match="guidance"):
            Guidance(3.0, **bad)
    assert Guidance.of(Guidance(5.0, 0.7, (0.0, 0.6)).to_dict()) == Guidance(5.0, 0.7, (0.0, 0.6))
    assert Guidance(5.0, 0.7, (0.0, 0.6)).describe() == "g=5 rescale 0.7 in [0, 0.6]"


def test_transfer_keeps_less_of_the_input_as_the_strength_grows():
    """With the exact denoiser of N(0, I) data, SDEdit from a noised input keeps about sqrt(alpha_t) of it:
    nearly all at a small strength, next to nothing at strength 1."""
    from diffusion.training import DiffusionTrainConfig, make_scheduler
    from genre_base.config import load_config

    scheduler = make_scheduler(load_config(DiffusionTrainConfig).scheduler)
    pipe = GenreLatentPipeline(GaussianOracle(scheduler.alphas_cumprod, 1.0).eval(), scheduler, None, None)
    z = torch.randn(400, 16, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(pipe.transfer(z, "a", 0.0, 20), z)
    kept = []
    for strength in (0.1, 0.5, 1.0):
        out = pipe.transfer(z, "a", strength, 20, 1.0, torch.Generator().manual_seed(1))
        kept.append(float(np.corrcoef(out.flatten(), z.flatten())[0, 1]))
        assert abs(out.std().item() - 1.0) < 0.08  # still a sample of the data, whatever the strength
    assert kept[0] > 0.9 and kept[0] > kept[1] > kept[2] and kept[2] < 0.2, kept
    with pytest.raises(ValueError, match="strength"):
        pipe.transfer(z, "a", 1.5)
    with pytest.raises(ValueError, match="unknown genre 'polka'"):
        pipe.transfer(z, "polka", 0.5)


def test_label_dropout_maps_to_the_null_class():
    labels = torch.arange(10) % 3
    assert torch.equal(drop_labels(labels, 3, 0.0), labels)
    assert torch.equal(drop_labels(labels, 3, 1.0 - 1e-9), torch.full_like(labels, 3))
    many = drop_labels(torch.zeros(4000, dtype=torch.long), 3, 0.25, torch.Generator().manual_seed(0))
    assert set(many.tolist()) == {0, 3}
    assert abs((many == 3).float().mean().item() - 0.25) < 0.03


def test_denoiser_normalises_with_stored_statistics_and_rejects_bad_shapes():
    model = random_denoiser(latent_mean=[1.0] * 16, latent_std=[2.0] * 16)
    z = torch.randn(3, 16)
    torch.testing.assert_close(model.normalize(z), (z - 1.0) / 2.0)
    torch.testing.assert_close(model.denormalize(model.normalize(z)), z)
    with pytest.raises(ValueError, match=r"\(N, 16\)"):
        model(torch.randn(2, 15), torch.tensor([1, 1]), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match="unknown genre 'polka'.*a, b, c"):
        model.genre_index(["a", "polka"])


def test_training_reduces_the_loss_and_the_pipeline_samples_deterministically(tiny_latents, tiny_stage_one, tmp_path):
    from autoencoder.latents import load_latents
    from diffusion.training import DiffusionTask, DiffusionTrainConfig
    from genre_base.config import load_config

    out = tmp_path / "run"
    args = [
        "--latents",
        str(tiny_latents),
        "--out",
        str(out),
        "--no-progress",
        *TINY,
        "loop.max_steps=300",
        "loop.lr=3e-3",
        "loop.valid_every=300",
        "loop.checkpoint_every=150",
        "loop.warmup_steps=10",
    ]
    assert run_script("train_diffusion", args) == 0
    cfg = load_config(DiffusionTrainConfig, None, TINY)
    untrained = DiffusionTask(cfg, load_latents(tiny_latents), tiny_stage_one)
    before = untrained.validate(untrained.model.eval(), 0)["loss"]
    after = json.loads((out / "metrics.json").read_text())["loss"]
    assert after < 0.8 * before, (before, after)
    assert run_script("train_diffusion", args) == 2  # an existing run is not overwritten

    pipe = load_pipeline(out / "model")
    assert isinstance(pipe, GenreLatentPipeline) and pipe.codec is not None
    genres = pipe.genres[:2]
    a, b, c = (
        pipe(genres, num_inference_steps=4, generator=torch.Generator().manual_seed(seed), output_type="pt").audios
        for seed in (7, 7, 8)
    )
    assert a.shape == (2, pipe.codec.clip_samples)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    rate = pipe.codec.sample_rate
    short = pipe(genres[0], num_inference_steps=2, audio_length_in_s=2.0, num_waveforms_per_prompt=3).audios
    song = pipe(genres[0], num_inference_steps=2, audio_length_in_s=11.0).audios
    assert short.shape == (3, 2 * rate) and song.shape == (1, 11 * rate) and np.isfinite(song).all()
    for bad in (0.0, -5.0):
        with pytest.raises(ValueError, match="audio_length_in_s"):
            pipe(genres[0], audio_length_in_s=bad)
    for sampler in ("dpm", "ddpm"):
        z = pipe.sample_latents(genres, 3, 2.0, torch.Generator().manual_seed(0), sampler=sampler)
        assert z.shape == (2, 16) and torch.isfinite(z).all()
    with pytest.raises(ValueError, match="unknown genre 'polka'"):
        pipe(["polka"])


def test_sample_script_clips_songs_and_errors(tiny_latents, tiny_stage_one, tmp_path):
    import soundfile as sf

    from diffusion.song import sample_song
    from genre_base import ModelFolderError

    run = tmp_path / "run"
    assert (
        run_script(
            "train_diffusion",
            [
                "--latents",
                str(tiny_latents),
                "--out",
                str(run),
                "--no-progress",
                *TINY,
                "loop.max_steps=5",
                "loop.valid_every=5",
            ],
        )
        == 0
    )
    model = str(run / "model")
    genre = load_pipeline(model).genres[0]
    base = ["--model", model, "--genre", genre, "--steps", "3", "--seed", "1"]
    assert run_script("sample", base + ["--num", "2", "--out", str(tmp_path / "a")]) == 0
    assert run_script("sample", base + ["--num", "2", "--out", str(tmp_path / "b")]) == 0
    wav_a, sr = sf.read(tmp_path / "a" / f"{genre}_0.wav")
    wav_b, _ = sf.read(tmp_path / "b" / f"{genre}_0.wav")
    assert np.array_equal(wav_a, wav_b) and len(wav_a) == 5 * sr
    assert (tmp_path / "a" / "mels.png").stat().st_size > 1000
    assert run_script("sample", base + ["--num", "2", "--out", str(tmp_path / "a")]) == 2  # no silent overwrite
    assert run_script("sample", ["--model", model, "--genre", "polka", "--out", str(tmp_path / "c")]) == 2
    assert run_script("sample", base + ["--seconds", "12", "--out", str(tmp_path / "song")]) == 0
    assert sorted(p.name for p in (tmp_path / "song").glob("*.wav")) == [f"{genre}_song_0.wav"]  # one song by default
    song, sr = sf.read(tmp_path / "song" / f"{genre}_song_0.wav")
    assert len(song) == 12 * sr
    assert run_script("sample", base + ["--num", "1", "--seconds", "3", "--out", str(tmp_path / "short")]) == 0
    assert len(sf.read(tmp_path / "short" / f"{genre}_0.wav")[0]) == 3 * sr  # cut from a 5 s clip
    for bad in ("0", "-5"):
        assert run_script("sample", base + ["--seconds", bad, "--out", str(tmp_path / "bad")]) == 2
    seams = json.loads((tmp_path / "song" / "seams.json").read_text())
    assert seams["songs"][0]["chained"]["num_seams"] >= 2
    jump = Interval.from_json(seams["intervals_over_songs"]["jump"]["chained"])
    assert jump.low == jump.value == jump.high and jump.n == 1  # one song: an interval over one item
    assert jump.text(2) == f"{jump.value:.2f}"  # printed as its value alone, no bracket
    assert jump.value == pytest.approx(seams["mean_seam_over_inside"]["chained/jump"])

    # A user's file continued (kept, then --seconds more) and moved toward a genre (same length).
    t = np.arange(6 * sr) / sr
    mine = tmp_path / "mine.wav"
    sf.write(mine, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), sr)
    assert (
        run_script("sample", base + ["--continue", str(mine), "--seconds", "4", "--out", str(tmp_path / "cont")]) == 0
    )
    continued, _ = sf.read(tmp_path / "cont" / f"mine_continued_{genre}_0.wav")
    assert len(continued) == 10 * sr
    original, _ = sf.read(mine)
    np.testing.assert_allclose(continued[: 5 * sr], original[: 5 * sr], atol=1e-4)  # the input itself is kept
    join = json.loads((tmp_path / "cont" / "seams.json").read_text())["joins"][0]
    assert join["chained"]["num_seams"] == 1 and abs(join["join_seconds"] - 6.0) < 0.2
    assert (
        run_script(
            "sample",
            base
            + [
                "--transfer",
                str(mine),
                "--strength",
                "0,1",
                "--guidance-rescale",
                "0.7",
                "--out",
                str(tmp_path / "moved"),
            ],
        )
        == 0
    )
    kept, moved = (sf.read(tmp_path / "moved" / f"mine_to_{genre}_s{s}.wav")[0] for s in ("0.00", "1.00"))
    assert len(kept) == len(moved) == 6 * sr and not np.allclose(kept, moved, atol=1e-3)
    too_short = tmp_path / "short" / f"{genre}_0.wav"  # 3 s: less than the clip the continuation starts from
    for bad in (
        ["--continue", str(mine)],
        ["--continue", str(too_short), "--seconds", "2"],
        ["--transfer", str(mine), "--strength", "1.5"],
        ["--guidance-interval", "0.8,0.2"],
    ):
        assert run_script("sample", base + bad + ["--out", str(tmp_path / "bad2")]) == 2

    # The overlap of consecutive clip latents is held fixed: clip k+1 starts where clip k ends.
    pipe = load_pipeline(model)
    _, traj = sample_song(
        pipe, genre, 12.0, overlap_frames=3, num_inference_steps=3, generator=torch.Generator().manual_seed(0)
    )
    grid = traj.z.reshape(len(traj.z), 2, 8)
    torch.testing.assert_close(grid[1:, :, :3], grid[:-1, :, -3:])

    # Shipping: fp16 copies, the pipeline holding the shipped VAE and vocoder, loadable on its own.
    from genre_ldm.shipping import ship_models

    shipped = tmp_path / "shipped"
    ship_models(shipped, tiny_stage_one.parent / "voc", {"vae": tiny_stage_one}, diffusion=("diffusion", model, "vae"))
    assert {p.name for p in (shipped / "diffusion").iterdir()} >= {
        "denoiser",
        "scheduler",
        "vae",
        "vocoder",
        "pipeline.py",
    }
    again = load_pipeline(shipped / "diffusion")
    audio = again(genre, num_inference_steps=2, generator=torch.Generator().manual_seed(0)).audios
    assert audio.shape == (1, again.codec.clip_samples) and np.isfinite(audio).all()

    # A stage-one model that changed after training is refused by hash.
    record = json.loads((run / "model" / "genre_ldm.json").read_text())
    record["references"]["stage_one"]["sha256"] = "0" * 64
    (run / "model" / "genre_ldm.json").write_text(json.dumps(record))
    with pytest.raises(ModelFolderError, match="has changed"):
        load_pipeline(model)


def test_generation_measures_on_synthetic_data():
    rng = np.random.default_rng(0)
    train = rng.standard_normal((200, 8))
    test = rng.standard_normal((100, 8))
    from genre_base.stats import mean_pairwise_distance, nearest_distances

    test_nn = nearest_distances(train, test)
    copies = E.memorisation(nearest_distances(train, train[:50] + 1e-3), test_nn)
    fresh = E.memorisation(nearest_distances(train, rng.standard_normal((300, 8))), test_nn)
    assert Interval.from_json(copies["fraction"]).value == 1.0
    # about 5 % when nothing is copied (the threshold is the 5th percentile of only 100 test clips)
    fraction = Interval.from_json(fresh["fraction"])
    assert abs(fraction.value - 0.05) < 0.06 and fraction.low < 0.1 and fraction.n == fresh["n"] == 300
    acc = E.accuracy_by_genre(np.array(["x", "x", "y", "y"]), np.array(["x", "y", "y", "y"]), ["x", "y"])
    accuracy = Interval.from_json(acc["accuracy"])
    assert accuracy.value == 0.75 and accuracy.n == 4 and acc["per_genre"] == {"x": 1.0, "y": 2 / 3}
    assert mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0]])) == 5.0


class GaussianOracle(LatentDenoiser):
    """The exact noise predictor for data ~ N(0, scale^2 I) (in the model's units)."""

    def __init__(self, alphas_cumprod: torch.Tensor, scale: float) -> None:
        super().__init__(latent_size=16, channels=2, frames=8, genres=("a",), width=8, dilations=(1,), cond_dim=8)
        self.alphas, self.scale = alphas_cumprod, scale

    def forward(self, sample, timestep, class_labels):
        a = self.alphas[torch.as_tensor(timestep).long()].reshape(-1, 1).expand(len(sample), 1)
        return sample * (1 - a).sqrt() / (a * self.scale**2 + 1 - a)


@pytest.mark.parametrize("sampler", ["ddim", "dpm"])
def test_samplers_reproduce_the_data_spread_with_an_exact_denoiser(sampler):
    """With the exact denoiser of N(0, I) data (unit variance, like normalised latents), samples must have
    std 1: neither squeezed by clipping (diffusers' default +-1 gives about 0.8) nor blown up."""
    from diffusion.training import DiffusionTrainConfig, make_scheduler
    from genre_base.config import load_config

    scheduler = make_scheduler(load_config(DiffusionTrainConfig).scheduler)
    pipe = GenreLatentPipeline(GaussianOracle(scheduler.alphas_cumprod, 1.0).eval(), scheduler, None, None)
    z = pipe.sample_latents(["a"] * 400, 25, 1.0, torch.Generator().manual_seed(0), sampler=sampler)
    assert abs(z.std().item() - 1.0) < 0.06, z.std().item()


def test_sampling_settings_grid_and_the_rule_that_picks_one_on_valid():
    from diffusion.settings_sweep import choose_setting, remedy, settings_grid

    grid = settings_grid(("ddim",), (25,), (1.0, 5.0), ("plain", "rescale=0.7", "interval=0:0.6"))
    assert [s.label for s in grid] == [
        "ddim 25 steps, g=1",
        "ddim 25 steps, g=5",
        "ddim 25 steps, g=5 rescale 0.7",
        "ddim 25 steps, g=5 in [0, 0.6]",
    ]  # no remedy without guidance
    for bad in ("rescale", "interval=0.6", "cosine"):
        with pytest.raises(ValueError, match="remedy"):
            remedy(3.0, bad)
    with pytest.raises(ValueError, match="sampler 'euler'"):
        settings_grid(("euler",), (25,), (1.0,), ("plain",))

    def row(name, fad, worst):
        fad, worst = Interval(fad, fad - 1, fad + 1).to_json(), Interval(worst, 0.0, 1.0).to_json()
        return {"setting": name, "fad": fad, "worst_genre": {"genre": "blues", "recall": worst}}

    rows = [row("a", 10.0, 0.1), row("b", 10.8, 0.5), row("c", 10.9, 0.5), row("d", 30.0, 0.9)]
    chosen, why = choose_setting(rows, 0.1)  # d is far off on FAD; b and c tie on the worst genre: lower FAD
    assert chosen["setting"] == "b" and "3 of 4" in why
    assert choose_setting(rows, 0.0)[0]["setting"] == "a"


def test_songs_continuation_and_transfer_are_measured(tiny_latents, tiny_stage_one, toy_data, tmp_path):
    from diffusion import edit_eval as E
    from genre_base import PreparedDataset

    run = tmp_path / "run"
    assert (
        run_script(
            "train_diffusion",
            [
                "--latents",
                str(tiny_latents),
                "--out",
                str(run),
                "--no-progress",
                *TINY,
                "loop.max_steps=5",
                "loop.valid_every=5",
            ],
        )
        == 0
    )
    model = str(run / "model")
    fast = ["--model", model, "--steps", "2", "--n-boot", "50"]
    assert (
        run_script(
            "evaluate_editing",
            ["songs", *fast, "--seconds", "11", "--songs-per-genre", "2", "--out", str(tmp_path / "e")],
        )
        == 0
    )
    songs = json.loads((tmp_path / "e" / "songs.json").read_text())
    pipe = load_pipeline(model)
    assert songs["num_songs"] == 2 * len(pipe.genres) and set(songs["per_genre"]) == set(pipe.genres)
    flux = {k: Interval.from_json(v) for k, v in songs["overall"]["flux"].items()}
    assert flux["chained"].low <= flux["chained"].value <= flux["chained"].high
    assert sorted(p.stem for p in (tmp_path / "e" / "audio").glob("*.wav")) == sorted(pipe.genres)
    # The report plays one song per genre and states the seams with their intervals over songs.
    from analysis.report import Report, _songs

    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "songs").symlink_to(tmp_path / "e")
    page = "".join(_songs(Report(tmp_path / "study", dataset_audio=False)))
    assert page.count("data:audio/ogg") == len(pipe.genres) and flux["chained"].text(2) in page
    assert (
        run_script(
            "evaluate_editing",
            [
                "continue",
                *fast,
                "--data",
                str(toy_data),
                "--per-genre",
                "1",
                "--seconds",
                "3",
                "--out",
                str(tmp_path / "e"),
            ],
        )
        == 0
    )
    cont = json.loads((tmp_path / "e" / "continue.json").read_text())
    assert cont["num_tracks"] >= 2 and all(j["chained"]["num_seams"] == 1 for j in cont["joins"])
    assert run_script("evaluate_editing", ["songs", *fast, "--out", str(tmp_path / "e")]) == 2  # kept without --force

    class Judge:  # files every clip under the first genre: the target is recognised exactly where it is that genre
        def predict(self, waves, sample_rate):
            return np.array([pipe.genres[0]] * len(waves))

    data = PreparedDataset(toy_data)
    result = E.transfer_curve(pipe, Judge(), data, "test", (0.0, 1.0), per_genre=2, steps=2, n_boot=50)
    rows = E.held_out_clips(data, "test", 2)
    source = list(data.genres[rows])
    target = [pipe.genres[(pipe.genres.index(g) + 1) % len(pipe.genres)] for g in source]
    first, last = result["curve"]
    for row in (first, last):
        recognised = {k: Interval.from_json(row[k]).value for k in ("target_recognised", "source_recognised")}
        assert recognised["target_recognised"] == pytest.approx(np.mean([t == pipe.genres[0] for t in target]))
        assert recognised["source_recognised"] == pytest.approx(np.mean([g == pipe.genres[0] for g in source]))
    from genre_base.metrics import onset_envelope, pearson

    waves = data.waves(rows)
    recon = pipe.codec.decode(pipe.codec.encode(waves))  # strength 0: the stage-one reconstruction
    expected = pearson(onset_envelope(pipe.codec.frontend, waves), onset_envelope(pipe.codec.frontend, recon)).mean()
    onset_first, onset_last = (Interval.from_json(r["onset_corr"]).value for r in (first, last))
    assert onset_first == pytest.approx(float(expected), abs=1e-5)
    assert onset_first != pytest.approx(onset_last, abs=1e-6)


def test_staged_search_tries_every_sampler_and_step_count_at_the_chosen_guidance_only():
    from diffusion.guidance import Guidance
    from diffusion.settings_sweep import SamplingSetting, second_pass, settings_grid

    first = settings_grid(("ddim",), (25,), (1.0, 5.0), ("plain", "rescale=0.7"))
    chosen = Guidance(5.0, rescale=0.7)
    more = second_pass(chosen, ("ddim", "dpm"), (25, 50), first)
    assert more == [
        SamplingSetting("ddim", 50, chosen),
        SamplingSetting("dpm", 25, chosen),
        SamplingSetting("dpm", 50, chosen),
    ]
    assert second_pass(chosen, ("ddim",), (25,), first) == []  # nothing left: the first pass did it
