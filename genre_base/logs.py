"""Library code reports progress through :mod:`logging`; commands decide where it goes.

Every package logs to ``logging.getLogger(__name__)`` and prints nothing. A command (the
:func:`genre_base.errors.command` wrapper) calls :func:`configure` once, which sends the project's
records at INFO and above to standard output: a progress line as it is, a warning as
``warning: ...``. Used as a library, nothing is shown until the caller configures logging its own
way (``logging.basicConfig(level=logging.INFO)`` shows it all).
"""

from __future__ import annotations

import logging
import sys

PACKAGES = ("genre_base", "autoencoder", "analysis", "diffusion", "genre_ldm")


class _CurrentStdout(logging.StreamHandler):
    """A handler writing to whatever ``sys.stdout`` is when a record is emitted, not when it was made:
    a command run inside a test, a notebook or the app writes where their stdout points then."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler's constructor assigns it; the property ignores it
        pass


class _Plain(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


def configure(level: int = logging.INFO) -> None:
    """Send the project's log records at ``level`` and above to standard output (once; idempotent)."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _CurrentStdout) for h in logger.handlers):
            handler = _CurrentStdout()
            handler.setFormatter(_Plain())
            logger.addHandler(handler)
        logger.propagate = False  # a root handler configured elsewhere would print each line twice


__all__ = ["PACKAGES", "configure"]
