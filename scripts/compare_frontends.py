"""Kept for old command lines: this is `genre-ldm compare-frontends` (same arguments; see genre_ldm/commands/compare_frontends.py)."""

import sys

from genre_ldm.commands.compare_frontends import main

if __name__ == "__main__":
    sys.exit(main())
