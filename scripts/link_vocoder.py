"""Kept for old command lines: this is `genre-ldm link-vocoder` (same arguments; see genre_ldm/commands/link_vocoder.py)."""

import sys

from genre_ldm.commands.link_vocoder import main

if __name__ == "__main__":
    sys.exit(main())
