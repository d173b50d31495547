"""Kept for old command lines: this is `genre-ldm plot-runs` (same arguments; see genre_ldm/commands/plot_runs.py)."""

import sys

from genre_ldm.commands.plot_runs import main

if __name__ == "__main__":
    sys.exit(main())
