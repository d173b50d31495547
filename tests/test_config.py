"""Typed configs: unknown keys and wrong types are errors that name the key."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from genre_base.config import ConfigError, load_config, save_config


@dataclass
class Inner:
    n_mels: int = 80
    f_max: float | None = None


@dataclass
class Outer:
    name: str = "x"
    lr: float = 1e-3
    inner: Inner = field(default_factory=Inner)


def test_yaml_and_overrides_fill_the_dataclass(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("lr: 0.01\ninner:\n  n_mels: 64\n")
    cfg = load_config(Outer, path, ["inner.f_max=8000"])
    assert isinstance(cfg, Outer) and cfg.lr == 0.01 and cfg.inner == Inner(64, 8000.0)
    save_config(cfg, tmp_path / "back.yaml")
    assert load_config(Outer, tmp_path / "back.yaml") == cfg


@pytest.mark.parametrize("text,key", [("lr: fast\n", "lr"), ("inner:\n  n_melz: 3\n", "n_melz"), ("typo: 1\n", "typo")])
def test_unknown_keys_and_wrong_types_are_errors(tmp_path, text, key):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key):
        load_config(Outer, path)


def test_bad_override_and_missing_file():
    with pytest.raises(ConfigError, match="key=value"):
        load_config(Outer, None, ["lr"])
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(Outer, "nope.yaml")


@pytest.mark.parametrize(
    "text,message",
    [
        ("[1, 2]\n", "must hold a mapping of keys, got a list"),
        ("42\n", "must hold a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_a_file_that_holds_no_mapping_is_a_config_error(tmp_path, text, message):
    # Found by scripts/dev/fuzz.py: these ended in OmegaConf's TypeError / OSError or a YAML traceback.
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(Outer, path)
