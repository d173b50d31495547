"""Kept for old command lines: this is `genre-ldm evaluate-generation` (same arguments; see genre_ldm/commands/evaluate_generation.py)."""

import sys

from genre_ldm.commands.evaluate_generation import main

if __name__ == "__main__":
    sys.exit(main())
