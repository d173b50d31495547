r"""Plot validation curves of several training runs from their TensorBoard files, on one figure.

    genre-ldm plot-runs runs/vae-a runs/vae-b --tags valid/mel_l1 valid/heard_onset_corr \
        --baseline valid/pca_mel_l1 --out results/runs.png [--labels "A" "B"]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genre_base import command
from genre_base.training.curves import plot_runs


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--tags", nargs="+", required=True)
    parser.add_argument("--baseline", help="a tag drawn once, dashed, on the first panel (e.g. the PCA figure)")
    parser.add_argument("--labels", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    print(f"wrote {plot_runs(args.runs, args.tags, args.out, args.labels, args.baseline)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
