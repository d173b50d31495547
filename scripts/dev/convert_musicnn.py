"""Convert the original MSD_musicnn (TensorFlow, inside the musicnn 0.1.0 wheel) into models/musicnn.

    python scripts/dev/convert_musicnn.py --out models/musicnn                   # downloads the wheel with pip
    python scripts/dev/convert_musicnn.py --wheel musicnn-0.1.0-py3-none-any.whl --out models/musicnn

TensorFlow is not needed: the checkpoint's index is read directly. The folder gets the weights
(no optimiser state), the original ISC licence and a model card. An existing --out is kept unless --force.
"""

from __future__ import annotations

import argparse
import sys

from genre_base import command
from genre_base.independent.convert import convert


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", help="path to musicnn-0.1.0-py3-none-any.whl (default: pip download it)")
    parser.add_argument("--out", default="models/musicnn")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    out = convert(args.wheel, args.out, force=args.force)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
