"""Kept for old command lines: this is `genre-ldm prepare` (same arguments; see genre_ldm/commands/prepare_data.py)."""

import sys

from genre_ldm.commands.prepare_data import main

if __name__ == "__main__":
    sys.exit(main())
