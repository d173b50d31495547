"""genre-ldm's shared base, below both stages: what stage one, the analysis, stage two and the app all use.

- files and errors: :mod:`.errors` (user errors, one line and exit 2), :mod:`.files` (atomic writes);
- configs: :mod:`.config` (YAML validated by typed dataclasses); devices: :mod:`.device`;
- audio and data: :mod:`.audio` (the one audio loader), :mod:`.discover`, :mod:`.splits` (with the
  filtered split lists in ``split_lists/``), :mod:`.prepare` and :mod:`.clips` (prepared datasets),
  :mod:`.extra` (extra training music), :mod:`.toy` (generated toy genres);
- the one mel front-end (:mod:`.mel`), its features (:mod:`.features`) and the waveform metrics
  (:mod:`.metrics`);
- model folders (:mod:`.artifacts`: records, content hashes, references between folders);
- statistics (:mod:`.stats`: intervals over tracks; :mod:`.intervals`: the one interval type results
  store, :class:`Interval`), plots (:mod:`.plots`), timing (:mod:`.timing`);
- the training loop (:mod:`.training`), the mel judge (:mod:`.judge`) and the independent measures
  (:mod:`.independent`: the musicnn port, its judge and FAD).

Nothing here imports a stage: ``tests/test_layers.py`` fails on an upward import.
"""

from .artifacts import (
    ModelFolderError,
    content_hash,
    created,
    read_record,
    reference,
    resolve_reference,
    trained_model,
    write_record,
)
from .audio import AudioLoadError, load_audio, save_audio
from .clips import ClipDataset, DatasetError, PreparedDataset
from .config import ConfigError, load_config
from .device import DeviceError, module_device, resolve_device
from .errors import MissingInputError, OutputExistsError, UserError, command, refuse_overwrite
from .files import atomic_path, write_csv, write_json, write_text
from .intervals import Interval, is_interval
from .judge import Judge
from .mel import MelFrontend, MelSettings
from .prepare import PrepareOptions, prepare_dataset

__all__ = [
    "AudioLoadError",
    "ClipDataset",
    "ConfigError",
    "DatasetError",
    "DeviceError",
    "Interval",
    "Judge",
    "MelFrontend",
    "MelSettings",
    "MissingInputError",
    "ModelFolderError",
    "OutputExistsError",
    "PrepareOptions",
    "PreparedDataset",
    "UserError",
    "atomic_path",
    "command",
    "content_hash",
    "created",
    "is_interval",
    "load_audio",
    "load_config",
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
