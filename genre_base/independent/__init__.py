"""Independent measures: a pretrained music embedding that never saw GTZAN, and what is measured with it.

    emb = load_embedding()                 # models/musicnn: PyTorch port of MSD_musicnn
    judge = load_independent_judge()       # models/independent-judge: logistic regression on it
    fad(real_feats, real_tracks, fake_feats, fake_ids)   # Fréchet audio distance, interval over tracks

The port (:mod:`.musicnn`), the checkpoint reader used to convert it (:mod:`.tf_checkpoint`,
:mod:`.convert`), the clip protocol (:mod:`.embedding`), the judge (:mod:`.judge`, fitted by
:mod:`.fit_judge`) and the measures (:mod:`.measures`).
"""

from .embedding import LAYERS, MusicEmbedding, load_embedding
from .judge import IndependentJudge, load_independent_judge
from .measures import (
    FAD_LAYER,
    agreement,
    classification,
    density_coverage,
    fad,
    fad_against,
    frechet_distance,
    matched,
    precision_recall,
)

__all__ = [
    "FAD_LAYER",
    "IndependentJudge",
    "LAYERS",
    "MusicEmbedding",
    "agreement",
    "classification",
    "density_coverage",
    "fad",
    "fad_against",
    "frechet_distance",
    "load_embedding",
    "load_independent_judge",
    "matched",
    "precision_recall",
]
