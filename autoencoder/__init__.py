"""genre-ldm stage one: audio loading, the mel front-end, the mel VAE and its vocoder.

Public surface::

    codec = autoencoder.load(model_dir)     # a trained VAE and the vocoder it refers to
    z = codec.encode(waves)                 # (N, clip_samples) -> (N, D)
    waves = codec.decode(z)                 # (N, D) -> (N, clip_samples)
    audio = codec.reconstruct_file(path)    # any format, rate, channels, length

For users, the shared base's names (:mod:`genre_base`: the audio loader, the mel front-end, the
prepared-dataset reader, model folders, devices, user errors, atomic files) are re-exported here;
the project's own code imports them from :mod:`genre_base`.
"""

from genre_base import *  # noqa: F403  (the base's public names, re-exported for users)
from genre_base import __all__ as _BASE

from .codec import StageOne, Trajectory, load, load_judge, load_vocoder

__all__ = [*_BASE, "StageOne", "Trajectory", "load", "load_judge", "load_vocoder"]
