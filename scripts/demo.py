"""The demo: make the toy-genre collection, prepare it, and show what was prepared.

    python scripts/demo.py --out runs/demo

Later stages extend the demo into the whole study (see the README).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autoencoder.prepare import PrepareOptions, format_summary, prepare_dataset  # noqa: E402
from autoencoder.toy import make_toy_genres  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/demo")
    args = parser.parse_args(argv)
    out = Path(args.out)
    audio = out / "toy_audio"
    if not audio.exists():
        make_toy_genres(audio, tracks_per_genre=8, seconds=20.0)
    summary = prepare_dataset(audio, out / "toy_data", PrepareOptions())
    print(format_summary(summary))
    print(f"prepared toy dataset: {out / 'toy_data'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
