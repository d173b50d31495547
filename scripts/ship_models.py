"""Kept for old command lines: this is `genre-ldm ship` (same arguments; see genre_ldm/commands/ship_models.py)."""

import sys

from genre_ldm.commands.ship_models import main

if __name__ == "__main__":
    sys.exit(main())
