"""Kept for old command lines: this is `genre-ldm analyze` (same arguments; see genre_ldm/commands/analyze.py)."""

import sys

from genre_ldm.commands.analyze import main

if __name__ == "__main__":
    sys.exit(main())
