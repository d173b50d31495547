"""What the app does, without the UI: generate, reconstruct, interpolate, explore.

Every function takes the loaded :class:`AppModels` and plain values and returns numpy audio
``(sample_rate, (samples,) int16)`` plus figures and small tables, so it is unit-tested without
a server (``tests/test_app.py``) and the Gradio layer (:mod:`genre_ldm.app.ui`) only wires it up.
Uploads are read by the project's own loader (soundfile: wav, flac, ogg, mp3...; no FFmpeg).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

import autoencoder
from genre_base import UserError
from genre_base import metrics as M
from genre_base.audio import AudioLoadError, load_audio

from .explore_map import ExploreMap, load_map

MAX_UPLOAD_SECONDS = 120.0  # longer uploads are refused: reconstruction at three sizes stays under a minute
MAX_INTERPOLATION_STEPS = 12
SCORES = ("yardstick_db", "yardstick_onset_corr", "chroma4096_corr")  # reconstruct's table, front-end free
Audio = tuple[int, np.ndarray]


class UploadError(UserError):
    """An uploaded file is not audio, is empty, or is longer than :data:`MAX_UPLOAD_SECONDS`."""


@dataclass
class AppModels:
    pipeline: object | None  # diffusion.GenreLatentPipeline, or None when no pipeline is shipped
    stage_ones: dict[int, autoencoder.StageOne]  # latent size D -> codec (VAE + vocoder)
    explore: ExploreMap | None
    data: autoencoder.PreparedDataset | None  # the dataset's audio, for originals in Explore
    explore_codec: autoencoder.StageOne | None = None  # the VAE the map's latents decode with

    @property
    def sample_rate(self) -> int:
        return next(iter(self.stage_ones.values())).sample_rate

    @property
    def genres(self) -> list[str]:
        return list(self.pipeline.genres) if self.pipeline is not None else []


def load_models(
    models: str | os.PathLike = "models",
    sizes: tuple[int, ...] = (540, 1080, 2160),
    data: str | os.PathLike | None = None,
    device: str = "cpu",
) -> AppModels:
    """The shipped models under ``models``: ``vae-<D>`` for each size that exists, ``diffusion``
    and ``explore/map.npz`` when present; ``data`` a prepared dataset for originals (optional)."""
    root = Path(models)
    stage_ones = {d: autoencoder.load(root / f"vae-{d}", device=device) for d in sizes if (root / f"vae-{d}").is_dir()}
    if not stage_ones:
        raise UserError(f"no stage-one model in {str(root)!r} (looked for vae-{', vae-'.join(map(str, sizes))})")
    pipeline = None
    if (root / "diffusion").is_dir():
        from diffusion import load_pipeline

        pipeline = load_pipeline(root / "diffusion", device=device)
    explore = load_map(root / "explore" / "map.npz") if (root / "explore" / "map.npz").is_file() else None
    explore_codec = _map_codec(explore, root, stage_ones, device) if explore is not None else None
    dataset = autoencoder.PreparedDataset(data) if data and (Path(data) / "dataset.json").is_file() else None
    return AppModels(pipeline, stage_ones, explore, dataset, explore_codec)


def _map_codec(
    explore: ExploreMap, root: Path, stage_ones: dict[int, autoencoder.StageOne], device: str
) -> autoencoder.StageOne | None:
    """The VAE the map's latents were encoded by: the shipped folder whose content hash the map records
    (a VAE of the same size retrained since, or of another front-end, would decode them into noise)."""
    from genre_base.artifacts import content_hash

    wanted = explore.manifest.get("model_hash")
    for codec in stage_ones.values():
        if codec.folder is not None and content_hash(codec.folder) == wanted:
            return codec
    for folder in sorted(root.glob("vae-*")):
        if (folder / "config.json").is_file() and content_hash(folder) == wanted:
            return autoencoder.load(folder, device=device)
    return None


def read_upload(path: str | os.PathLike | None, sample_rate: int) -> torch.Tensor:
    """An uploaded file as mono ``(samples,)`` at ``sample_rate``; bad uploads raise :class:`UploadError`."""
    if path is None or not Path(path).is_file():
        raise UploadError("no file was uploaded")
    try:
        seconds = sf.info(str(path)).duration
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise UploadError(
            f"{Path(path).name!r} is not an audio file that can be read (wav, flac, ogg, mp3...)"
        ) from exc
    if seconds > MAX_UPLOAD_SECONDS:
        raise UploadError(
            f"{Path(path).name!r} is {seconds:.0f} s long; the app takes up to {MAX_UPLOAD_SECONDS:.0f} s "
            "(cut it, or use genre-ldm reconstruct for whole files)"
        )
    try:
        wave = load_audio(path, sample_rate)
    except AudioLoadError as exc:
        raise UploadError(str(exc)) from exc
    if wave.numel() == 0 or float(wave.abs().max()) == 0.0:
        raise UploadError(f"{Path(path).name!r} is empty or silent")
    return wave


def _audio(wave: torch.Tensor, sample_rate: int) -> Audio:
    """``(sample_rate, int16 samples)``: what Gradio writes to a wav file without converting (or FFmpeg)."""
    samples = wave.detach().float().cpu().clamp(-1.0, 1.0).numpy()
    return sample_rate, np.round(samples * 32767).astype(np.int16)


def mel_figure(codec: autoencoder.StageOne, waves: list[tuple[str, torch.Tensor]]):
    """A matplotlib figure of the log-mels of ``(label, wave (samples,))`` rows."""
    from genre_base.plots import mel_figure as draw

    with torch.no_grad():
        return draw([(label, codec.frontend(w.to(codec.device)[None])[0].cpu()) for label, w in waves])


def generate(models: AppModels, genre: str, guidance: float, steps: int, seed: int, seconds: float):
    """One generated clip (or song, above 5 s) of ``genre``: ``(audio, mel figure)``."""
    if models.pipeline is None:
        raise UserError("no diffusion pipeline is shipped in the models folder")
    if genre not in models.genres:
        raise UserError(f"unknown genre {genre!r}; the pipeline knows {', '.join(models.genres)}")
    if seconds <= 0:
        raise UserError(f"length must be > 0 s, got {seconds}")
    generator = torch.Generator().manual_seed(int(seed))
    out = models.pipeline(
        genre,
        num_inference_steps=int(steps),
        guidance_scale=float(guidance),
        generator=generator,
        audio_length_in_s=float(seconds),
        output_type="pt",
    )
    wave = out.audios[0]
    codec = models.pipeline.codec
    return _audio(wave, codec.sample_rate), mel_figure(codec, [(f"generated {genre}", wave)])


def reconstruct(models: AppModels, path: str | os.PathLike | None):
    """Reconstructions of an uploaded file at every shipped size and with Griffin-Lim (its own mel).

    Returns ``(original audio, {name: audio}, mel figure, rows)`` where ``rows`` are
    ``[name, distance (dB), onset corr, harmony corr]`` against the original, all three on the
    front-end-free 4,096-point yardstick (:func:`genre_base.metrics.yardstick`, :func:`~genre_base.metrics.chroma`),
    so sizes whose models use different front-ends are scored alike.
    """
    codecs = models.stage_ones
    first = next(iter(codecs.values()))
    wave = read_upload(path, first.sample_rate).to(first.device)
    outputs: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for size, codec in sorted(codecs.items()):
            outputs[f"VAE D={size} + vocoder"] = codec.decode_trajectory(codec.encode_wave(wave))
        outputs["Griffin-Lim of the original mel (no latent)"] = first.griffin_lim(
            first.frontend(wave[None]), wave.shape[0]
        )[0]
        rows = []
        for name, out in outputs.items():
            scores = M.compare(first.frontend, wave[None], out[None])
            rows.append([name, *(round(float(scores[k][0]), 3) for k in SCORES)])
    figure = mel_figure(first, [("original", wave)] + [(k, v) for k, v in outputs.items()])
    return (
        _audio(wave, first.sample_rate),
        {k: _audio(v, first.sample_rate) for k, v in outputs.items()},
        figure,
        rows,
    )


def _endpoint(models: AppModels, codec: autoencoder.StageOne, path, genre: str | None) -> tuple[torch.Tensor, str]:
    if path is not None:
        from diffusion.manipulate import clip_at

        clip = clip_at(read_upload(path, codec.sample_rate), codec.clip_samples)  # its middle 5 s
        with torch.no_grad():
            return codec.encode(clip[None].to(codec.device))[0], Path(path).name
    if genre:
        if models.explore is None:
            raise UserError("interpolating between genres needs the shipped explore map (models/explore/map.npz)")
        keep = (models.explore.label == genre) & np.char.startswith(models.explore.source.astype(str), "gtzan-train")
        if not keep.any():
            raise UserError(f"unknown genre {genre!r}; the map has: {', '.join(sorted(set(models.explore.label)))}")
        return torch.from_numpy(models.explore.means[keep].mean(0)).float().to(codec.device), f"mean {genre}"
    raise UserError("give each end of the interpolation a file or a genre")


def interpolate(
    models: AppModels, path_a=None, path_b=None, genre_a: str | None = None, genre_b: str | None = None, steps: int = 5
):
    """``steps`` clips on the straight line between two latents (files or genre means), joined with
    short silences: ``(audio, mel figure)``. Uses the map's VAE when shipped, else the smallest size."""
    if not 2 <= int(steps) <= MAX_INTERPOLATION_STEPS:
        raise UserError(f"steps must be in 2..{MAX_INTERPOLATION_STEPS}, got {steps}")
    codec = models.explore_codec or models.stage_ones[min(models.stage_ones)]
    za, name_a = _endpoint(models, codec, path_a, genre_a)
    zb, name_b = _endpoint(models, codec, path_b, genre_b)
    w = torch.linspace(0, 1, int(steps), device=za.device)[:, None]
    with torch.no_grad():
        clips = codec.decode((1 - w) * za[None] + w * zb[None])
    gap = torch.zeros(int(0.25 * codec.sample_rate), device=clips.device)
    joined = torch.cat([torch.cat([c, gap]) for c in clips])[: -gap.shape[0]]
    labels = [f"{name_a} ({1 - float(t):.2f}) -> {name_b} ({float(t):.2f})" for t in w[:, 0]]
    return _audio(joined, codec.sample_rate), mel_figure(codec, list(zip(labels, clips)))


