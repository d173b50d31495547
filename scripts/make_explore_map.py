"""Kept for old command lines: this is `genre-ldm explore-map` (same arguments; see genre_ldm/commands/make_explore_map.py)."""

import sys

from genre_ldm.commands.make_explore_map import main

if __name__ == "__main__":
    sys.exit(main())
