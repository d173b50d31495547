"""Stage-one models on tiny configs: shapes as a specification, round trips, overfitting one batch."""

from __future__ import annotations

import pytest
import torch

from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from genre_base.mel import MelFrontend, MelSettings
from genre_base.metrics import multi_resolution_stft

N_MELS = MelSettings().n_mels


def tiny_vae(latent_channels=2, latent_frames=8, num_frames=431, global_size=0) -> MelVAE:
    return MelVAE(
        num_frames=num_frames,
        latent_channels=latent_channels,
        latent_frames=latent_frames,
        channels=(16, 24, 32),
        num_res_blocks=1,
        global_size=global_size,
    )


def test_mel_front_end_shapes_and_normalisation():
    fe = MelFrontend()
    n_mels = MelSettings().n_mels
    mel = fe(torch.randn(3, 110250) * 0.1)
    assert mel.shape == (3, n_mels, 431) == (3, n_mels, MelSettings().num_frames(110250))
    assert torch.allclose(fe.normalize(fe.denormalize(mel)), mel, atol=1e-5)
    assert fe(torch.zeros(1, 22050)).min().item() == pytest.approx(fe.floor, abs=1e-5)
    with pytest.raises(ValueError, match="f_max"):
        MelSettings(f_max=20000.0)


@pytest.mark.parametrize("n_mels,n_fft", [(160, 1024), (256, 1024)])
def test_a_rank_deficient_filterbank_is_refused_naming_its_settings(n_mels, n_fft):
    # 160 bands on 1,024 points: no filter is empty, yet the filterbank has rank 159 of 160.
    with pytest.raises(ValueError, match=rf"n_mels={n_mels}.*n_fft={n_fft}.*f_min=0.*rank"):
        MelSettings(n_mels=n_mels, n_fft=n_fft)
    MelSettings(n_mels=n_mels, n_fft=2048)  # the same bands on a finer STFT are fine


def test_the_config_validator_refuses_a_rank_deficient_front_end():
    from autoencoder.training.vocoder_task import VocoderTrainConfig
    from genre_base.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="n_mels=160"):
        load_config(VocoderTrainConfig, overrides=["mel.n_mels=160"])


@pytest.mark.parametrize(
    "global_size,channels,frames",
    [(0, 1, 8), (0, 2, 8), (8, 1, 8), (64, 2, 32), (0, 4, 32), (512, 16, 32), (0, 8, 512), (2048, 8, 256)],
)
def test_vae_latent_has_the_configured_flat_size(global_size, channels, frames):
    vae = tiny_vae(channels, frames, global_size=global_size)
    mel = torch.randn(2, N_MELS, 431)
    posterior = vae.encode(mel)
    size = global_size + channels * frames
    assert vae.latent_size == size and 8 <= size <= 4096
    assert posterior.mean.shape == posterior.logvar.shape == posterior.kl_per_dim().shape == (2, size)
    assert vae.decode(posterior.mean).shape == (2, N_MELS, 431)
    g, temporal = vae.split_latent(posterior.mean)
    assert g.shape == (2, global_size) and temporal.shape == (2, channels, frames)
    with pytest.raises(ValueError, match=f"\\(N, {size}\\)"):
        vae.decode(torch.zeros(2, size + 1))


def test_the_global_part_reaches_every_frame_of_the_decoded_mel():
    torch.manual_seed(0)
    vae = tiny_vae(1, 8, global_size=8).eval()
    z = torch.zeros(1, 16)
    moved = z.clone()
    moved[0, :8] = 3.0
    change = (vae.decode(moved) - vae.decode(z)).abs().mean(dim=1)[0]  # per frame
    assert (change > 1e-3).all()


def test_vae_rejects_a_mel_of_the_wrong_shape():
    with pytest.raises(ValueError, match=rf"\(N, {N_MELS}, 431\)"):
        tiny_vae().encode(torch.randn(1, N_MELS, 400))


def test_vocoder_output_length():
    voc = Vocoder(dim=16, intermediate_dim=32, num_layers=1)
    mel = torch.randn(2, N_MELS, 87)
    assert voc(mel).shape == (2, 256 * 86)
    assert voc(mel, 22050).shape == (2, 22050)


def test_save_and_load_give_identical_outputs(tmp_path):
    torch.manual_seed(0)
    vae, voc = tiny_vae(), Vocoder(dim=16, intermediate_dim=32, num_layers=1)
    vae.save_pretrained(tmp_path / "vae")
    voc.save_pretrained(tmp_path / "voc")
    mel = torch.randn(1, N_MELS, 431)
    with torch.no_grad():
        assert torch.equal(MelVAE.from_pretrained(tmp_path / "vae").encode(mel).mean, vae.encode(mel).mean)
        assert torch.equal(Vocoder.from_pretrained(tmp_path / "voc")(mel), voc(mel))


def test_vae_overfits_one_batch():
    torch.manual_seed(0)
    vae = tiny_vae(num_frames=87)
    fe = MelFrontend()
    t = torch.arange(22050) / 22050
    wave = torch.stack([torch.sin(2 * torch.pi * f * t) * (t * 4 % 1 < 0.5) for f in (220.0, 330.0, 440.0, 880.0)])
    mel = fe(wave)
    opt = torch.optim.Adam(vae.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        recon, _ = vae(mel, sample=False)
        loss = (recon - mel).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < losses[0] / 3, f"loss fell only from {losses[0]:.3f} to {losses[-1]:.3f}"


def test_vocoder_loss_is_finite_and_falls_on_one_batch():
    torch.manual_seed(0)
    voc = Vocoder(dim=32, intermediate_dim=64, num_layers=2)
    fe, mrstft = MelFrontend(), multi_resolution_stft()
    t = torch.arange(11025) / 22050
    wave = 0.5 * torch.sin(2 * torch.pi * 440 * t)[None].repeat(2, 1)
    mel = fe(wave)
    opt = torch.optim.Adam(voc.parameters(), lr=2e-3)
    losses = []
    for _ in range(40):
        loss = mrstft(voc(mel, 11025)[:, None], wave[:, None])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses))) and losses[-1] < losses[0] / 1.4


def test_pca_baseline_is_exact_when_small_and_near_exact_when_randomized(monkeypatch):
    import autoencoder.pca as P

    torch.manual_seed(0)
    mels = torch.randn(300, 8, 20) @ torch.randn(20, 20)  # rank-limited spectra
    exact = P.MelPCA.fit(mels, 10)
    residual = (exact.reconstruct(mels) - mels).abs().mean()
    monkeypatch.setattr(P, "EXACT_MAX_CLIPS", 100)  # force the randomized path
    approx = P.MelPCA.fit(mels, 10)
    assert (approx.reconstruct(mels) - mels).abs().mean() <= residual * 1.01
    assert approx.components.shape == exact.components.shape == (10, 160)


def test_saved_weights_are_as_readable_as_the_files_beside_them(tmp_path):
    # safetensors alone writes its weights owner-only: a model folder shared with a group was half unreadable
    from genre_base.artifacts import save_pretrained

    folder = save_pretrained(Vocoder(dim=16, intermediate_dim=32, num_layers=1), tmp_path / "voc")
    config_mode = (folder / "config.json").stat().st_mode & 0o777
    assert [w.stat().st_mode & 0o777 for w in folder.glob("*.safetensors")] == [config_mode]
