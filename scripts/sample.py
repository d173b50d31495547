"""Kept for old command lines: this is `genre-ldm sample` (same arguments; see genre_ldm/commands/sample.py)."""

import sys

from genre_ldm.commands.sample import main

if __name__ == "__main__":
    sys.exit(main())