def map_figure(explore: ExploreMap, highlight: int | None = None):
    """The map as a figure whose axes fill it exactly, so a click's pixel maps back to coordinates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    labels = sorted(set(explore.label.tolist()))
    cmap = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    for i, label in enumerate(labels):
        rows = explore.label == label
        ood = label == "out-of-dataset"
        ax.scatter(
            *explore.xy[rows].T,
            s=22 if ood else 9,
            marker="x" if ood else "o",
            color="black" if ood else cmap(i % cmap.N),
            alpha=0.9 if ood else 0.65,
            label=label,
        )
    if highlight is not None:
        ax.scatter(*explore.xy[highlight], s=260, facecolors="none", edgecolors="red", linewidths=2.5)
    ax.set_xlim(*_limits(explore.xy[:, 0]))
    ax.set_ylim(*_limits(explore.xy[:, 1]))
    ax.set_xticks([]), ax.set_yticks([])
    ax.legend(loc="upper left", fontsize=7, ncol=2, framealpha=0.8)
    return fig


def map_figure_image(explore: ExploreMap, highlight: int | None = None):
    """:func:`map_figure` rendered to a PIL image (800 x 600): what the Explore tab shows and clicks on."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig = map_figure(explore, highlight)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _limits(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def pixel_to_map(explore: ExploreMap, px: float, py: float, width: int, height: int) -> tuple[float, float]:
    """A click at pixel ``(px, py)`` (origin top left) of the ``width x height`` map image -> map coordinates."""
    (x0, x1), (y0, y1) = _limits(explore.xy[:, 0]), _limits(explore.xy[:, 1])
    return x0 + px / width * (x1 - x0), y1 - py / height * (y1 - y0)


def explore_point(models: AppModels, row: int):
    """The map's clip ``row``: ``(decoded audio, original audio or None, description)``."""
    explore, codec = models.explore, models.explore_codec
    if explore is None or codec is None:
        raise UserError("no explore map (or not the VAE it was made with) is shipped in the models folder")
    if not 0 <= row < len(explore.xy):
        raise UserError(f"point {row} is outside the map (0..{len(explore.xy) - 1})")
    with torch.no_grad():
        decoded = codec.decode(torch.from_numpy(explore.means[row][None]).float().to(codec.device))[0]
    return _audio(decoded, codec.sample_rate), _original(models, row), explore.describe(row)


def _original(models: AppModels, row: int) -> Audio | None:
    data, explore = models.data, models.explore
    if data is None or not str(explore.source[row]).startswith("gtzan"):
        return None
    clip = int(round(float(explore.start_seconds[row]) / float(data.meta["clip_seconds"])))
    match = np.flatnonzero((data.track_ids == explore.track_id[row]) & (data.clip_index == clip))
    return _audio(data.wave(int(match[0])), data.sample_rate) if len(match) else None
