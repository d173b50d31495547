"""Kept for old command lines: this is `genre-ldm train-diffusion` (same arguments; see genre_ldm/commands/train_diffusion.py)."""

import sys

from genre_ldm.commands.train_diffusion import main

if __name__ == "__main__":
    sys.exit(main())
