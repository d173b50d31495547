"""Generation with the encoder alone: interpolation, genre arithmetic and prior samples.

These are the brief's first generation experiments, and the reason stage two exists: a VAE
trained with a very small KL weight has an aggregate posterior far from its N(0, I) prior, so
prior samples decode to noise-like textures, and straight lines between two songs pass through
regions no song occupies. ``genre-ldm manipulate`` writes the audio and the judge's verdicts so
this is heard and measured rather than asserted.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

import autoencoder
from autoencoder.latents import Latents, check_made_by, load_latents
from genre_base import refuse_overwrite, save_audio, write_json
from genre_base.errors import UserError
from genre_base.plots import save_mels

log = logging.getLogger(__name__)


def middle_clip(path: str, codec: autoencoder.StageOne, offset_seconds: float | None = None) -> torch.Tensor:
    """One clip ``(clip_samples,)`` of an audio file: from ``offset_seconds``, else its middle (zero-padded if short)."""
    wave = autoencoder.load_audio(path, codec.sample_rate)
    if offset_seconds is None:
        return clip_at(wave, codec.clip_samples)
    start = int(offset_seconds * codec.sample_rate)
    if not 0 <= start < wave.shape[0]:
        raise UserError(f"--offset {offset_seconds} s is outside {path!r} ({wave.shape[0] / codec.sample_rate:.1f} s)")
    return clip_at(wave, codec.clip_samples, start)


def clip_at(wave: torch.Tensor, clip_samples: int, start: int | None = None) -> torch.Tensor:
    """``clip_samples`` of ``wave (samples,)`` from ``start`` (default: centred), zero-padded if short."""
    if start is None:
        start = max(0, (wave.shape[0] - clip_samples) // 2)
    clip = wave[start : start + clip_samples]
    return torch.nn.functional.pad(clip, (0, clip_samples - clip.shape[0]))


def interpolate(za: torch.Tensor, zb: torch.Tensor, steps: int) -> torch.Tensor:
    """Straight line from ``za (D,)`` to ``zb (D,)``: ``(steps, D)``, both ends included."""
    if steps < 2:
        raise UserError(f"--steps must be >= 2, got {steps}")
    w = torch.linspace(0, 1, steps, device=za.device)[:, None]
    return (1 - w) * za[None] + w * zb[None]


def genre_centroids(latents: Latents, split: str = "train") -> dict[str, np.ndarray]:
    """Mean latent ``(D,)`` of each genre over ``split``."""
    rows = latents.rows(split)
    return {g: latents.means[rows][latents.genre[rows] == g].mean(0) for g in sorted(set(latents.genre[rows]))}


def genre_direction(latents: Latents, source: str, target: str) -> torch.Tensor:
    """``centroid(target) - centroid(source)``, ``(D,)``; unknown genres raise a ValueError listing the known ones."""
    centroids = genre_centroids(latents)
    for name in (source, target):
        if name not in centroids:
            raise UserError(f"unknown genre {name!r}; the latents file has: {', '.join(centroids)}")
    return torch.from_numpy(centroids[target] - centroids[source]).float()


def shift(z: torch.Tensor, direction: torch.Tensor, strengths: list[float]) -> torch.Tensor:
    """``z (D,)`` moved by each strength times ``direction``: ``(len(strengths), D)``."""
    return torch.stack([z + s * direction.to(z.device) for s in strengths])


def prior_samples(latent_size: int, num: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Samples of the VAE prior N(0, I): ``(num, latent_size)``."""
    return torch.randn((num, latent_size), generator=generator)


def verdicts(judge: autoencoder.Judge, waves: torch.Tensor, names: list[str]) -> list[dict]:
    """The judge's genre, its probability and all probabilities for each named wave ``(N, samples)``."""
    probs = judge.probabilities(waves)
    return [
        {
            "file": n,
            "genre": judge.genres[int(p.argmax())],
            "probability": float(p.max()),
            "probabilities": {g: round(float(v), 4) for g, v in zip(judge.genres, p)},
        }
        for n, p in zip(names, probs)
    ]


