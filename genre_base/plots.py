"""The one way mels are drawn: a column of normalised log-mels, same colour scale everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .files import atomic_path

VMIN, VMAX = -3.5, 2.5  # normalised log-mel range shown (about -85 dB to -20 dB of full scale)


def mel_figure(mels: list[tuple[str, torch.Tensor]], title: str = "", row_height: float = 1.6, width: float = 9.0):
    """A matplotlib figure of ``(label, mel (n_mels, frames))`` rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(mels), 1, figsize=(width, row_height * len(mels) + 0.4), squeeze=False)
    for ax, (label, mel) in zip(axes[:, 0], mels):
        # nearest: every mel bin and frame as it is (no smoothing), which also halves the PNG
        ax.imshow(
            mel.detach().cpu().float().numpy(),
            origin="lower",
            aspect="auto",
            vmin=VMIN,
            vmax=VMAX,
            cmap="magma",
            interpolation="nearest",
        )
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Save a figure atomically (temporary file, then rename) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    return path


def save_mels(path: str | os.PathLike, mels: list[tuple[str, torch.Tensor]], title: str = "") -> Path:
    """:func:`mel_figure` written to ``path`` (PNG)."""
    return save_figure(mel_figure(mels, title), path)
