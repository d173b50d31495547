"""Embeddings of a prepared dataset's real clips, computed once and cached beside the dataset.

``<dataset>/embeddings/<embedding hash, 12 hex>/<split>.npz`` holds every layer of
:data:`~.embedding.LAYERS` for the split's clips in :meth:`PreparedDataset.indices` order, and the
rows they belong to; a cache made by another embedding or for other rows is not used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..artifacts import content_hash
from ..clips import PreparedDataset
from ..files import atomic_path
from .embedding import MusicEmbedding


def embed_rows(
    data: PreparedDataset,
    embedding: MusicEmbedding,
    rows: np.ndarray,
    batch: int = 32,
    progress: bool = True,
    desc: str = "embedding",
) -> dict[str, np.ndarray]:
    """{layer: (len(rows), dim)} for the dataset clips ``rows``."""
    parts = [
        embedding.embed(data.waves(rows[i : i + batch]), data.sample_rate)
        for i in tqdm(range(0, len(rows), batch), desc=desc, disable=not progress)
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}


def split_embeddings(
    data: PreparedDataset, embedding: MusicEmbedding, split: str, progress: bool = True
) -> dict[str, np.ndarray]:
    """{layer: (N, dim)} for every clip of ``split``, from the cache when it is there and current."""
    rows = data.indices(split)
    path = Path(data.path) / "embeddings" / content_hash(embedding.folder)[:12] / f"{split}.npz"
    if path.is_file():
        with np.load(path) as f:
            if np.array_equal(f["rows"], rows):
                return {k: f[k] for k in f.files if k != "rows"}
    feats = embed_rows(data, embedding, rows, progress=progress, desc=f"embedding {split}")
    try:
        with atomic_path(path) as tmp:
            np.savez(tmp, rows=rows, **feats)
    except OSError:
        pass  # a read-only dataset folder: the embeddings are just not cached
    return feats
