"""Kept for old command lines: this is `genre-ldm reconstruct` (same arguments; see genre_ldm/commands/reconstruct.py)."""

import sys

from genre_ldm.commands.reconstruct import main

if __name__ == "__main__":
    sys.exit(main())
