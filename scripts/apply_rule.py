"""Kept for old command lines: this is `genre-ldm apply-rule` (same arguments; see genre_ldm/commands/apply_rule.py)."""

import sys

from genre_ldm.commands.apply_rule import main

if __name__ == "__main__":
    sys.exit(main())
