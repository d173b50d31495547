"""Training the mel VAE: L1 on normalised log-mels (+ a time-difference term), KL with warm-up, and
optionally an adversarial term on log-mels (a PatchGAN with hinge loss and feature matching, weighted
adaptively as in latent diffusion's autoencoder, switched on after ``adversarial.start_step``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from genre_base import metrics as M
from genre_base.artifacts import reference, save_model
from genre_base.clips import PreparedDataset, fixed_clips
from genre_base.config import ConfigError
from genre_base.mel import MelFrontend, MelSettings
from genre_base.training.common import add_audio, add_mel_images, data_record, load_extras, random_gain, training_set
from genre_base.training.loop import LoopConfig

from ..griffin_lim import GriffinLim
from ..pca import MelPCA
from ..vae import MelVAE
from .adversarial import AdversarialConfig, Adversary, adaptive_weight

ACTIVE_KL = 0.01  # nats: a latent float with less KL than this carries (almost) nothing


@dataclass
class VAEModelConfig:
    latent_size: int = 128  # D: global_size + latent_channels * latent_frames
    # Floats for the whole clip (timbre, envelope); the rest is per frame. Off by default: at
    # D = 128 on the shared GTZAN copy, 64 global + 2 x 32 scored worse on valid (mel L1 0.262 vs
    # 0.256 at their best, onset correlation 0.56 vs 0.61) than 4 x 32 with no global part.
    global_size: int = 0
    latent_channels: int = 4
    channels: list[int] = field(default_factory=lambda: [96, 144, 192])  # 1.55 M parameters at D = 128
    num_res_blocks: int = 1

    def __post_init__(self) -> None:
        temporal = self.latent_size - self.global_size
        if (
            not 8 <= self.latent_size <= 4096
            or not 0 <= self.global_size < self.latent_size
            or temporal % self.latent_channels
        ):
            raise ValueError(
                f"need latent_size in 8..4096, 0 <= global_size < latent_size and latent_size - "
                f"global_size divisible by latent_channels; got latent_size={self.latent_size}, "
                f"global_size={self.global_size}, latent_channels={self.latent_channels}"
            )

    @property
    def latent_frames(self) -> int:
        return (self.latent_size - self.global_size) // self.latent_channels


@dataclass
class VAETrainConfig:
    mel: MelSettings = field(default_factory=MelSettings)
    model: VAEModelConfig = field(default_factory=VAEModelConfig)
    loop: LoopConfig = field(
        default_factory=lambda: LoopConfig(max_steps=8000, batch_size=32, lr=1e-3, ema_decay=0.999)
    )
    clip_seconds: float = 5.0
    # On the KL summed over the latent, beside a per-element mean L1. 1e-4 held the latent to about
    # 2 nats a float and lost to PCA at D = 128 (valid L1 1.03x PCA after 1000 steps); 1e-6 lets each
    # float carry what reconstruction needs while the KL still keeps the posterior near N(0, I).
    kl_weight: float = 1e-6
    kl_warmup_steps: int = 2000
    delta_weight: float = 0.5  # L1 on the time difference of the mel: sharper onsets
    random_shift: bool = True
    # Extra music (prepared datasets or audio folders, any layout) for training only, and the share of
    # training clips drawn from it.
    extra_data: list[str] = field(default_factory=list)
    extra_fraction: float = 0.5
    adversarial: AdversarialConfig = field(
        default_factory=lambda: AdversarialConfig(
            discriminators=["patch"], weight=0.5, feature_weight=1.0, start_step=2000, adaptive=True
        )
    )
    gain_db: float = 6.0  # random gain in +-gain_db: loudness is not what the latent should spend floats on
    vocoder: str | None = None  # vocoder folder, for audio in TensorBoard and validation structure metrics
    valid_clips: int = 32
    media_clips: int = 2


class VAETask(Adversary):
    """Implements :class:`genre_base.training.loop.Task` for the mel VAE."""

    def __init__(
        self,
        cfg: VAETrainConfig,
        data: PreparedDataset,
        vocoder: nn.Module | None = None,
        vocoder_dir: str | None = None,
    ) -> None:
        self.cfg, self.data = cfg, data
        self.frontend = MelFrontend(cfg.mel)
        self.num_samples = int(round(cfg.clip_seconds * cfg.mel.sample_rate))
        if data.clips.shape[1] != self.num_samples:
            raise ConfigError(f"dataset clips have {data.clips.shape[1]} samples, config expects {self.num_samples}")
        m = cfg.model
        self.model = MelVAE(
            n_mels=cfg.mel.n_mels,
            num_frames=cfg.mel.num_frames(self.num_samples),
            latent_channels=m.latent_channels,
            latent_frames=m.latent_frames,
            channels=tuple(m.channels),
            num_res_blocks=m.num_res_blocks,
            global_size=m.global_size,
        )
        self.extras = load_extras(cfg.extra_data, data)
        self.init_adversary(cfg.adversarial)
        self.vocoder, self.vocoder_dir = vocoder, vocoder_dir
        self.decoder = vocoder if vocoder is not None else GriffinLim(self.frontend)
        self.valid_mels = data.mels(self.frontend, "valid")
        self.pca = self._fit_pca()
        self.structure_waves, _ = fixed_clips(data, "valid", cfg.valid_clips)

    def _fit_pca(self) -> MelPCA | None:
        try:
            return MelPCA.fit(self.data.mels(self.frontend, "train"), self.cfg.model.latent_size)
        except ValueError:
            return None  # fewer training clips than latent floats: no PCA baseline at this size

    def to(self, device: torch.device) -> None:
        for part in (self.frontend, self.decoder, self.pca):
            if part is not None:
                part.to(device)
        self.valid_mels, self.structure_waves = self.valid_mels.to(device), self.structure_waves.to(device)

    def train_dataset(self) -> torch.utils.data.Dataset:
        return training_set(self.data, self.extras, self.cfg.extra_fraction, random_shift=self.cfg.random_shift)

    def loss(self, model: nn.Module, batch, step: int) -> dict[str, torch.Tensor]:
        wave = batch[0]
        with torch.no_grad():
            mel = self.frontend(random_gain(wave, self.cfg.gain_db))
        recon, posterior = model(mel)
        l1 = F.l1_loss(recon, mel)
        delta = F.l1_loss(recon.diff(dim=-1), mel.diff(dim=-1))
        kl = posterior.kl_per_dim().flatten(1).sum(1).mean()
        beta = self.cfg.kl_weight * min(1.0, step / max(1, self.cfg.kl_warmup_steps))
        loss = l1 + self.cfg.delta_weight * delta + beta * kl
        losses = {"loss": loss, "mel_l1": l1, "delta_l1": delta, "kl": kl, "kl_beta": torch.tensor(beta)}
        if self.discriminator is not None and step >= self.cfg.adversarial.start_step:
            losses.update(self._adversarial(model, mel, recon, l1 + self.cfg.delta_weight * delta))
            losses["loss"] = loss + losses["adversarial_total"]
        return losses

    def _adversarial(
        self, model: nn.Module, mel: torch.Tensor, recon: torch.Tensor, reconstruction: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        adv = self.cfg.adversarial
        hinge, fm = self.generator_terms(mel, recon)
        weight = torch.tensor(adv.weight, device=mel.device)
        if adv.adaptive:
            last = getattr(model, "module", model).to_mel[-1].weight  # the decoder's last layer (DDP-unwrapped)
            weight = weight * adaptive_weight(reconstruction, hinge, last)
        return {
            "adversarial": hinge,
            "feature_matching": fm,
            "adversarial_weight": weight,
            "adversarial_total": weight * hinge + adv.feature_weight * fm,
        }

    def validate(self, model: nn.Module, step: int) -> dict[str, float]:
        mels = self.valid_mels
        posts = [model.encode(mels[i : i + 64]) for i in range(0, len(mels), 64)]
        mean = torch.cat([p.mean for p in posts])
        kl = torch.cat([p.kl_per_dim() for p in posts]).flatten(1).mean(0)
        recon = torch.cat([model.decode(mean[i : i + 64]) for i in range(0, len(mean), 64)])
        result = {
            "mel_l1": float((recon - mels).abs().mean()),
            "kl_per_dim": float(kl.mean()),
            "active_dims": float((kl > ACTIVE_KL).sum()),
        }
        if self.pca is not None:
            result["pca_mel_l1"] = float((self.pca.reconstruct(mels) - mels).abs().mean())
            result["mel_l1_vs_pca"] = result["mel_l1"] / result["pca_mel_l1"]
        waves = self.structure_waves
        heard = self.decoder(model.decode(model.encode(self.frontend(waves)).mean), waves.shape[-1])
        for name, values in M.compare(self.frontend, waves, heard).items():
            result[f"heard_{name}"] = float(values.mean())
        self._kl_per_dim = kl
        return result

    def log_media(self, model: nn.Module, writer, step: int) -> None:
        rate = self.cfg.mel.sample_rate
        if getattr(self, "_kl_per_dim", None) is not None:
            writer.add_histogram("valid/kl_per_dim", self._kl_per_dim, step)
        griffin_lim = GriffinLim(self.frontend).to(self.structure_waves.device)
        for i, wave in enumerate(self.structure_waves[: self.cfg.media_clips]):
            mel = self.frontend(wave[None])
            recon = model.decode(model.encode(mel).mean)
            add_mel_images(
                writer, f"clip{i}/mel", [("original", mel[0]), (f"VAE D={model.latent_size}", recon[0])], step
            )
            add_audio(writer, f"clip{i}/original", wave, step, rate)
            add_audio(writer, f"clip{i}/griffin_lim", griffin_lim(recon, wave.shape[-1])[0], step, rate)
            if self.vocoder is not None:
                add_audio(writer, f"clip{i}/vocoder", self.vocoder(recon, wave.shape[-1])[0], step, rate)

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        refs = {"vocoder": reference(self.vocoder_dir, folder)} if self.vocoder_dir else {}
        save_model(
            model,
            folder,
            "vae",
            self.cfg.mel,
            data=data_record(self.data, self.extras),
            metrics=metrics,
            references=refs,
            extra={
                "latent": {
                    "size": model.latent_size,
                    "global_size": model.config.global_size,
                    "channels": model.config.latent_channels,
                    "frames": model.config.latent_frames,
                    "clip_seconds": self.cfg.clip_seconds,
                }
            },
        )
