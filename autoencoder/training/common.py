"""Pieces shared by the stage-one training tasks: fixed evaluation clips, data records, media."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

from ..clips import PreparedDataset
from ..plots import mel_figure


def fixed_clips(data: PreparedDataset, split: str, count: int, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """``count`` clips of ``split`` spread over as many tracks as possible, always the same ones.

    Returns waves ``(count, clip_samples)`` and their row indices. Falls back to train when the
    split is empty (the shared GTZAN copy has no valid track for rock, for example).
    """
    rows = data.indices(split)
    if len(rows) == 0:
        rows = data.indices("train")
    rng = np.random.default_rng(seed)
    # One clip per track first, then more clips of the same tracks if count asks for it.
    order = rng.permutation(rows)
    _, first = np.unique(data.track_ids[order], return_index=True)
    picked = list(order[np.sort(first)]) + [r for r in order if r not in set(order[first])]
    picked = np.array(picked[:count])
    return data.waves(picked), picked


def data_record(data: PreparedDataset) -> dict:
    """What a model folder records about the data it was trained on."""
    s = data.summary
    return {"source": s["source"], "fingerprint": data.meta["fingerprint"], "num_clips": s["num_clips"],
            "num_tracks": s["num_tracks"], "split_rules": s["split_rules"],
            "clips_per_genre_split": s["clips_per_genre_split"]}


def add_mel_images(writer: SummaryWriter, tag: str, mels: list[tuple[str, torch.Tensor]], step: int) -> None:
    """One figure of stacked mels ``(n_mels, T)`` with labels, logged as an image."""
    import matplotlib.pyplot as plt

    fig = mel_figure(mels, row_height=2.2, width=8)
    writer.add_figure(tag, fig, step)
    plt.close(fig)


def add_audio(writer: SummaryWriter, tag: str, wave: torch.Tensor, step: int, sample_rate: int) -> None:
    peak = float(wave.abs().max()) or 1.0
    writer.add_audio(tag, (wave / max(1.0, peak)).detach().cpu().float().reshape(1, -1), step, sample_rate)



