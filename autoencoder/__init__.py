"""genre-ldm stage one: audio loading, the mel front-end, the mel VAE and its vocoder.

Public surface::

    codec = autoencoder.load(model_dir)     # a trained VAE and the vocoder it refers to
    z = codec.encode(waves)                 # (N, clip_samples) -> (N, D)
    waves = codec.decode(z)                 # (N, D) -> (N, clip_samples)
    audio = codec.reconstruct_file(path)    # any format, rate, channels, length

model folders (records, hash-checked references between models: :mod:`.artifacts`),
plus the one audio loader (:func:`load_audio`), the one mel front-end (:class:`MelFrontend`),
the prepared-dataset reader (:class:`PreparedDataset`), devices (:func:`resolve_device`), user errors
(:class:`UserError`, :func:`command`), atomic files (:mod:`.files`), statistics (:mod:`.stats`) and
the training loop (:mod:`.training`).
"""

from genre_base.artifacts import (
    ModelFolderError,
    content_hash,
    created,
    read_record,
    reference,
    resolve_reference,
    trained_model,
    write_record,
)
from genre_base.audio import AudioLoadError, load_audio, save_audio
from genre_base.clips import ClipDataset, DatasetError, PreparedDataset
from genre_base.config import ConfigError, load_config
from genre_base.device import DeviceError, module_device, resolve_device
from genre_base.errors import MissingInputError, OutputExistsError, UserError, command, refuse_overwrite
from genre_base.files import atomic_path, write_csv, write_json, write_text
from genre_base.judge import Judge
from genre_base.mel import MelFrontend, MelSettings
from genre_base.prepare import PrepareOptions, prepare_dataset

from .codec import StageOne, Trajectory, load, load_judge, load_vocoder

__all__ = [
    "AudioLoadError",
    "ClipDataset",
    "ConfigError",
    "DatasetError",
    "DeviceError",
    "Judge",
    "MelFrontend",
    "MelSettings",
    "MissingInputError",
    "ModelFolderError",
    "OutputExistsError",
    "PrepareOptions",
    "PreparedDataset",
    "StageOne",
    "Trajectory",
    "UserError",
    "atomic_path",
    "command",
    "content_hash",
    "created",
    "load",
    "load_audio",
    "load_config",
    "load_judge",
    "load_vocoder",
    "module_device",
    "prepare_dataset",
    "read_record",
    "reference",
    "refuse_overwrite",
    "resolve_device",
    "resolve_reference",
    "save_audio",
    "trained_model",
    "write_csv",
    "write_json",
    "write_record",
    "write_text",
]
