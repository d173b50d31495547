"""Kept for old command lines: this is `genre-ldm evaluate-vocoders` (same arguments; see genre_ldm/commands/evaluate_vocoders.py)."""

import sys

from genre_ldm.commands.evaluate_vocoders import main

if __name__ == "__main__":
    sys.exit(main())
