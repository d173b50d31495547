"""genre-ldm stage one: audio loading, the mel front-end, the mel VAE and its vocoder.

Public surface: :func:`load_audio`, :class:`PreparedDataset`, :func:`prepare_dataset`.
"""

from .audio import AudioLoadError, load_audio, save_audio
from .clips import ClipDataset, PreparedDataset
from .prepare import PrepareOptions, prepare_dataset

__all__ = ["AudioLoadError", "ClipDataset", "PreparedDataset", "PrepareOptions", "load_audio",
           "prepare_dataset", "save_audio"]
