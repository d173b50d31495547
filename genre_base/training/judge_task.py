"""Training the judge: class-weighted cross-entropy on real training clips, with augmentation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score
from torch import nn

from ..artifacts import save_model
from ..clips import ClipDataset, PreparedDataset
from ..judge import GenreJudge
from ..mel import MelFrontend, MelSettings
from .common import data_record
from .loop import LoopConfig


@dataclass
class JudgeModelConfig:
    channels: list[int] = field(default_factory=lambda: [16, 32, 64, 96])
    embedding_dim: int = 32
    dropout: float = 0.3


@dataclass
class JudgeTrainConfig:
    mel: MelSettings = field(default_factory=MelSettings)
    model: JudgeModelConfig = field(default_factory=JudgeModelConfig)
    loop: LoopConfig = field(
        default_factory=lambda: LoopConfig(max_steps=1500, batch_size=32, lr=2e-3, weight_decay=1e-4, ema_decay=0.99)
    )
    gain_db: float = 6.0
    freq_mask: int = 12  # SpecAugment-style masks: the judge must not hang on one band or moment
    time_mask: int = 40


def judge_scores(judge_logits: torch.Tensor, labels: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy (over the genres present) and Cohen's kappa."""
    import warnings

    pred = judge_logits.argmax(-1).cpu().numpy()
    with warnings.catch_warnings():  # a split may lack a genre the judge predicts (valid has no rock)
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(labels, pred))
    return {
        "accuracy": float((pred == labels).mean()),
        "balanced_accuracy": balanced,
        "cohen_kappa": float(cohen_kappa_score(labels, pred)),
    }


class JudgeTask:
    """Implements :class:`genre_base.training.loop.Task` for the genre judge."""

    def __init__(self, cfg: JudgeTrainConfig, data: PreparedDataset) -> None:
        self.cfg, self.data = cfg, data
        self.frontend = MelFrontend(cfg.mel)
        self.genres = data.genre_names
        self.model = GenreJudge(
            num_genres=len(self.genres),
            n_mels=cfg.mel.n_mels,
            channels=tuple(cfg.model.channels),
            embedding_dim=cfg.model.embedding_dim,
            dropout=cfg.model.dropout,
        )
        train_labels = np.array([data.label(int(r)) for r in data.indices("train")])
        counts = np.bincount(train_labels, minlength=len(self.genres)).astype(float)
        # Inverse-frequency weights: classical is a third of the shared copy and must not win by default.
        self.class_weights = torch.tensor(counts.sum() / np.maximum(counts, 1) / len(self.genres), dtype=torch.float32)
        rows = data.indices("valid")
        self.valid_rows = rows if len(rows) else data.indices("train")

    def to(self, device: torch.device) -> None:
        self.frontend.to(device)
        self.class_weights = self.class_weights.to(device)

    def train_dataset(self) -> ClipDataset:
        return ClipDataset(self.data, "train", random_shift=True)

    def _augment(self, mel: torch.Tensor) -> torch.Tensor:
        mel = mel.clone()
        for i in range(mel.shape[0]):
            f = int(torch.randint(0, self.cfg.freq_mask + 1, ()))
            f0 = int(torch.randint(0, mel.shape[1] - f + 1, ()))
            t = int(torch.randint(0, self.cfg.time_mask + 1, ()))
            t0 = int(torch.randint(0, mel.shape[2] - t + 1, ()))
            mel[i, f0 : f0 + f] = self.frontend.floor
            mel[i, :, t0 : t0 + t] = self.frontend.floor
        return mel

    def loss(self, model: nn.Module, batch, step: int) -> dict[str, torch.Tensor]:
        wave, labels = batch
        with torch.no_grad():
            db = (torch.rand(wave.shape[0], 1, device=wave.device) * 2 - 1) * self.cfg.gain_db
            mel = self._augment(self.frontend(wave * 10 ** (db / 20)))
        logits = model(mel)
        loss = F.cross_entropy(logits, labels, weight=self.class_weights)
        return {"loss": loss, "train_accuracy": (logits.argmax(-1) == labels).float().mean()}

    def logits(self, model: nn.Module, rows: np.ndarray) -> torch.Tensor:
        out = []
        for i in range(0, len(rows), 32):
            wave = self.data.waves(rows[i : i + 32]).to(self.class_weights.device)
            out.append(model(self.frontend(wave)))
        return torch.cat(out)

    def validate(self, model: nn.Module, step: int) -> dict[str, float]:
        labels = np.array([self.data.label(int(r)) for r in self.valid_rows])
        return judge_scores(self.logits(model, self.valid_rows), labels)

    def log_media(self, model: nn.Module, writer, step: int) -> None:
        return None

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
        # The judge is reported on real test clips beside every figure it produces.
        rows = self.data.indices("test")
        test = {}
        if len(rows):
            labels = np.array([self.data.label(int(r)) for r in rows])
            test = {f"test_{k}": v for k, v in judge_scores(self.logits(model, rows), labels).items()}
            test["test_chance_balanced_accuracy"] = 1.0 / len(self.genres)
        save_model(
            model,
            folder,
            "judge",
            self.cfg.mel,
            data=data_record(self.data),
            metrics={**{f"valid_{k}": v for k, v in metrics.items()}, **test},
            extra={"genres": self.genres},
        )
