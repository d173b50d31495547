"""Adversarial stage one and extra training music: discriminators, losses, the loop's second
optimiser, unlabelled preparation, the training mix, and the vocoder comparison."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from autoencoder.discriminators import MultiPeriodDiscriminator, MultiResolutionSTFTDiscriminator
from autoencoder.training.adversarial import (
    AdversarialConfig,
    discriminator_hinge,
    feature_matching,
    frozen,
    generator_hinge,
)
from genre_base.clips import PreparedDataset
from genre_base.intervals import Interval
from genre_base.prepare import PrepareOptions, _fingerprint, prepare_dataset
from genre_base.training.common import training_set
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extra_src(tmp_path_factory) -> Path:
    """Unlabelled music in no particular layout: names that are not <label>.<number>, nested folders,
    a manifest with a licence column, and one file too short for a clip."""
    root = tmp_path_factory.mktemp("extra_src")
    rng = np.random.default_rng(1)
    t = np.arange(int(11 * 22050)) / 22050
    for i, rel in enumerate(["Game Theme.wav", "pack/level_1.flac", "pack/deep/boss fight.wav"]):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        wave = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(root / rel, wave.astype(np.float32), 22050)
    sf.write(root / "jingle.wav", np.zeros(22050, np.float32), 22050)  # 1 s: shorter than a clip
    with open(root / "manifest.csv", "w", newline="") as f:
        csv.writer(f).writerows(
            [
                ["path", "package", "license"],
                ["Game Theme.wav", "pkg-a", "CC-BY-3.0"],
                ["pack/level_1.flac", "pkg-b", "GPL-2+"],
                ["pack/deep/boss fight.wav", "pkg-b", "GPL-2+"],
            ]
        )
    return root


def test_discriminators_give_logits_and_features_per_sub_discriminator():
    wave = torch.randn(2, 11025)
    logits, features = MultiResolutionSTFTDiscriminator(channels=8)(wave)
    assert len(logits) == 3 and all(lo.shape[0] == 2 for lo in logits) and len(features) == 3
    logits, features = MultiPeriodDiscriminator(periods=[2, 3], channels=[4, 8])(wave[:, :11023])  # padded to a period
    assert len(logits) == 2 and [len(f) for f in features] == [3, 3]


def test_hinge_losses_and_feature_matching_have_their_textbook_values():
    assert discriminator_hinge([torch.full((3,), 2.0)], [torch.full((3,), -2.0)]) == 0  # both beyond the margin
    assert discriminator_hinge([torch.zeros(3)], [torch.zeros(3)]) == 2
    assert generator_hinge([torch.full((3,), 1.5)]) == 0 and generator_hinge([torch.zeros(3)]) == 1
    real = [[torch.ones(2, 3)]]
    assert feature_matching(real, [[torch.zeros(2, 3)]]) == 1 and feature_matching(real, real) == 0


def test_frozen_discriminator_passes_gradients_to_its_input_only():
    disc = MultiResolutionSTFTDiscriminator(channels=4)
    wave = torch.randn(1, 4096, requires_grad=True)
    with frozen(disc) as d:
        generator_hinge(d(wave)[0]).backward()
    assert wave.grad is not None and wave.grad.abs().sum() > 0
    assert all(p.grad is None for p in disc.parameters()) and all(p.requires_grad for p in disc.parameters())


def test_adversarial_config_names_a_bad_discriminator():
    with pytest.raises(ValueError, match="'msd'"):
        AdversarialConfig(enabled=True, discriminators=["msd"])


def test_unlabelled_music_of_any_layout_is_all_train_and_skips_short_files(extra_src, tmp_path):
    summary = prepare_dataset(extra_src, tmp_path / "x", PrepareOptions(unlabelled=True), progress=False)
    data = PreparedDataset(tmp_path / "x")
    assert set(data.splits) == {"train"} and set(data.genres) == {"unlabelled"} and len(data) == 6  # 3 x 2 clips
    assert "pack/deep/boss fight" in set(data.track_ids)
    assert summary["split_rules"] == {"unlabelled-train-only": 4}
    assert [s["path"] for s in summary["skipped"]] == ["jingle.wav"]


def test_fingerprints_of_labelled_datasets_are_unchanged_by_the_unlabelled_option(toy_audio):
    from genre_base.discover import discover_tracks
    from genre_base.prepare import _sha1

    found = discover_tracks(toy_audio)
    hashes = {t.track_id: _sha1(t.path) for t in found.tracks}
    # How the fingerprint was computed before the option existed (datasets prepared then stay valid).
    old = hashlib.sha1(
        b"v1|PrepareOptions(clip_seconds=5.0, sample_rate=22050, seed=0, valid_fraction=0.15, test_fraction=0.15)"
    )
    for t in found.tracks:
        old.update(f"{t.relpath}|{t.label}|{hashes[t.track_id]}\n".encode())
    assert _fingerprint(found, hashes, PrepareOptions()) == old.hexdigest()
    assert _fingerprint(found, hashes, PrepareOptions(unlabelled=True)) != old.hexdigest()


def test_training_mix_draws_the_asked_share_from_extra_music(toy_data, extra_src, tmp_path):
    prepare_dataset(extra_src, tmp_path / "x", PrepareOptions(unlabelled=True), progress=False)
    main, extra = PreparedDataset(toy_data), PreparedDataset(tmp_path / "x")
    n_main, n_extra = len(main.indices("train")), len(extra)
    mix = training_set(main, [extra], 0.5, crop_samples=1000, random_shift=True)
    labels = np.array([mix[i][1] for i in range(len(mix))])
    assert abs((labels == -1).mean() - 0.5) < 0.15 and (labels >= 0).sum() % n_main == 0
    assert (labels == -1).sum() % n_extra == 0 and mix[0][0].shape == (1000,)
    with pytest.raises(ValueError, match="extra_fraction"):
        training_set(main, [extra], 1.0)


def test_pca_baseline_latents_can_be_fitted_on_the_extra_music_too(toy_data, extra_src, tmp_path):
    from autoencoder.latents import load_latents

    n_train = len(PreparedDataset(toy_data).indices("train"))
    base = ["--data", str(toy_data), "--baseline", "pca", "--dim", str(n_train)]
    # As many dimensions as GTZAN-side training clips: refused without the extra music, fitted with it.
    assert run_script("encode_dataset", base + ["--out", str(tmp_path / "plain.npz")]) == 2
    assert run_script("encode_dataset", base + ["--pca-extra", str(extra_src), "--out", str(tmp_path / "x.npz")]) == 0
    m = load_latents(tmp_path / "x.npz").manifest
    assert m["model_id"].endswith("+extra") and m["pca_extra"][0]["num_clips"] == 6 and m["latent_size"] == n_train
    assert (
        run_script(
            "encode_dataset",
            [
                "--data",
                str(toy_data),
                "--baseline",
                "mfcc",
                "--pca-extra",
                str(extra_src),
                "--out",
                str(tmp_path / "m.npz"),
            ],
        )
        == 2
    )


def test_adversarial_vocoder_trains_with_extra_music_resumes_and_records_it(toy_data, extra_src, tmp_path):
    run = tmp_path / "voc"
    args = [
        "--data",
        str(toy_data),
        "--config",
        str(REPO / "configs/vocoder_tiny.yaml"),
        "--extra-src",
        str(extra_src),
        "--out",
        str(run),
        "--no-progress",
        "adversarial.enabled=true",
        "adversarial.channels=4",
        "adversarial.discriminators=[mrd,mpd]",
        "gain_db=6",
        "random_shift=true",
        "loop.max_steps=3",
    ]
    assert run_script("train_vocoder", args) == 0
    cache = toy_data.parent / "extra"
    assert len(list(cache.iterdir())) == 1  # prepared once into <data>/../extra/
    record = json.loads((run / "model" / "genre_ldm.json").read_text())
    extra = record["data"]["extra_training_music"][0]
    assert extra["num_tracks"] == 3 and extra["licences"] == {"pkg-a: CC-BY-3.0": 1, "pkg-b: GPL-2+": 2}
    assert str(extra_src) in (run / "config.yaml").read_text()
    from tests.test_training import _scalar_steps

    assert _scalar_steps(run, "train/discriminator") == [2] and _scalar_steps(run, "train/adversarial") == [2]
    # The discriminator and its optimiser are checkpointed and come back on --resume.
    assert len(list((run / "checkpoints" / "step-3").glob("model_1*"))) == 1
    assert run_script("train_vocoder", args[:-1] + ["loop.max_steps=6", "--resume"]) == 0
    assert _scalar_steps(run, "train/discriminator") == [2, 4, 6]
    # Shipped beside other models, its card names the extra music and its licences.
    assert (
        run_script("ship_models", ["--out", str(tmp_path / "models"), "--extra-vocoder", f"voc-adv={run / 'model'}"])
        == 0
    )
    card = (tmp_path / "models" / "voc-adv" / "README.md").read_text()
    assert "extra unlabelled music" in card and "pkg-b: GPL-2+ (2 tracks)" in card
    import autoencoder

    autoencoder.load_vocoder(tmp_path / "models" / "voc-adv")


def test_vocoders_are_compared_with_griffin_lim_and_each_other(tiny_stage_one, toy_data, tmp_path):
    voc = tiny_stage_one.parent / "voc"
    out = tmp_path / "eval"
    assert (
        run_script(
            "evaluate_vocoders",
            [
                "--vocoder",
                f"a={voc}",
                "--vocoder",
                f"b={voc}",
                "--baseline",
                "a",
                "--compare",
                "b:a",
                "--vae",
                str(tiny_stage_one),
                "--data",
                str(toy_data),
                "--split",
                "valid",
                "--max-clips",
                "4",
                "--no-independent",
                "--n-boot",
                "20",
                "--out",
                str(out),
            ],
        )
        == 0
    )
    result = json.loads((out / "metrics.json").read_text())
    diffs = result["summary"]["differences"]
    assert Interval.from_json(diffs["vae/b-vae/a/log_mel_l1"]).value == 0  # the same vocoder twice: no difference
    assert "true_mel/a-true_mel/griffin_lim/mr_stft" in diffs and "vae/griffin_lim/onset_corr" in result["summary"]
    assert "| vae | griffin_lim |" in (out / "table.md").read_text()


def test_vaes_are_compared_with_each_other_and_with_pca_fitted_on_the_same_training_audio(
    tiny_stage_one, toy_data, extra_src, tmp_path, capsys
):
    voc = tiny_stage_one.parent / "voc"
    out = tmp_path / "eval"
    extra = extra_src
    args = [
        "--vocoder",
        f"v={voc}",
        "--vae",
        f"a={tiny_stage_one}",
        "--vae",
        f"b={tiny_stage_one}",
        "--compare-mels",
        "a:b",
        "--pca",
        "--pca-extra",
        str(extra),
        "--data",
        str(toy_data),
        "--split",
        "valid",
        "--max-clips",
        "4",
        "--no-independent",
        "--n-boot",
        "20",
        "--out",
        str(out),
    ]
    assert run_script("evaluate_vocoders", args) == 0
    result = json.loads((out / "metrics.json").read_text())
    diffs = result["summary"]["differences"]
    assert Interval.from_json(diffs["a/v-b/v/log_mel_l1"]).value == 0  # the same VAE under two names
    pca = [s for s in result["mel_sources"] if s.startswith("pca-")]
    assert pca == ["pca-16"] and "a/griffin_lim-pca-16/griffin_lim/onset_corr" in diffs
    train = len(PreparedDataset(toy_data).indices("train"))
    assert result["pca_training_clips"] > train  # the extra music is in PCA's fit
    assert (out / "mels.png").stat().st_size > 10_000  # one clip's mel from every source
    assert run_script("evaluate_vocoders", [*args[:6], "--vae", f"true_mel={tiny_stage_one}", *args[6:]]) == 2
    assert (
        run_script(
            "evaluate_vocoders",
            [
                "--vocoder",
                f"v={voc}",
                "--vae",
                f"a={tiny_stage_one}",
                "--compare-mels",
                "a:zz",
                "--data",
                str(toy_data),
                "--no-independent",
                "--out",
                str(tmp_path / "e"),
            ],
        )
        == 2
    )
    assert "'a:zz'" in capsys.readouterr().err


def test_vocoder_comparison_refuses_an_unknown_baseline(tiny_stage_one, toy_data, tmp_path, capsys):
    voc = tiny_stage_one.parent / "voc"
    assert (
        run_script(
            "evaluate_vocoders",
            [
                "--vocoder",
                f"a={voc}",
                "--baseline",
                "zz",
                "--data",
                str(toy_data),
                "--no-independent",
                "--out",
                str(tmp_path / "e"),
            ],
        )
        == 2
    )
    assert "'zz'" in capsys.readouterr().err


def test_fad_ratios_between_sets_are_paired_over_the_same_draws():
    from genre_base.independent.measures import fad_against

    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 4))
    sets = {"a": a, "same": a.copy(), "shifted": a + 1.0}
    out = fad_against(
        sets,
        np.repeat(np.arange(10), 4),
        rng.standard_normal((60, 4)),
        np.repeat(np.arange(15), 4),
        n_boot=50,
        pairs=[("same", "a"), ("shifted", "a")],
    )
    same = Interval.from_json(out["same"]["paired_ratios"]["a"])
    assert same.value == pytest.approx(1.0) and [same.low, same.high] == pytest.approx([1.0, 1.0])
    assert Interval.from_json(out["shifted"]["paired_ratios"]["a"]).low > 1


def test_adaptive_weight_balances_the_gradients_at_the_last_layer():
    from autoencoder.training.adversarial import adaptive_weight

    w = torch.ones(3, requires_grad=True)
    # d(rec)/dw = 2 * ones, d(adv)/dw = 0.5 * ones: the adversarial term is scaled by 4
    assert adaptive_weight((2 * w).sum(), (0.5 * w).sum(), w) == pytest.approx(4.0, rel=1e-3)


def test_vae_trains_with_an_adaptive_adversarial_term_on_log_mels(toy_data, tmp_path):
    from autoencoder.discriminators import MelPatchDiscriminator

    logits, features = MelPatchDiscriminator(channels=[4, 8])(torch.randn(2, 80, 431))
    assert len(logits) == 1 and logits[0].shape[0] == 2 and len(features[0]) == 3
    run = tmp_path / "vae"
    assert (
        run_script(
            "train_autoencoder",
            [
                "--data",
                str(toy_data),
                "--config",
                str(REPO / "configs/autoencoder_tiny.yaml"),
                "--out",
                str(run),
                "--no-progress",
                "adversarial.enabled=true",
                "adversarial.channels=4",
                "adversarial.start_step=2",
                "loop.max_steps=6",
                "loop.log_every=2",
            ],
        )
        == 0
    )
    from tests.test_training import _scalar_steps

    assert _scalar_steps(run, "train/adversarial_weight") == [4, 6]  # from start_step on (logged every 2)
    assert _scalar_steps(run, "train/discriminator") == [4, 6]
