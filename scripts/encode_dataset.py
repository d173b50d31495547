"""Kept for old command lines: this is `genre-ldm encode` (same arguments; see genre_ldm/commands/encode_dataset.py)."""

import sys

from genre_ldm.commands.encode_dataset import main

if __name__ == "__main__":
    sys.exit(main())
