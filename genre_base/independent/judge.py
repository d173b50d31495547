"""The independent genre judge: a logistic regression on the musicnn embedding of real training clips.

Chosen on valid (embedding layer, standardisation, regularisation) before any comparison is made
with it, then frozen and shipped (``models/independent-judge``) with a hash-checked reference to the
embedding it reads. Every genre figure of the project uses it::

    judge = load_independent_judge()
    probs = judge.probabilities(waves, sample_rate=22050)   # (N, samples) -> (N, genres)
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from torch import nn

from ..artifacts import content_hash, load_weights, read_record, resolve_reference
from ..device import resolve_device
from .embedding import MusicEmbedding, load_embedding

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = REPO / "models" / "independent-judge"
C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)


class EmbeddingClassifier(ModelMixin, ConfigMixin):
    """Standardise (optional) + linear + softmax over one embedding layer: (N, dim) -> (N, genres)."""

    @register_to_config
    def __init__(self, dim: int = 200, genres: tuple[str, ...] = (), layer: str = "penultimate"):
        super().__init__()
        self.register_buffer("shift", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))
        self.linear = nn.Linear(dim, len(genres))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(N, dim) features of ``config.layer`` -> (N, genres) probabilities."""
        return torch.softmax(self.linear((features - self.shift) / self.scale), dim=1)

    @classmethod
    def from_sklearn(
        cls,
        model: LogisticRegression,
        genres: list[str],
        layer: str,
        shift: np.ndarray | None,
        scale: np.ndarray | None,
    ) -> EmbeddingClassifier:
        dim = model.coef_.shape[1]
        out = cls(dim=dim, genres=tuple(genres), layer=layer)
        with torch.no_grad():
            if shift is not None:
                out.shift.copy_(torch.as_tensor(shift))
                out.scale.copy_(torch.as_tensor(scale))
            out.linear.weight.copy_(torch.as_tensor(model.coef_))
            out.linear.bias.copy_(torch.as_tensor(model.intercept_))
        return out.eval()


@dataclass
class Choice:
    layer: str
    standardise: bool
    C: float
    valid_balanced_accuracy: float


def _fit(x: np.ndarray, y: np.ndarray, standardise: bool, C: float):
    shift, scale = (x.mean(0), np.where(x.std(0) > 0, x.std(0), 1.0)) if standardise else (None, None)
    xs = (x - shift) / scale if standardise else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(xs, y)
    return model, shift, scale


def select_and_fit(
    train: dict[str, np.ndarray],
    y_train: np.ndarray,
    valid: dict[str, np.ndarray],
    y_valid: np.ndarray,
    genres: list[str],
    c_grid=C_GRID,
) -> tuple[EmbeddingClassifier, list[Choice]]:
    """Try every (layer, standardisation, C) on valid balanced accuracy; fit the best on train.

    ``train`` / ``valid``: {layer: (N, dim)}; labels are genre names. Returns the classifier and the
    whole table (best first). Ties go to the smaller C (stronger regularisation), then the earlier layer.
    """
    table = []
    for layer, standardise, C in itertools.product(sorted(train), (True, False), c_grid):
        model, shift, scale = _fit(train[layer], y_train, standardise, C)
        xv = (valid[layer] - shift) / scale if standardise else valid[layer]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a genre missing from valid (rock): expected
            score = float(balanced_accuracy_score(y_valid, model.predict(xv)))
        table.append(Choice(layer, standardise, C, score))
    table.sort(key=lambda c: (-round(c.valid_balanced_accuracy, 6), c.C, c.layer))
    best = table[0]
    model, shift, scale = _fit(train[best.layer], y_train, best.standardise, best.C)
    if list(model.classes_) != sorted(genres):
        raise ValueError(f"training clips cover genres {list(model.classes_)}, expected {sorted(genres)}")
    return EmbeddingClassifier.from_sklearn(model, list(model.classes_), best.layer, shift, scale), table


class IndependentJudge:
    """The frozen classifier and the embedding it reads; works on waveforms or on cached features."""

    def __init__(
        self,
        classifier: EmbeddingClassifier,
        embedding: MusicEmbedding,
        folder: Path | None = None,
        record: dict | None = None,
    ) -> None:
        self.classifier = classifier.eval()
        self.embedding = embedding
        self.folder = folder
        self.record = record or {}

    @property
    def genres(self) -> list[str]:
        return list(self.classifier.config.genres)

    @property
    def hash(self) -> str | None:
        """Content hash of the judge folder (None for a judge built in memory)."""
        return content_hash(self.folder) if self.folder is not None else None

    @property
    def location(self) -> str | None:
        """The folder as results record it: relative to the repository when inside it (no machine paths)."""
        if self.folder is None:
            return None
        folder = Path(self.folder).resolve()
        return str(folder.relative_to(REPO)) if folder.is_relative_to(REPO) else str(self.folder)

    def describe(self) -> dict:
        """What a result records of the judge it was measured with: location, content hash, test figures."""
        return {"path": self.location, "hash": self.hash, "test": self.record.get("metrics", {}).get("test", {})}

    @property
    def layer(self) -> str:
        return self.classifier.config.layer

    def to(self, device: torch.device | str) -> IndependentJudge:
        self.classifier.to(resolve_device(device))
        self.embedding.to(device)
        return self

    @torch.no_grad()
    def probabilities_of(self, features: np.ndarray) -> np.ndarray:
        """(N, dim) features of :attr:`layer` -> (N, genres) probabilities."""
        x = torch.as_tensor(np.asarray(features, np.float32), device=self.classifier.shift.device)
        return self.classifier(x).cpu().numpy()

    def genres_of(self, probabilities: np.ndarray) -> np.ndarray:
        """(N, genres) probabilities -> (N,) genre names (the most probable)."""
        return np.asarray(self.genres)[np.asarray(probabilities).argmax(1)]

    def predict_features(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """{layer: (N, dim)} embeddings (as :meth:`MusicEmbedding.embed` returns them) -> (N,) genre names."""
        return self.genres_of(self.probabilities_of(features[self.layer]))

    def probabilities(self, waves: torch.Tensor, sample_rate: int) -> np.ndarray:
        """(N, samples) audio -> (N, genres) probabilities."""
        return self.probabilities_of(self.embedding.embed(waves, sample_rate)[self.layer])

    def predict(self, waves: torch.Tensor, sample_rate: int) -> np.ndarray:
        """(N, samples) audio -> (N,) genre names."""
        return self.genres_of(self.probabilities(waves, sample_rate))


def load_independent_judge(folder: str | Path | None = None, device: str | torch.device = "cpu") -> IndependentJudge:
    """The shipped judge (default ``models/independent-judge``) and the embedding its record refers to."""
    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    record = read_record(folder, kind="independent-judge")
    embedding = load_embedding(resolve_reference(record["references"]["embedding"], folder, "embedding"))
    classifier = load_weights(EmbeddingClassifier, folder)
    return IndependentJudge(classifier, embedding, folder, record).to(device)
