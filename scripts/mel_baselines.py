"""Kept for old command lines: this is `genre-ldm mel-baselines` (same arguments; see genre_ldm/commands/mel_baselines.py)."""

import sys

from genre_ldm.commands.mel_baselines import main

if __name__ == "__main__":
    sys.exit(main())
