"""Which device inference runs on: ``--device auto`` (CUDA when present, else the CPU) or a name."""

from __future__ import annotations

import torch
from torch import nn

from .errors import UserError


class DeviceError(UserError):
    """The device asked for does not exist here, or cannot do what the config asks."""


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> ``cuda`` when available, else ``cpu``; ``"cpu"``, ``"cuda"``, ``"cuda:1"`` as given.

    Raises :class:`DeviceError` naming the device when CUDA (or that GPU) is not there.
    """
    if str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise DeviceError(f"unknown device {str(name)!r}; expected auto, cpu, cuda or cuda:N") from exc
    if device.type == "cuda":
        count = torch.cuda.device_count()
        if count == 0:
            raise DeviceError(
                f"device {str(name)!r} asked for, but this machine has no CUDA GPU; use --device cpu or auto"
            )
        if device.index is not None and device.index >= count:
            raise DeviceError(f"device {str(name)!r} asked for, but this machine has {count} GPU(s)")
    elif device.type != "cpu":
        raise DeviceError(f"unsupported device {str(name)!r}; expected auto, cpu, cuda or cuda:N")
    return device


def module_device(module: nn.Module) -> torch.device:
    """The device of a module's first parameter (or buffer); the CPU for a module with neither."""
    for tensor in (*module.parameters(), *module.buffers()):
        return tensor.device
    return torch.device("cpu")


__all__ = ["DeviceError", "module_device", "resolve_device"]
