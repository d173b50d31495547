"""Kept for old command lines: this is `genre-ldm train-vae` (same arguments; see genre_ldm/commands/train_autoencoder.py)."""

import sys

from genre_ldm.commands.train_autoencoder import main

if __name__ == "__main__":
    sys.exit(main())
