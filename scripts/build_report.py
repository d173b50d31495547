"""Kept for old command lines: this is `genre-ldm report` (same arguments; see genre_ldm/commands/build_report.py)."""

import sys

from genre_ldm.commands.build_report import main

if __name__ == "__main__":
    sys.exit(main())
