"""Kept for old command lines: this is `genre-ldm train-judge` (same arguments; see genre_ldm/commands/train_classifier.py)."""

import sys

from genre_ldm.commands.train_classifier import main

if __name__ == "__main__":
    sys.exit(main())
