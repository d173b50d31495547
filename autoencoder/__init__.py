"""genre-ldm stage one: audio loading, the mel front-end, the mel VAE and its vocoder.

Public surface::

    codec = autoencoder.load(model_dir)     # a trained VAE and the vocoder it refers to
    z = codec.encode(waves)                 # (N, clip_samples) -> (N, D)
    waves = codec.decode(z)                 # (N, D) -> (N, clip_samples)
    audio = codec.reconstruct_file(path)    # any format, rate, channels, length

model folders (records, hash-checked references between models: :mod:`.artifacts`),
plus the one audio loader (:func:`load_audio`), the one mel front-end (:class:`MelFrontend`),
the prepared-dataset reader (:class:`PreparedDataset`) and the training loop (:mod:`.training`).
"""

from .artifacts import (
                        ModelFolderError,
                        content_hash,
                        created,
                        read_record,
                        reference,
                        refuse_overwrite,
                        resolve_reference,
                        write_json,
                        write_record,
)
from .audio import AudioLoadError, load_audio, save_audio
from .clips import ClipDataset, PreparedDataset
from .codec import StageOne, Trajectory, load, load_judge, load_vocoder
from .config import ConfigError, load_config
from .device import DeviceError, module_device, resolve_device
from .mel import MelFrontend, MelSettings
from .prepare import PrepareOptions, prepare_dataset

__all__ = ["ModelFolderError", "content_hash", "created", "read_record", "reference", "refuse_overwrite", "resolve_reference", "write_json",
           "write_record", "AudioLoadError", "DeviceError", "module_device", "resolve_device", "ClipDataset", "ConfigError", "MelFrontend", "MelSettings", "PreparedDataset",
           "PrepareOptions", "StageOne", "Trajectory", "load", "load_audio", "load_judge", "load_config", "load_vocoder",
           "prepare_dataset", "save_audio"]
