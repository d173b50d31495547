"""Typed configuration: YAML files and ``key=value`` overrides validated against dataclasses.

OmegaConf structured configs do the checking: an unknown key or a value of the wrong type is an
error that names the key, never a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import UserError
from .files import write_text

T = TypeVar("T")


class ConfigError(UserError):
    """A configuration file or override does not match its schema."""


def load_config(
    schema: type[T],
    path: str | os.PathLike | None = None,
    overrides: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
) -> T:
    """Build a ``schema`` instance from defaults, then a YAML file, then a nested mapping of ``values``,
    then ``a.b=value`` overrides; every key and type is checked against the schema."""
    source = "defaults"
    try:
        merged = OmegaConf.structured(schema)
        if path is not None:
            source = str(path)
            if not Path(path).is_file():
                raise ConfigError(f"config file {source!r} does not exist")
            merged = OmegaConf.merge(merged, _load_mapping(path))
        if values:
            source = f"values {dict(values)}"
            merged = OmegaConf.merge(merged, OmegaConf.create(dict(values)))
        if overrides:
            source = f"overrides {list(overrides)}"
            bad = [o for o in overrides if "=" not in o]
            if bad:
                raise ConfigError(f"overrides must look like key=value, got {bad}")
            merged = OmegaConf.merge(merged, OmegaConf.from_dotlist(list(overrides)))
        return OmegaConf.to_object(merged)  # type: ignore[return-value]
    except ConfigError:
        raise
    except ValueError as exc:  # a dataclass's __post_init__ check of a value
        raise ConfigError(f"invalid {schema.__name__} config from {source}: {exc}") from exc
    except OmegaConfBaseException as exc:
        raise ConfigError(f"invalid {schema.__name__} config from {source}: {_short(exc)}") from exc


def _load_mapping(path: str | os.PathLike) -> DictConfig:
    """The YAML file as a mapping of keys (OmegaConf's reader, which also takes ``1e-3`` as a float); a
    ConfigError for a file that is not YAML or does not hold a mapping."""
    try:
        loaded = OmegaConf.load(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {_short(exc)}") from None
    except OSError as exc:  # OmegaConf's "Invalid loaded object type" for a file holding a bare number or string
        raise ConfigError(f"config file {str(path)!r} must hold a mapping of keys: {exc}") from None
    if not isinstance(loaded, DictConfig):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping of keys, got a list")
    return loaded


def save_config(cfg: Any, path: str | os.PathLike) -> None:
    """Write a config dataclass as YAML (readable back with :func:`load_config`)."""
    write_text(path, OmegaConf.to_yaml(OmegaConf.structured(cfg)))


def _short(exc: Exception) -> str:
    # OmegaConf appends a multi-line "full_key / object_type" trailer; the first line says it.
    lines = [line for line in str(exc).splitlines() if line.strip()]
    key = getattr(exc, "full_key", None)
    head = lines[0] if lines else type(exc).__name__
    return f"{head} (key: {key})" if key else head
