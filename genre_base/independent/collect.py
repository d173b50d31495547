"""Independent measures of reconstructions: collect embeddings batch by batch, then summarise.

Used wherever originals and their decodings are compared (stage-one evaluation, the sweep, the
out-of-dataset evaluation)::

    scores = ReconstructionScores(judge)
    for waves, outputs in batches:            # outputs: {path: (B, samples)}
        scores.add("original", waves, sample_rate)
        for path, out in outputs.items():
            scores.add(path, out, sample_rate)
    per_clip = scores.per_clip()              # {"<path>/ind_agreement": [...], "<path>/ind_kl": [...]}
    summary = scores.summary(truth, tracks, reference_feats, reference_genres, reference_tracks)
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch

from ..stats import N_BOOT
from .judge import IndependentJudge
from .measures import FAD_LAYER, agreement, classification, fad_against, matched

ORIGINAL = "original"


class ReconstructionScores:
    """Embeddings and judge outputs of originals and of each decoding path, row-aligned."""

    def __init__(self, judge: IndependentJudge) -> None:
        self.judge = judge
        self.features: dict[str, list[np.ndarray]] = defaultdict(list)
        self.probs: dict[str, list[np.ndarray]] = defaultdict(list)

    def add(self, name: str, waves: torch.Tensor, sample_rate: int) -> None:
        """Embed ``waves (B, samples)`` as the next clips of set ``name``."""
        feats = self.judge.embedding.embed(waves, sample_rate)
        self.features[name].append(feats[FAD_LAYER])
        self.probs[name].append(self.judge.probabilities_of(feats[self.judge.layer]))

    def _stack(self, table: dict) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in table.items()}

    def per_clip(self) -> dict[str, list[float]]:
        """Per clip and path: agreement of the judge's top genre with the original's, and KL (nats)."""
        probs = self._stack(self.probs)
        out = {}
        for name, p in probs.items():
            if name != ORIGINAL:
                for key, values in agreement(probs[ORIGINAL], p).items():
                    out[f"{name}/ind_{key}"] = values.tolist()
        return out

    def summary(
        self,
        truth: np.ndarray,
        tracks: np.ndarray,
        reference: np.ndarray,
        reference_genres: np.ndarray,
        reference_tracks: np.ndarray,
        seed: int = 0,
        n_boot: int = N_BOOT,
        pairs: list[tuple[str, str]] = (),
    ) -> dict:
        """Judge balanced accuracy per set against the true genres, and FAD of every set from the
        reference clips (e.g. real train) on a matched genre mix, each with the originals' FAD (the
        floor) and the paired ratio to it, and to each other set named in ``pairs``."""
        probs, feats = self._stack(self.probs), self._stack(self.features)
        known = np.isin(truth, self.judge.genres)  # out-of-dataset clips carry labels the judge does not know
        accuracy = (
            {
                name: classification(truth[known], self.judge.genres_of(p[known]), tracks[known], n_boot=n_boot)
                for name, p in probs.items()
            }
            if known.any()
            else {}
        )
        rows, ref_rows, kept = matched(truth, reference_genres, seed)
        fad = {}
        if len(rows) > 1:
            fad = fad_against(
                {k: v[rows] for k, v in feats.items()},
                tracks[rows],
                reference[ref_rows],
                reference_tracks[ref_rows],
                base=ORIGINAL,
                seed=seed,
                n_boot=n_boot,
                pairs=pairs,
            )
        return {
            "independent_balanced_accuracy": accuracy,
            "fad": {
                "sets": fad,
                "genres": kept,
                "layer": FAD_LAYER,
                "judge": self.judge.location,
                "judge_hash": self.judge.hash,
            },
        }
