"""Kept for old command lines: this is `genre-ldm app` (same arguments; see genre_ldm/commands/app.py)."""

import sys

from genre_ldm.commands.app import main

if __name__ == "__main__":
    sys.exit(main())
