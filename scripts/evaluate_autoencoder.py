"""Kept for old command lines: this is `genre-ldm evaluate-autoencoder` (same arguments; see genre_ldm/commands/evaluate_autoencoder.py)."""

import sys

from genre_ldm.commands.evaluate_autoencoder import main

if __name__ == "__main__":
    sys.exit(main())
