"""User errors are one line and exit 2; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import pytest

from genre_base import ConfigError, DatasetError, ModelFolderError, UserError, command, resolve_device
from genre_base.device import DeviceError


def test_command_turns_user_errors_into_one_line_and_exit_2(capsys):
    @command
    def main(argv=None):
        raise ConfigError("loop.max_steps must be >= 1, got 0")

    assert main([]) == 2
    assert capsys.readouterr().err == "error: loop.max_steps must be >= 1, got 0\n"


def test_command_keeps_the_traceback_of_a_bug():
    @command
    def main(argv=None):
        raise ValueError("shape mismatch deep inside: a bug, not the user's fault")

    with pytest.raises(ValueError, match="a bug"):
        main([])


def test_user_error_types_share_one_base():
    for kind in (ConfigError, DatasetError, ModelFolderError, DeviceError):
        assert issubclass(kind, UserError)


def test_device_names_are_checked():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(DeviceError, match="tpu"):
        resolve_device("tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_named_folders_parse_name_equals_folder_and_name_the_flag_on_bad_input():
    from genre_base.errors import UserError, named_folders

    assert named_folders(["a=x/y", "b=z"], "--vae") == {"a": "x/y", "b": "z"}
    assert named_folders(["x/y"], "--vae", default_name="vae") == {"vae": "x/y"}
    with pytest.raises(UserError, match="--vae takes NAME=FOLDER, got 'x/y'"):
        named_folders(["x/y"], "--vae")
    with pytest.raises(UserError, match="'a' is given twice"):
        named_folders(["a=x", "a=y"], "--vocoder")
