"""Pieces shared by the stage-one training tasks: data records, the training mix, media."""

from __future__ import annotations

import torch
from torch.utils.data import ConcatDataset, Dataset
from torch.utils.tensorboard import SummaryWriter

from ..clips import ClipDataset, PreparedDataset
from ..extra import extra_record, load_extra
from ..plots import mel_figure


def data_record(data: PreparedDataset, extras: list[PreparedDataset] = ()) -> dict:
    """What a model folder records about the data it was trained on (and extra training music)."""
    s = data.summary
    record = {
        "source": s["source"],
        "fingerprint": data.meta["fingerprint"],
        "num_clips": s["num_clips"],
        "num_tracks": s["num_tracks"],
        "split_rules": s["split_rules"],
        "clips_per_genre_split": s["clips_per_genre_split"],
    }
    if extras:
        record["extra_training_music"] = [extra_record(e) for e in extras]
    return record


def load_extras(sources: list[str], main: PreparedDataset) -> list[PreparedDataset]:
    """The extra training music folders as prepared datasets (prepared and cached on first use)."""
    return [load_extra(src, main) for src in sources]


class _Unlabelled(Dataset):
    """Clips of extra music with the label -1: no genre is ever learnt from them."""

    def __init__(self, clips: ClipDataset) -> None:
        self.clips = clips

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.clips[i][0], -1


def training_set(
    data: PreparedDataset, extras: list[PreparedDataset], extra_fraction: float, **clip_options
) -> Dataset:
    """Training clips of ``data`` plus those of ``extras``, mixed so that about ``extra_fraction`` of
    the clips drawn come from the extras (the smaller side is repeated; items ``(wave, label)``)."""
    main = ClipDataset(data, "train", **clip_options)
    if not extras:
        return main
    if not 0 < extra_fraction < 1:
        raise ValueError(f"extra_fraction must be in (0, 1) when extra music is given, got {extra_fraction}")
    extra = ConcatDataset([_Unlabelled(ClipDataset(e, "train", **clip_options)) for e in extras])
    ratio = extra_fraction / (1 - extra_fraction) * len(main) / len(extra)  # copies of extra per copy of main
    main_copies, extra_copies = (1, max(1, round(ratio))) if ratio >= 1 else (max(1, round(1 / ratio)), 1)
    return ConcatDataset([main] * main_copies + [extra] * extra_copies)


def random_gain(wave: torch.Tensor, gain_db: float) -> torch.Tensor:
    """``wave (N, samples)`` scaled by a gain drawn uniformly in +-``gain_db`` dB per clip."""
    if gain_db <= 0:
        return wave
    db = (torch.rand(wave.shape[0], 1, device=wave.device) * 2 - 1) * gain_db
    return wave * 10 ** (db / 20)


def add_mel_images(writer: SummaryWriter, tag: str, mels: list[tuple[str, torch.Tensor]], step: int) -> None:
    """One figure of stacked mels ``(n_mels, T)`` with labels, logged as an image."""
    import matplotlib.pyplot as plt

    fig = mel_figure(mels, row_height=2.2, width=8)
    writer.add_figure(tag, fig, step)
    plt.close(fig)


def add_audio(writer: SummaryWriter, tag: str, wave: torch.Tensor, step: int, sample_rate: int) -> None:
    peak = float(wave.abs().max()) or 1.0
    writer.add_audio(tag, (wave / max(1.0, peak)).detach().cpu().float().reshape(1, -1), step, sample_rate)
