"""The public face of stage one: load a trained VAE (with its vocoder) and encode / decode audio.

import autoencoder
codec = autoencoder.load("models/vae-64")
z = codec.encode(waves)                  # (N, clip_samples) -> (N, D)
waves = codec.decode(z)                  # (N, D) -> (N, clip_samples)
song = codec.encode_file("song.mp3")     # any format, rate, channels, length -> trajectory
audio = codec.decode_trajectory(song)    # one waveform, windows joined without seams
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genre_base.artifacts import (
    load_weights,
    mel_settings,
    read_record,
    require_model_front_end,
    require_same_front_end,
    resolve_reference,
)
from genre_base.audio import load_audio
from genre_base.device import module_device, resolve_device
from genre_base.judge import GenreJudge, Judge
from genre_base.mel import MelFrontend

from .griffin_lim import GriffinLim
from .vae import MelVAE, Posterior
from .vocoder import Vocoder


def load_vocoder(folder: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[Vocoder, MelFrontend]:
    """A trained vocoder (eval mode) and the front-end its mels must come from, both on ``device``."""
    record = read_record(folder, "vocoder")
    device = resolve_device(device)
    settings = mel_settings(record)
    vocoder = load_weights(Vocoder, folder, torch_dtype=torch.float32).eval().to(device)
    require_model_front_end(vocoder.config, settings, f"the vocoder at {str(folder)!r}")
    return vocoder, MelFrontend(settings).to(device)


def load_judge(folder: str | os.PathLike, device: str | torch.device = "cpu") -> Judge:
    """The trained genre judge on ``device``: takes waveforms, knows its genre names and its test scores."""
    record = read_record(folder, "judge")
    settings = mel_settings(record)
    model = load_weights(GenreJudge, folder, torch_dtype=torch.float32)
    require_model_front_end(model.config, settings, f"the judge at {str(folder)!r}")
    judge = Judge(model, MelFrontend(settings), record["genres"], record.get("metrics", {}))
    return judge.to(resolve_device(device))


@dataclass
class Trajectory:
    """A song as a sequence of clip latents. ``z``: ``(K, D)``; window ``k`` starts at ``starts[k]``."""

    z: torch.Tensor
    starts: list[int]
    num_samples: int
    sample_rate: int


def as_tensor(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The public API takes numpy arrays as well as tensors: float arrays become float32 tensors."""
    if isinstance(x, torch.Tensor):
        return x
    array = np.asarray(x)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"expected a float array or tensor, got dtype {array.dtype}")
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


