"""Library code logs, commands print: no ``print`` below the top floor, and a command shows the library's log."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from genre_base import command
from genre_base.logs import PACKAGES, configure

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("genre_base", "autoencoder", "analysis", "diffusion")
# The command-line helpers of the base: what a command prints to its user (the one-line error, the end of a training).
PRINTS_ALLOWED = {"genre_base/errors.py", "genre_base/training/cli.py"}


def test_library_code_does_not_print():
    found = []
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            if rel in PRINTS_ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "print":
                    found.append(f"{rel}:{node.lineno}")
    assert not found, f"library code prints instead of logging: {found}"


@pytest.fixture()
def unconfigured():
    """The project's loggers as a fresh process has them; restored afterwards."""
    saved = {
        n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate)
        for n in PACKAGES
    }
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = [], logging.NOTSET, True
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def test_a_command_shows_the_library_log_on_the_stdout_of_the_moment(unconfigured, capsys):
    @command
    def main() -> int:
        logging.getLogger("analysis.compare").info("analysing vae-1080")
        logging.getLogger("diffusion.generation").warning("a genre has no valid clip")
        return 0

    assert main() == 0
    assert capsys.readouterr().out == "analysing vae-1080\nwarning: a genre has no valid clip\n"
    configure()  # idempotent: a second command in the same process does not print each line twice
    assert main() == 0
    assert capsys.readouterr().out.count("analysing") == 1


def test_used_as_a_library_nothing_is_printed_at_info(unconfigured, capsys):
    logging.getLogger("analysis.compare").info("analysing vae-1080")
    assert capsys.readouterr().out == ""
