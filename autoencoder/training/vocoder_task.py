"""Training the vocoder: MR-STFT + mel L1 on random crops of real clips, optionally adversarial.

Crops start anywhere in a track (they run on across its 5 s windows) and get a random gain; extra
unlabelled music (``extra_data``) only adds training crops. With ``adversarial.enabled`` a
multi-resolution STFT discriminator (and/or a multi-period one) adds a hinge loss and feature
matching to the generator's loss, as in Vocos and HiFi-GAN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from genre_base import metrics as M
from genre_base.artifacts import load_weights, mel_settings, read_record, require_same_front_end, save_model
from genre_base.clips import PreparedDataset, fixed_clips
from genre_base.config import ConfigError
from genre_base.mel import MelFrontend, MelSettings
from genre_base.training.common import add_audio, add_mel_images, data_record, load_extras, random_gain, training_set
from genre_base.training.loop import LoopConfig

from ..griffin_lim import GriffinLim
from ..vocoder import Vocoder
from .adversarial import AdversarialConfig, Adversary


@dataclass
class VocoderModelConfig:
    dim: int = 192
    intermediate_dim: int = 576
    num_layers: int = 6


@dataclass
class VocoderTrainConfig:
    mel: MelSettings = field(default_factory=MelSettings)
    model: VocoderModelConfig = field(default_factory=VocoderModelConfig)
    loop: LoopConfig = field(
        default_factory=lambda: LoopConfig(max_steps=6000, batch_size=16, lr=1e-3, ema_decay=0.999)
    )
    crop_seconds: float = 1.0
    mel_weight: float = 2.0  # beside MR-STFT (about 1 at the start); keeps the mel itself right
    # The FFT sizes of the MR-STFT training loss (hop a quarter of each). The default is the reported mr_stft
    # measure's; a 4096-point resolution (5.4 Hz bins) asks for the fine frequency detail that tells a semitone
    # apart in the bass, which 2048 points (10.8 Hz) blur. The reported mr_stft stays the default's.
    stft_ffts: list[int] = field(default_factory=lambda: list(M.MR_STFT_FFTS))
    gain_db: float = 0.0  # random gain in +-gain_db dB of every training crop
    random_shift: bool = False  # crops start anywhere in a track, not only inside one 5 s window
    # Extra music (prepared datasets or audio folders, any layout) for training only, and the share of
    # training crops drawn from it.
    extra_data: list[str] = field(default_factory=list)
    extra_fraction: float = 0.5
    adversarial: AdversarialConfig = field(default_factory=AdversarialConfig)
    valid_clips: int = 16
    media_clips: int = 2
    # Fine-tuning: start from a trained vocoder and feed it the mels a trained VAE decodes (its
    # posterior mean), so it learns to turn the VAE's smoother mels into cleaner audio.
    init_from: str | None = None
    finetune_vae: str | None = None

    def __post_init__(self) -> None:
        # Checked when the config is loaded (load_config turns the ValueError into a ConfigError naming the key).
        crop = int(self.crop_seconds * self.mel.sample_rate)
        bad = [n for n in self.stft_ffts if n < 16 or n & (n - 1) or n > crop]
        if not self.stft_ffts or bad:
            raise ValueError(
                f"stft_ffts {list(self.stft_ffts)}: expected powers of two from 16 up to the crop ({crop} samples), "
                f"got {bad}"
            )


class VocoderTask(Adversary):
    """Implements :class:`genre_base.training.loop.Task` for the vocoder."""

    def __init__(self, cfg: VocoderTrainConfig, data: PreparedDataset) -> None:
        if data.sample_rate != cfg.mel.sample_rate:
            raise ConfigError(f"dataset rate {data.sample_rate} Hz differs from mel.sample_rate {cfg.mel.sample_rate}")
        self.cfg, self.data = cfg, data
        self.frontend = MelFrontend(cfg.mel)
        if cfg.init_from:
            # A warm start must hear the mels it was trained on: an 80-band vocoder cannot start a 128-band one.
            require_same_front_end(
                cfg.mel,
                "this config",
                mel_settings(read_record(cfg.init_from, "vocoder")),
                f"the vocoder it starts from ({cfg.init_from!r})",
            )
            self.model = load_weights(Vocoder, cfg.init_from)
        else:
            self.model = Vocoder(
                n_mels=cfg.mel.n_mels,
                n_fft=cfg.mel.n_fft,
                hop_length=cfg.mel.hop_length,
                dim=cfg.model.dim,
                intermediate_dim=cfg.model.intermediate_dim,
                num_layers=cfg.model.num_layers,
            )
        self.vae = None
        if cfg.finetune_vae:
            from ..codec import load

            codec = load(cfg.finetune_vae, vocoder=False)
            if codec.frontend.settings != cfg.mel:
                raise ConfigError(f"the VAE at {cfg.finetune_vae!r} uses other mel settings than this config")
            self.vae = codec.vae.requires_grad_(False)
        self.extras = load_extras(cfg.extra_data, data)
        self.init_adversary(cfg.adversarial)
        self.mrstft = M.multi_resolution_stft(cfg.mel.sample_rate, cfg.stft_ffts)
        self.valid_waves, _ = fixed_clips(data, "valid", cfg.valid_clips)
        self.griffin_lim = GriffinLim(self.frontend)
        self._baseline: dict[str, float] | None = None

    def to(self, device: torch.device) -> None:
        for part in (self.frontend, self.griffin_lim, self.mrstft, self.vae):
            if part is not None:
                part.to(device)
        self.valid_waves = self.valid_waves.to(device)

    def train_dataset(self) -> torch.utils.data.Dataset:
        # With a VAE, whole clips: it encodes 5 s at a time; crops are cut after decoding.
        crop = None if self.vae is not None else int(self.cfg.crop_seconds * self.cfg.mel.sample_rate)
        return training_set(
            self.data, self.extras, self.cfg.extra_fraction, crop_samples=crop, random_shift=self.cfg.random_shift
        )

    def _inputs(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(input mel, target wave): real mels of crops, or crops of VAE-decoded mels of whole clips."""
        with torch.no_grad():
            wave = random_gain(wave, self.cfg.gain_db)
            mel = self.frontend(wave)
            if self.vae is None:
                return mel, wave
            mel = self.vae.decode(self.vae.encode(mel).mean)
            hop = self.cfg.mel.hop_length
            frames = int(self.cfg.crop_seconds * self.cfg.mel.sample_rate) // hop + 1
            start = int(torch.randint(0, mel.shape[-1] - frames + 1, ()).item())
            # Frame k of a centred STFT is centred on sample k * hop: the crop's audio starts there.
            return mel[..., start : start + frames], wave[..., start * hop : start * hop + (frames - 1) * hop]

    def loss(self, model: nn.Module, batch, step: int) -> dict[str, torch.Tensor]:
        mel, wave = self._inputs(batch[0])
        pred = model(mel, wave.shape[-1])
        stft = self.mrstft(pred.unsqueeze(1), wave.unsqueeze(1))
        mel_l1 = F.l1_loss(self.frontend(pred), self.frontend(wave))
        losses = {"loss": stft + self.cfg.mel_weight * mel_l1, "mr_stft": stft, "mel_l1": mel_l1}
        adv = self.cfg.adversarial
        if self.discriminator is not None and step >= adv.start_step:
            losses["adversarial"], losses["feature_matching"] = self.generator_terms(wave, pred)
            losses["loss"] = (
                losses["loss"] + adv.weight * losses["adversarial"] + adv.feature_weight * losses["feature_matching"]
            )
        return losses

    def validate(self, model: nn.Module, step: int) -> dict[str, float]:
        waves = self.valid_waves
        pred = torch.cat([model(self.frontend(w[None]), w.shape[-1]) for w in waves])
        result = {f"vocoder_{k}": float(v.mean()) for k, v in M.compare(self.frontend, waves, pred).items()}
        if self._baseline is None:  # Griffin-Lim on the same clips, computed once
            gl = self.griffin_lim(self.frontend(waves), waves.shape[-1])
            self._baseline = {
                f"griffin_lim_{k}": float(v.mean()) for k, v in M.compare(self.frontend, waves, gl).items()
            }
        return {**result, **self._baseline}

    def log_media(self, model: nn.Module, writer, step: int) -> None:
        rate = self.cfg.mel.sample_rate
        for i, wave in enumerate(self.valid_waves[: self.cfg.media_clips]):
            mel = self.frontend(wave[None])
            pred = model(mel, wave.shape[-1])[0]
            add_audio(writer, f"clip{i}/original", wave, step, rate)
            add_audio(writer, f"clip{i}/vocoder", pred, step, rate)
            add_audio(writer, f"clip{i}/griffin_lim", self.griffin_lim(mel, wave.shape[-1])[0], step, rate)
            add_mel_images(
                writer, f"clip{i}/mel", [("original", mel[0]), ("vocoder", self.frontend(pred[None])[0])], step
            )

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
        save_model(model, folder, "vocoder", self.cfg.mel, data=data_record(self.data, self.extras), metrics=metrics)
