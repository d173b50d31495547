"""`genre-ldm <subcommand>`: one entry point for every user command, the old scripts as shims."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from genre_ldm.cli import main
from genre_ldm.commands import COMMANDS

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_every_subcommand_with_one_line(capsys):
    assert main(["--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in COMMANDS:
        row = next(line for line in lines if line.split()[:1] == [name])
        assert len(row.split(maxsplit=1)[1]) > 20  # a real summary, not an empty docstring


def test_an_unknown_subcommand_is_a_one_line_error_with_a_suggestion(capsys):
    assert main(["reconstrct"]) == 2
    err = capsys.readouterr().err
    assert "unknown subcommand 'reconstrct'" in err and "reconstruct" in err and err.count("\n") == 1


def test_a_subcommand_parses_its_own_arguments_under_its_name(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reconstruct", "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: genre-ldm reconstruct")


def test_every_subcommand_is_a_module_and_every_old_script_a_shim():
    for module in COMMANDS.values():
        assert importlib.util.find_spec(f"genre_ldm.commands.{module}") is not None
        shim = (REPO / "scripts" / f"{module}.py").read_text()
        assert f"from genre_ldm.commands.{module} import main" in shim
    scripts = {p.stem for p in (REPO / "scripts").glob("*.py")}
    assert scripts == set(COMMANDS.values())  # benchmarks and converters live in scripts/dev/


def test_the_app_knows_which_hosts_reach_beyond_this_machine():
    from genre_ldm.commands.app import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.0.1.1", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "::", "my-laptop.example.org"]))


def test_help_examples_keep_their_line_breaks():
    """A backslash at the end of a line in a plain docstring joins the lines, which prints a broken
    example under --help; command docstrings with shell continuations are raw strings."""
    import re

    for sub, module in COMMANDS.items():
        doc = importlib.import_module(f"genre_ldm.commands.{module}").__doc__ or ""
        joined = [line for line in doc.split("\n") if re.search(r"\S {5,}[^#\s]", line)]
        assert not joined, f"{sub}: {joined}"


def test_the_recorded_command_line_can_be_pasted_back(monkeypatch):
    import shlex

    from genre_base.artifacts import command_line

    override = "sweep.set={vae: {loop: {max_steps: 400}}}"
    assert command_line("study", ["--out", "runs/x", override]) == f"genre-ldm study --out runs/x '{override}'"
    monkeypatch.setattr(sys, "argv", ["genre-ldm study", "--out", "runs/my study", override])
    recorded = command_line()
    assert recorded.startswith("genre-ldm study ")
    assert shlex.split(recorded.removeprefix("genre-ldm study ")) == ["--out", "runs/my study", override]
