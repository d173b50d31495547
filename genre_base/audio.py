"""The one audio loader (and writer) of genre-ldm.

Everything that reads audio goes through :func:`load_audio`: soundfile decodes (wav, GTZAN's
original ``.au``, flac, ogg/opus, mp3) and torchaudio resamples, so every caller gets float32
mono at the rate it asked for. ``torchaudio.load`` is not used on purpose: in torchaudio 2.11 it
needs torchcodec and FFmpeg shared libraries, while soundfile's wheel bundles libsndfile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from .errors import UserError
from .files import atomic_path

AUDIO_EXTENSIONS = frozenset({".wav", ".au", ".snd", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"})


class AudioLoadError(UserError):
    """A file could not be decoded as audio. The message names the path and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read audio file {self.path!r}: {reason}")


class AudioInfo(NamedTuple):
    sample_rate: int
    frames: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Header information of an audio file without decoding it."""
    _check_file(path)
    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types (LibsndfileError, RuntimeError)
        raise AudioLoadError(path, _reason(exc)) from exc
    return AudioInfo(int(info.samplerate), int(info.frames), int(info.channels))


# A whole file shorter than this is refused: less than one period of a 50 Hz tone is no music (a 0.3 s file is
# fine: the codec pads it to a clip).
MIN_SECONDS = 0.02


def load_audio(
    path: str | os.PathLike,
    sample_rate: int | None = None,
    offset: float = 0.0,
    duration: float | None = None,
) -> torch.Tensor:
    """Read an audio file as float32 mono.

    Args:
        path: any file soundfile can decode.
        sample_rate: output rate; ``None`` keeps the file's rate.
        offset: start of the slice in seconds (only that slice is decoded).
        duration: length of the slice in seconds; ``None`` reads to the end.

    Returns:
        Tensor of shape ``(samples,)``, float32, channels averaged.

    Raises:
        AudioLoadError: the file is missing, empty, not decodable, or shorter than :data:`MIN_SECONDS`.
        ValueError: a negative ``offset`` / ``duration`` or a non-positive ``sample_rate``.
    """
    if offset < 0:
        raise ValueError(f"offset must be >= 0 seconds, got {offset}")
    if duration is not None and duration < 0:
        raise ValueError(f"duration must be >= 0 seconds or None, got {duration}")
    if sample_rate is not None and sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer or None, got {sample_rate}")
    _check_file(path)
    try:
        with sf.SoundFile(str(path)) as f:
            native_rate = int(f.samplerate)
            start = int(round(offset * native_rate))
            frames = -1 if duration is None else int(round(duration * native_rate))
            if start:
                f.seek(min(start, f.frames))
            data = f.read(frames=frames, dtype="float32", always_2d=True)
            total = int(f.frames)
    except Exception as exc:
        raise AudioLoadError(path, _reason(exc)) from exc
    if total < MIN_SECONDS * native_rate:
        # e.g. 100 zero bytes named .au decode as 100 raw u-law samples (12 ms): nothing a user meant as music.
        # Say so instead of padding it into a clip and "reconstructing" it with exit 0.
        raise AudioLoadError(
            path,
            f"it decodes to {total} samples ({total / native_rate:.3f} s), less than the "
            f"{MIN_SECONDS} s any audio file must hold",
        )
    wave = torch.from_numpy(np.ascontiguousarray(data.mean(axis=1, dtype=np.float32)))
    if sample_rate is not None and sample_rate != native_rate:
        wave = AF.resample(wave, native_rate, sample_rate)
    return wave


def save_audio(path: str | os.PathLike, wave: torch.Tensor | np.ndarray, sample_rate: int) -> Path:
    """Write mono audio atomically (temporary file, then rename). Format from the extension.

    ``wave`` has shape ``(samples,)`` or ``(1, samples)``; values are clipped to [-1, 1].
    """
    path = Path(path)
    data = wave.detach().cpu().numpy() if isinstance(wave, torch.Tensor) else np.asarray(wave)
    data = np.clip(data.reshape(-1).astype(np.float32), -1.0, 1.0)
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".mp3": "MP3"}.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"cannot write audio with extension {path.suffix!r}; use .wav, .flac, .ogg or .mp3")
    subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}[fmt]
    with atomic_path(path) as tmp:
        sf.write(tmp, data, sample_rate, format=fmt, subtype=subtype)
    return path


def _check_file(path: str | os.PathLike) -> None:
    p = Path(path)
    if not p.is_file():
        raise AudioLoadError(path, "no such file")
    if p.stat().st_size == 0:
        raise AudioLoadError(path, "the file is empty (0 bytes)")


def _reason(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
