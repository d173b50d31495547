"""Kept for old command lines: this is `genre-ldm train-vocoder` (same arguments; see genre_ldm/commands/train_vocoder.py)."""

import sys

from genre_ldm.commands.train_vocoder import main

if __name__ == "__main__":
    sys.exit(main())
