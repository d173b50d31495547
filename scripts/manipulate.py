"""Kept for old command lines: this is `genre-ldm manipulate` (same arguments; see genre_ldm/commands/manipulate.py)."""

import sys

from genre_ldm.commands.manipulate import main

if __name__ == "__main__":
    sys.exit(main())
