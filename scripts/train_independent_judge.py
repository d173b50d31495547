"""Kept for old command lines: this is `genre-ldm train-independent-judge` (same arguments; see genre_ldm/commands/train_independent_judge.py)."""

import sys

from genre_ldm.commands.train_independent_judge import main

if __name__ == "__main__":
    sys.exit(main())
