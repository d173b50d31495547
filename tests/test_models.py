"""Stage-one models on tiny configs: shapes as a specification, round trips, overfitting one batch."""

from __future__ import annotations

import pytest
import torch

from autoencoder.mel import MelFrontend, MelSettings
from autoencoder.metrics import multi_resolution_stft
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder


def tiny_vae(latent_channels=2, latent_frames=8, num_frames=431) -> MelVAE:
    return MelVAE(num_frames=num_frames, latent_channels=latent_channels, latent_frames=latent_frames,
                  channels=(16, 24, 32), num_res_blocks=1)


def test_mel_front_end_shapes_and_normalisation():
    fe = MelFrontend()
    mel = fe(torch.randn(3, 110250) * 0.1)
    assert mel.shape == (3, 80, 431) == (3, 80, MelSettings().num_frames(110250))
    assert torch.allclose(fe.normalize(fe.denormalize(mel)), mel, atol=1e-5)
    assert fe(torch.zeros(1, 22050)).min().item() == pytest.approx(fe.floor, abs=1e-5)
    with pytest.raises(ValueError, match="f_max"):
        MelSettings(f_max=20000.0)


@pytest.mark.parametrize("channels,frames", [(1, 8), (2, 8), (4, 16), (4, 32), (8, 64), (8, 512)])
def test_vae_latent_has_the_configured_flat_size(channels, frames):
    vae = tiny_vae(channels, frames)
    mel = torch.randn(2, 80, 431)
    posterior = vae.encode(mel)
    assert posterior.mean.shape == posterior.logvar.shape == (2, channels, frames)
    assert vae.latent_size == channels * frames
    assert vae.decode(posterior.mean.flatten(1)).shape == (2, 80, 431)
    assert posterior.kl_per_dim().shape == (2, channels, frames)


def test_vae_rejects_a_mel_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N, 80, 431\)"):
        tiny_vae().encode(torch.randn(1, 80, 400))


def test_vocoder_output_length():
    voc = Vocoder(dim=16, intermediate_dim=32, num_layers=1)
    mel = torch.randn(2, 80, 87)
    assert voc(mel).shape == (2, 256 * 86)
    assert voc(mel, 22050).shape == (2, 22050)


def test_save_and_load_give_identical_outputs(tmp_path):
    torch.manual_seed(0)
    vae, voc = tiny_vae(), Vocoder(dim=16, intermediate_dim=32, num_layers=1)
    vae.save_pretrained(tmp_path / "vae")
    voc.save_pretrained(tmp_path / "voc")
    mel = torch.randn(1, 80, 431)
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
