"""Kept for old command lines: this is `genre-ldm evaluate-editing` (same arguments; see genre_ldm/commands/evaluate_editing.py)."""

import sys

from genre_ldm.commands.evaluate_editing import main

if __name__ == "__main__":
    sys.exit(main())
