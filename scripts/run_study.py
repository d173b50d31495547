"""Kept for old command lines: this is `genre-ldm study` (same arguments; see genre_ldm/commands/run_study.py)."""

import sys

from genre_ldm.commands.run_study import main

if __name__ == "__main__":
    sys.exit(main())
