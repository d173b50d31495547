"""`genre-ldm <subcommand> [arguments]`: every user command behind one entry point.

    genre-ldm --help                      # the subcommands, one line each
    genre-ldm reconstruct --help          # one subcommand's arguments
    python -m genre_ldm sample --model models/diffusion --genre jazz --out samples/jazz
    accelerate launch -m genre_ldm train-vae --data data/gtzan --config configs/vae-1080.yaml --vocoder models/vocoder-adversarial --out runs/vae

Each subcommand is a module of :mod:`genre_ldm.commands` with a ``main()``; ``scripts/<name>.py`` stay as thin
shims for old command lines. Benchmarks and converters are in ``scripts/dev/``, out of the user's way.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import sys
from pathlib import Path

from genre_ldm.commands import COMMANDS

PROG = "genre-ldm"


def summary(module_name: str) -> str:
    """The first sentence of a command's docstring, read without importing it (imports take seconds)."""
    spec = importlib.util.find_spec(f"genre_ldm.commands.{module_name}")
    doc = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= 100 else sentence[:99].rsplit(" ", 1)[0] + " ..."


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [
        f"usage: {PROG} <subcommand> [arguments]   ({PROG} <subcommand> --help for its arguments)",
        "",
        "subcommands:",
    ]
    lines += [f"  {name:<{width}}  {summary(module)}" for name, module in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; {PROG} --help lists them"
        print(f"{PROG}: unknown subcommand {name!r}{hint}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"genre_ldm.commands.{COMMANDS[name]}")
    saved = sys.argv
    sys.argv = [f"{PROG} {name}", *rest]  # argparse names the subcommand in its usage and errors
    try:
        return module.main() or 0
    finally:
        sys.argv = saved


if __name__ == "__main__":
    sys.exit(main())
