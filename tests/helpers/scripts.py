"""Run a command-line script in this process, as a user runs it, and return its exit code."""

from __future__ import annotations

import importlib.util
import runpy
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def run_script(name: str, argv: list) -> int:
    """``python scripts/<name>.py *argv``: the exit code (0 when it returns without one)."""
    path = SCRIPTS / f"{name}.py"
    saved = sys.argv
    sys.argv = [str(path), *map(str, argv)]
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return 0


def load_dev_script(name: str):
    """``scripts/dev/<name>.py`` as a module (the dev tools are scripts, not a package), for its functions."""
    spec = importlib.util.spec_from_file_location(f"dev_{name}", SCRIPTS / "dev" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