class StageOne:
    """A VAE plus its decoder to audio (the vocoder, or Griffin-Lim as the baseline)."""

    def __init__(
        self,
        vae: MelVAE,
        vocoder: Vocoder | None,
        frontend: MelFrontend,
        clip_seconds: float,
        folder: Path | None = None,
    ) -> None:
        self.vae, self.vocoder, self.frontend, self.folder = vae.eval(), vocoder, frontend, folder
        self.sample_rate = frontend.settings.sample_rate
        self.clip_samples = int(round(clip_seconds * self.sample_rate))
        self.griffin_lim = GriffinLim(frontend)

    @property
    def latent_size(self) -> int:
        return self.vae.latent_size

    @property
    def device(self) -> torch.device:
        return module_device(self.vae)

    def to(self, device: str | torch.device) -> StageOne:
        """Move the VAE, vocoder, front-end and Griffin-Lim to ``device`` (``"auto"`` allowed); returns self.

        Inputs are moved to this device by every method; outputs stay on it.
        """
        device = resolve_device(device)
        for part in (self.vae, self.vocoder, self.frontend, self.griffin_lim):
            if part is not None:
                part.to(device)
        return self

    @torch.no_grad()
    def posterior(self, wave: torch.Tensor | np.ndarray) -> Posterior:
        """``(N, clip_samples)`` -> posterior with ``(N, D)`` mean and log-variance."""
        wave = as_tensor(wave)
        wave = wave.unsqueeze(0) if wave.ndim == 1 else wave
        if wave.shape[-1] != self.clip_samples:
            raise ValueError(
                f"expected clips of {self.clip_samples} samples "
                f"({self.clip_samples / self.sample_rate:g} s at {self.sample_rate} Hz), got {wave.shape[-1]}; "
                "use encode_file for audio of any length"
            )
        return self.vae.encode(self.frontend(wave.to(self.device)))

    def encode(self, wave: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``(N, clip_samples)`` or ``(clip_samples,)`` -> posterior means, flat ``(N, D)``."""
        return self.posterior(wave).mean

    @torch.no_grad()
    def decode_mel(self, z: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``(N, D)`` -> normalised log-mel ``(N, n_mels, frames)``."""
        z = as_tensor(z)
        if z.ndim != 2 or z.shape[1] != self.latent_size:
            raise ValueError(f"expected latents of shape (N, {self.latent_size}), got {tuple(z.shape)}")
        return self.vae.decode(z.to(self.device))

    @torch.no_grad()
    def mel_to_wave(self, mel: torch.Tensor | np.ndarray, griffin_lim: bool = False) -> torch.Tensor:
        """Normalised log-mel ``(N, n_mels, frames)`` -> waves ``(N, clip_samples)``."""
        mel = as_tensor(mel).to(self.device)
        if griffin_lim or self.vocoder is None:
            return self.griffin_lim(mel, self.clip_samples)
        return self.vocoder(mel, self.clip_samples)

    def decode(self, z: torch.Tensor | np.ndarray, griffin_lim: bool = False) -> torch.Tensor:
        """``(N, D)`` -> waves ``(N, clip_samples)`` (vocoder, or Griffin-Lim when asked or absent)."""
        return self.mel_to_wave(self.decode_mel(z), griffin_lim)

    def windows(self, num_samples: int, overlap_seconds: float = 1.0) -> list[int]:
        """Start samples of clip windows covering ``num_samples``; the last one ends at the end."""
        if num_samples <= self.clip_samples:
            return [0]
        hop = self.clip_samples - int(overlap_seconds * self.sample_rate)
        starts = list(range(0, num_samples - self.clip_samples, hop))
        return starts + [num_samples - self.clip_samples]

    def encode_file(self, path: str | os.PathLike, overlap_seconds: float = 1.0) -> Trajectory:
        """Any audio file -> its latent trajectory (clip windows overlapping by ``overlap_seconds``)."""
        wave = load_audio(path, self.sample_rate)
        return self.encode_wave(wave, overlap_seconds)

    def encode_wave(self, wave: torch.Tensor | np.ndarray, overlap_seconds: float = 1.0) -> Trajectory:
        """A mono waveform ``(samples,)`` of any length -> its latent trajectory."""
        wave = as_tensor(wave)
        if wave.ndim != 1 or wave.numel() == 0:
            raise ValueError(f"expected a non-empty mono waveform (samples,), got shape {tuple(wave.shape)}")
        padded = torch.nn.functional.pad(wave, (0, max(0, self.clip_samples - wave.shape[0])))
        starts = self.windows(padded.shape[0], overlap_seconds)
        clips = torch.stack([padded[s : s + self.clip_samples] for s in starts])
        z = torch.cat([self.encode(clips[i : i + 16]) for i in range(0, len(clips), 16)])
        return Trajectory(z, starts, wave.shape[0], self.sample_rate)

    def decode_trajectory(self, trajectory: Trajectory, griffin_lim: bool = False) -> torch.Tensor:
        """A trajectory -> one waveform ``(num_samples,)``, windows joined by normalised overlap-add."""
        z = trajectory.z
        clips = torch.cat([self.decode(z[i : i + 16], griffin_lim) for i in range(0, len(z), 16)])
        return overlap_add(
            clips, trajectory.starts, max(trajectory.num_samples, self.clip_samples), fade=int(0.5 * self.sample_rate)
        )[: trajectory.num_samples]

    def reconstruct_file(self, path: str | os.PathLike, griffin_lim: bool = False) -> torch.Tensor:
        """Encode and decode a whole file; returns ``(samples,)`` at ``sample_rate``, its true length."""
        return self.decode_trajectory(self.encode_file(path), griffin_lim)


def overlap_add(clips: torch.Tensor, starts: list[int], num_samples: int, fade: int) -> torch.Tensor:
    """Join ``clips (K, L)`` placed at ``starts`` into ``(num_samples,)``.

    Each clip is weighted by a raised-cosine ramp over ``fade`` samples at its inner edges and the
    sum is divided by the summed weights: in an overlap one clip fades into the next, elsewhere a
    clip passes unchanged, so no seam is louder or quieter than its surroundings.
    """
    length, device = clips.shape[1], clips.device
    fade = max(1, min(fade, length // 2))
    ramp = 0.5 - 0.5 * torch.cos(torch.linspace(0, torch.pi, fade + 2, device=device)[1:-1])
    out = torch.zeros(num_samples, device=device)
    weight = torch.zeros(num_samples, device=device)
    for k, (clip, start) in enumerate(zip(clips, starts)):
        w = torch.ones(length, device=device)
        if k > 0:
            w[:fade] = ramp
        if k < len(starts) - 1:
            w[-fade:] = ramp.flip(0)
        out[start : start + length] += w * clip
        weight[start : start + length] += w
    return out / weight.clamp_min(1e-8)


def load(folder: str | os.PathLike, vocoder: bool = True, device: str | torch.device = "cpu") -> StageOne:
    """Load a trained VAE folder and the vocoder it refers to (hash-checked), on ``device``.

    With ``vocoder=False``, or when the folder refers to no vocoder, decoding uses Griffin-Lim.
    Raises :class:`genre_base.artifacts.ModelFolderError` with what is missing or mismatched.
    """
    folder = Path(folder)
    record = read_record(folder, "vae")
    frontend = MelFrontend(mel_settings(record))
    voc = None
    ref = record.get("references", {}).get("vocoder")
    if vocoder and ref:
        voc_dir = resolve_reference(ref, folder, "vocoder")
        voc, voc_frontend = load_vocoder(voc_dir)
        require_same_front_end(
            frontend.settings, f"the VAE at {str(folder)!r}", voc_frontend.settings, f"its vocoder at {str(voc_dir)!r}"
        )
    # Shipped models store fp16 weights (half the size); they always run in float32.
    vae = load_weights(MelVAE, folder, torch_dtype=torch.float32)
    require_model_front_end(vae.config, frontend.settings, f"the VAE at {str(folder)!r}")
    return StageOne(vae, voc, frontend, record["latent"]["clip_seconds"], folder).to(device)
