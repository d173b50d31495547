"""Write the deterministic synthetic toy-genre collection in the GTZAN layout.

genre-ldm toy-data --out runs/toy/audio --tracks-per-genre 6 --seconds 12
"""

from __future__ import annotations

import argparse
import sys

from genre_base import command
from genre_base.toy import TOY_GENRES, make_toy_genres


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tracks-per-genre", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--genres", type=int, default=len(TOY_GENRES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = make_toy_genres(args.out, args.tracks_per_genre, args.seconds, seed=args.seed, genres=args.genres)
    print(f"wrote {len(paths)} toy tracks ({args.genres} genres x {args.tracks_per_genre}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
