"""Kept for old command lines: this is `genre-ldm compare-denoisers` (same arguments; see genre_ldm/commands/compare_denoisers.py)."""

import sys

from genre_ldm.commands.compare_denoisers import main

if __name__ == "__main__":
    sys.exit(main())
