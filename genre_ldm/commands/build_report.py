r"""Build the study report from results kept in different folders.

    genre-ldm report --out results/report --part data=data/gtzan \
        --part sweep=runs/sweep-layouts --part sweep-full=runs/sweep-analysis-1080 --part analysis=results/analysis \
        --part ood=results/ood --part manipulate=results/generation/manipulate --part generation=results/generation \
        --part songs=results/generation/editing

Each --part NAME=FOLDER stands for that step of a study folder (genre-ldm study builds its
own report); data and sweep are needed (a one-line error without them), the other parts left out appear as
not run. Clips derived from dataset audio are left out unless
--dataset-audio is given (for a report that is shared or committed).
"""

from __future__ import annotations

import argparse
import sys

from analysis.report_parts import PARTS, report_from_parts
from genre_base import command
from genre_base.errors import named_folders


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder for report.html, report.pdf and numbers.json")
    parser.add_argument(
        "--part", action="append", default=[], metavar="NAME=FOLDER", help=f"one of {', '.join(PARTS)}; repeatable"
    )
    parser.add_argument("--toy", action="store_true", help="the results are of the toy genres (labelled so, not GTZAN)")
    parser.add_argument("--dataset-audio", action="store_true", help="embed clips derived from dataset audio too")
    args = parser.parse_args(argv)
    html, pdf = report_from_parts(
        named_folders(args.part, "--part"), args.out, toy=args.toy, dataset_audio=args.dataset_audio
    )
    print(f"wrote {html} and {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
