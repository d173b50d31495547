"""User errors versus bugs.

A :class:`UserError` is bad input from the person running a command: a config value, a missing or
wrong file, data that cannot be used, an argument out of range. Commands print it as one line and
exit with code 2 (:func:`command`). Every other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path


class UserError(ValueError):
    """Bad input, named with the bad value and what was expected."""


class OutputExistsError(UserError, FileExistsError):
    """An output already exists and the command was not told to replace it."""


class MissingInputError(UserError, FileNotFoundError):
    """An input file or folder the command needs does not exist."""


def command(main: Callable[..., int | None]) -> Callable[..., int]:
    """Wrap a command's ``main``: a :class:`UserError` becomes ``error: ...`` on stderr and exit code 2, and the
    library's progress log goes to standard output (:func:`genre_base.logs.configure`)."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        from .logs import configure

        configure()
        try:
            return main(*args, **kwargs) or 0
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return wrapper


def refuse_overwrite(paths, force: bool) -> None:
    """Raise :class:`OutputExistsError` naming the first of ``paths`` that exists, unless ``force``."""
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExistsError(f"{existing[0]} exists{more}; pass --force or choose another --out")


__all__ = ["MissingInputError", "OutputExistsError", "UserError", "command", "refuse_overwrite"]


def named_folders(items: list[str], flag: str, default_name: str | None = None) -> dict[str, str]:
    """``NAME=FOLDER`` command-line arguments as ``{name: folder}`` (a bare ``FOLDER`` is named
    ``default_name`` when one is given); a malformed or repeated name is a :class:`UserError` naming ``flag``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, folder = item.partition("=")
        if not sep and default_name is not None:
            name, folder = default_name, item
        if not (name and folder):
            raise UserError(f"{flag} takes NAME=FOLDER, got {item!r}")
        if name in out:
            raise UserError(f"{flag} names must be distinct, {name!r} is given twice")
        out[name] = folder
    return out
