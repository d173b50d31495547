"""A tiny Task for testing the training loop itself: a linear model, a scripted validation curve.

``validate`` returns ``|step - best_step|`` so the best model is known in advance, and
``interrupt_at`` raises KeyboardInterrupt in ``loss`` to stand in for a kill mid-run, ``interrupt_export`` in
``export`` after the weights are written and before the metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from genre_base.files import write_json


class ScriptedTask:
    def __init__(self, best_step: int = 3, interrupt_at: int | None = None, interrupt_export: bool = False) -> None:
        torch.manual_seed(0)
        self.model = nn.Linear(4, 1)
        self.best_step, self.interrupt_at, self.interrupt_export = best_step, interrupt_at, interrupt_export
        self.target = torch.tensor([1.0, -2.0, 0.5, 3.0])
        self.device = torch.device("cpu")

    def to(self, device: torch.device) -> None:
        self.device = device
        self.target = self.target.to(device)

    def train_dataset(self) -> torch.utils.data.Dataset:
        x = torch.randn(64, 4, generator=torch.Generator().manual_seed(1))
        return torch.utils.data.TensorDataset(x)

    def loss(self, model: nn.Module, batch, step: int) -> dict[str, torch.Tensor]:
        if self.interrupt_at is not None and step + 1 == self.interrupt_at:
            raise KeyboardInterrupt(f"scripted interruption at step {self.interrupt_at}")
        x = batch[0]
        return {"loss": (model(x).squeeze(-1) - x @ self.target).pow(2).mean()}

    def validate(self, model: nn.Module, step: int) -> dict[str, float]:
        return {"distance": float(abs(step - self.best_step))}

    def log_media(self, model: nn.Module, writer, step: int) -> None:
        return None

    def export(self, model: nn.Module, folder: Path, metrics: dict[str, float]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, folder / "weights.pt")
        if self.interrupt_export:
            raise KeyboardInterrupt("scripted interruption in the middle of an export")
        write_json(folder / "metrics.json", metrics)


def exported(folder: Path) -> tuple[dict, dict]:
    """(metrics, state_dict) of a folder written by :meth:`ScriptedTask.export`."""
    return json.loads((folder / "metrics.json").read_text()), torch.load(folder / "weights.pt")