def write_outputs(
    codec: autoencoder.StageOne,
    judge: autoencoder.Judge,
    z: torch.Tensor,
    names: list[str],
    out: str | Path,
    title: str,
    force: bool,
    extra: dict | None = None,
) -> list[dict]:
    """Decode ``z (N, D)`` to ``<out>/<name>.wav``, ``mels.png`` and ``verdicts.json``; returns the verdicts."""
    out = Path(out)
    paths = [out / f"{n}.wav" for n in names]
    refuse_overwrite(paths + [out / "verdicts.json"], force)
    mels = codec.decode_mel(z)
    waves = codec.mel_to_wave(mels)
    for path, wave in zip(paths, waves):
        save_audio(path, wave, codec.sample_rate)
    result = verdicts(judge, waves, names)
    save_mels(
        out / "mels.png",
        [(f"{n}\n{v['genre']} {v['probability']:.2f}", m) for n, v, m in zip(names, result, mels)],
        title,
    )
    write_json(out / "verdicts.json", {"title": title, **(extra or {}), "outputs": result})
    for v in result:
        log.info(f"{v['file']:>24}  judge: {v['genre']:<10} {v['probability']:.2f}")
    return result


def interpolate_files(
    codec: autoencoder.StageOne,
    judge: autoencoder.Judge,
    a: str,
    b: str,
    steps: int,
    out: str | Path,
    *,
    offset: float | None = None,
    force: bool = False,
) -> list[dict]:
    """A straight line in latent space between a clip of file ``a`` and one of ``b``, decoded and judged."""
    za, zb = (codec.encode(middle_clip(p, codec, offset))[0] for p in (a, b))
    return write_outputs(
        codec,
        judge,
        interpolate(za, zb, steps),
        [f"step{i:02d}" for i in range(steps)],
        out,
        f"{Path(a).name} -> {Path(b).name}",
        force,
        {"a": str(a), "b": str(b)},
    )


def shift_file(
    codec: autoencoder.StageOne,
    judge: autoencoder.Judge,
    a: str,
    target: str,
    latents_path: str | Path,
    out: str | Path,
    *,
    source: str | None = None,
    strength: float = 0.5,
    offset: float | None = None,
    force: bool = False,
) -> list[dict]:
    """Move a clip of ``a`` along ``centroid(target) - centroid(source)`` at 0, s/2, s and 2s; the source
    genre is the judge's verdict on the clip unless given."""
    latents = load_latents(latents_path)
    check_made_by(latents, codec.folder, str(latents_path))
    wave = middle_clip(a, codec, offset)
    from_genre = source or judge.genres[int(judge.predict(wave[None])[0])]
    strengths = [0.0, strength / 2, strength, 2 * strength]
    z = shift(codec.encode(wave)[0], genre_direction(latents, from_genre, target), strengths)
    return write_outputs(
        codec,
        judge,
        z,
        [f"strength{s:.2f}" for s in strengths],
        out,
        f"{Path(a).name}: {from_genre} -> {target}",
        force,
        {"input": str(a), "from": from_genre, "to": target, "strengths": strengths, "from_given": source is not None},
    )


def prior_clips(
    codec: autoencoder.StageOne,
    judge: autoencoder.Judge,
    num: int,
    out: str | Path,
    *,
    seed: int = 0,
    force: bool = False,
) -> list[dict]:
    """``num`` samples of the VAE prior N(0, I), decoded and judged."""
    z = prior_samples(codec.latent_size, num, torch.Generator().manual_seed(seed))
    return write_outputs(
        codec,
        judge,
        z,
        [f"prior{i}" for i in range(num)],
        out,
        f"samples of the prior N(0, I), D = {codec.latent_size}",
        force,
    )
