"""Encode a prepared dataset into a latents file: a VAE's posterior means, or a baseline's features.

Every non-silent clip of every split is written with its posterior mean (and log-variance when
asked), track id, genre, split and clip index; the manifest records the model and its hash, mel
settings, latent layout, per-dimension normalisation over train, and the command. Baselines: MFCC
statistics (mean and std of 20 MFCCs: 40 floats) and PCA of flattened log-mels (fitted on train, plus
any extra training music a VAE it stands beside was trained on: the same training audio).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

import autoencoder
from autoencoder.latents import FORMAT_VERSION, Latents, normalisation_stats, save_latents
from autoencoder.pca import MelPCA, training_mels
from genre_base.artifacts import command_line, content_hash, front_end_of, read_record
from genre_base.errors import UserError, refuse_overwrite
from genre_base.extra import extra_record, load_extra
from genre_base.features import mfcc_stats

BASELINES = ("mfcc", "pca", "musicnn")


def encode_rows(
    fn: Callable[[torch.Tensor], tuple],
    data: autoencoder.PreparedDataset,
    rows: np.ndarray,
    batch: int = 32,
    progress: bool = True,
) -> list[np.ndarray]:
    """Apply ``fn`` (waves ``(B, samples)`` -> tuple of arrays ``(B, ...)``) to the clips ``rows`` in batches."""
    outs = []
    for i in tqdm(range(0, len(rows), batch), desc="encoding", unit="batch", disable=not progress):
        outs.append(fn(data.waves(rows[i : i + batch])))
    return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]


def encode_dataset(
    data: str | Path,
    out: str | Path,
    *,
    model: str | Path | None = None,
    baseline: str | None = None,
    dim: int | None = None,
    logvars: bool = False,
    force: bool = False,
    device: str = "auto",
    progress: bool = True,
    pca_extra: tuple[str | Path, ...] = (),
    mel_of: str | Path | None = None,
) -> Latents:
    """Write the latents file ``out`` for the dataset at ``data``: with exactly one of ``model`` (a VAE
    folder) or ``baseline`` (``mfcc``; ``pca`` with ``dim``; ``musicnn``: the independent embedding's
    200-float penultimate layer, a reference that never saw this dataset). ``pca_extra``: folders of extra
    training music the PCA is fitted on beside the train split (as the VAE it is compared with was).
    ``mel_of``: a model folder whose front-end the mfcc / pca baselines use (default: today's front-end).
    Returns what was written."""
    if (model is None) == (baseline is None):
        raise UserError("give exactly one of a VAE model folder and a baseline (mfcc, pca or musicnn)")
    if baseline is not None and baseline not in BASELINES:
        raise UserError(f"unknown baseline {baseline!r}; expected one of {list(BASELINES)}")
    if baseline == "pca" and not dim:
        raise UserError("the PCA baseline needs a dimension (--dim)")
    if mel_of is not None and baseline not in ("mfcc", "pca"):
        raise UserError("--mel-of only applies to the mfcc and pca baselines (a VAE uses its own front-end)")
    if pca_extra and baseline != "pca":
        raise UserError("extra training music (--pca-extra) only applies to the PCA baseline")
    refuse_overwrite([out], force)
    dataset = autoencoder.PreparedDataset(data)
    rows = dataset.indices(None)
    if model is not None:
        means, logvar, identity = _vae_features(Path(model), dataset, rows, device, progress)
    else:
        means, identity = (
            _musicnn_features(dataset, rows, device, progress)
            if baseline == "musicnn"
            else _baseline_features(baseline, dim, dataset, rows, progress, pca_extra, mel_of)
        )
        logvar = None
    split = dataset.splits[rows]
    mean, std = normalisation_stats(means, split)
    manifest = {
        "format_version": FORMAT_VERSION,
        **identity,
        "latent_size": int(means.shape[1]),
        "mean": mean,
        "std": std,
        "command": command_line(),
        "data": {"path": str(data), "fingerprint": dataset.meta["fingerprint"]},
    }
    latents = Latents(
        means.astype(np.float32),
        dataset.track_ids[rows],
        dataset.genres[rows],
        split,
        dataset.clip_index[rows],
        manifest,
        logvar if logvars else None,
    )
    save_latents(out, latents)
    return latents


def _vae_features(model: Path, data: autoencoder.PreparedDataset, rows: np.ndarray, device: str, progress: bool):
    codec = autoencoder.load(model, vocoder=False, device=device)
    record = read_record(model, "vae")

    def fn(w):
        post = codec.posterior(w)
        return post.mean.cpu().numpy(), post.logvar.cpu().numpy()

    means, logvar = encode_rows(fn, data, rows, progress=progress)
    latent = record["latent"]
    identity = {
        "kind": "vae",
        "model_id": str(model),
        "model_hash": content_hash(model),
        "mel": record["mel"],
        "layout": {
            "global_size": latent.get("global_size", 0),
            "channels": latent["channels"],
            "frames": latent["frames"],
        },
    }
    return means, logvar, identity


def _baseline_features(
    baseline: str,
    dim: int | None,
    data: autoencoder.PreparedDataset,
    rows: np.ndarray,
    progress: bool,
    pca_extra: tuple[str | Path, ...] = (),
    mel_of: str | Path | None = None,
):
    # A baseline stands beside a model: it sees that model's front-end (mel_of), by default today's.
    frontend = autoencoder.MelFrontend(front_end_of(mel_of))
    identity = {
        "kind": baseline,
        "model_id": f"baseline:{baseline}{dim or ''}",
        "model_hash": data.meta["fingerprint"],
        "mel": frontend.settings.to_dict(),
        "layout": None,
    }
    if baseline == "mfcc":
        (means,) = encode_rows(lambda w: (mfcc_stats(frontend, w).numpy(),), data, rows, progress=progress)
    else:
        extras = [load_extra(src, data, progress=progress) for src in pca_extra]
        try:
            pca = MelPCA.fit(training_mels(frontend, data, extras), dim)
        except ValueError as err:  # too few training clips for this dimension: the user's choice of --dim
            raise UserError(str(err)) from None
        (means,) = encode_rows(lambda w: (pca.encode(frontend(w)).numpy(),), data, rows, progress=progress)
        if extras:
            identity["model_id"] += "+extra"
            identity["pca_extra"] = [extra_record(e) for e in extras]  # as a VAE's card records its extra music
    return means, identity


def _musicnn_features(data: autoencoder.PreparedDataset, rows: np.ndarray, device: str, progress: bool):
    from genre_base.independent import FAD_LAYER, LAYERS, load_embedding
    from genre_base.independent.cache import split_embeddings

    embedding = load_embedding(device=device)
    position = {int(r): i for i, r in enumerate(rows)}
    means = np.zeros((len(rows), LAYERS[FAD_LAYER]), np.float32)
    for split in ("train", "valid", "test"):  # the per-split embeddings are cached beside the dataset
        split_rows = data.indices(split)
        if len(split_rows):
            feats = split_embeddings(data, embedding, split, progress=progress)[FAD_LAYER]
            means[[position[int(r)] for r in split_rows]] = feats
    missing = sorted(set(position) - {int(r) for s in ("train", "valid", "test") for r in data.indices(s)})
    if missing:
        (extra,) = encode_rows(
            lambda w: (embedding.embed(w, data.sample_rate)[FAD_LAYER],), data, np.asarray(missing), progress=progress
        )
        means[[position[r] for r in missing]] = extra
    identity = {
        "kind": "musicnn",
        "model_id": f"musicnn:{FAD_LAYER}",
        "model_hash": content_hash(embedding.folder),
        "mel": None,
        "layout": None,
    }
    return means, identity
