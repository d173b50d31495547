"""The independent music embedding: clips in, pooled musicnn features out.

emb = load_embedding()                       # models/musicnn, on the CPU
feats = emb.embed(waves, sample_rate=22050)  # (N, samples) -> {"penultimate": (N, 200), ...}
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torchaudio.functional as AF

from ..artifacts import ModelFolderError, load_weights, read_record
from ..device import resolve_device
from .musicnn import HOP_LENGTH, PATCH_FRAMES, SAMPLE_RATE, Musicnn, musicnn_log_mel

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "models" / "musicnn"
PATCH_HOP = 94  # frames (1.5 s): patches overlap by half, the last one ends where the clip ends
LAYERS = {"penultimate": 200, "pooled": 1506, "taggram": 50}
PROTOCOL = {
    "patch_frames": PATCH_FRAMES,
    "patch_hop_frames": PATCH_HOP,
    "pooling": "mean over patches",
    "short_clips": "repeated to 3 s",
    "layers": LAYERS,
}
PROTOCOL_TEXT = (
    "A clip is resampled to 16 kHz and turned into log-mel frames; 3 s patches (187 frames) start every "
    f"{PATCH_HOP} frames (1.5 s, half a patch), the last one moved back to end with the clip (a 5 s clip: "
    "3 patches starting at 0, 63 and 126 of its 313 frames); each layer is averaged over the patches. "
    "A clip shorter than 3 s is repeated to 3 s first, as the original's repeat-pad did."
)


def patch_starts(frames: int) -> list[int]:
    """First frame of each 3 s patch of a clip of ``frames`` log-mel frames (>= 187)."""
    n = math.ceil((frames - PATCH_FRAMES) / PATCH_HOP) + 1
    return sorted({round(x) for x in np.linspace(0, frames - PATCH_FRAMES, n)})


class MusicEmbedding:
    """The converted MSD_musicnn and the protocol that turns a clip into one vector per layer."""

    def __init__(self, model: Musicnn, folder: Path, record: dict) -> None:
        self.model = model.eval()
        self.folder = folder
        self.record = record

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device: torch.device | str) -> MusicEmbedding:
        self.model.to(resolve_device(device))
        return self

    @torch.no_grad()
    def embed(self, waves: torch.Tensor, sample_rate: int, batch: int = 16) -> dict[str, np.ndarray]:
        """(N, samples) mono audio at ``sample_rate`` -> {layer: (N, dim) float32 array} for :data:`LAYERS`."""
        if waves.dim() != 2:
            raise ValueError(f"waves must be (clips, samples), got shape {tuple(waves.shape)}")
        out: dict[str, list[np.ndarray]] = {name: [] for name in LAYERS}
        for i in range(0, len(waves), batch):
            for name, value in self._embed_batch(waves[i : i + batch].float(), sample_rate).items():
                out[name].append(value.cpu().numpy())
        return {name: np.concatenate(v) if v else np.zeros((0, LAYERS[name]), np.float32) for name, v in out.items()}

    def _embed_batch(self, waves: torch.Tensor, sample_rate: int) -> dict[str, torch.Tensor]:
        wave = (
            AF.resample(waves.to(self.device), sample_rate, SAMPLE_RATE)
            if sample_rate != SAMPLE_RATE
            else waves.to(self.device)
        )
        min_samples = PATCH_FRAMES * HOP_LENGTH
        if wave.shape[1] < min_samples:
            if wave.shape[1] == 0:
                raise ValueError("cannot embed empty clips")
            wave = wave.repeat(1, math.ceil(min_samples / wave.shape[1]))
        mel = musicnn_log_mel(wave)
        starts = patch_starts(mel.shape[1])
        patches = torch.cat([mel[:, s : s + PATCH_FRAMES] for s in starts])  # (P * B, 187, 96), patch-major
        feats = self.model(patches)
        layers = {
            "penultimate": feats["penultimate"],
            "taggram": feats["taggram"],
            "pooled": torch.cat([feats["mean_pool"], feats["max_pool"]], dim=1),
        }
        return {name: v.reshape(len(starts), len(waves), -1).mean(0) for name, v in layers.items()}


def load_embedding(folder: str | Path | None = None, device: str | torch.device = "cpu") -> MusicEmbedding:
    """The independent embedding from ``folder`` (default: the shipped ``models/musicnn``)."""
    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    record = read_record(folder, kind="musicnn")
    if not (folder / "config.json").is_file():
        raise ModelFolderError(f"{str(folder)!r} has no config.json; convert it with scripts/dev/convert_musicnn.py")
    model = load_weights(Musicnn, folder)
    return MusicEmbedding(model, folder, record).to(device)
