"""Kept for old command lines: this is `genre-ldm evaluate-ood` (same arguments; see genre_ldm/commands/evaluate_ood.py)."""

import sys

from genre_ldm.commands.evaluate_ood import main

if __name__ == "__main__":
    sys.exit(main())
