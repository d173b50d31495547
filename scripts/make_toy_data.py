"""Kept for old command lines: this is `genre-ldm toy-data` (same arguments; see genre_ldm/commands/make_toy_data.py)."""

import sys

from genre_ldm.commands.make_toy_data import main

if __name__ == "__main__":
    sys.exit(main())
