"""Kept for old command lines: this is `genre-ldm sweep` (same arguments; see genre_ldm/commands/sweep_latent_sizes.py)."""

import sys

from genre_ldm.commands.sweep_latent_sizes import main

if __name__ == "__main__":
    sys.exit(main())
