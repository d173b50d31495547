r"""Fit the independent genre judge on the musicnn embedding of real training clips, choose it on valid, test it.

    genre-ldm train-independent-judge --data data/gtzan --out models/independent-judge \
        --results results/judge/independent_judge.json

Layer (penultimate 200, pooled 1,506, tags 50), standardisation and C are chosen by valid balanced
accuracy; the chosen classifier is fitted on train only and scored on test (balanced accuracy and
Cohen's kappa, intervals over tracks), beside MFCC statistics through the same protocol.
Takes about 5 minutes on 2 CPU cores for the shared GTZAN copy (1,179 clips).
"""

from __future__ import annotations

import argparse
import sys

from genre_base import Interval, command
from genre_base.independent.fit_judge import train_independent_judge


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a prepared dataset (genre-ldm prepare)")
    parser.add_argument("--out", default="models/independent-judge")
    parser.add_argument("--results", help="JSON file for the selection table and test figures")
    parser.add_argument("--embedding", help="musicnn folder (default: models/musicnn)")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    report = train_independent_judge(args.data, args.out, args.results, embedding_dir=args.embedding, force=args.force)
    t, c = report["test"], report["chosen"]
    print(
        f"chosen on valid: layer {c['layer']}, standardise {c['standardise']}, C {c['C']} "
        f"(valid balanced accuracy {c['valid_balanced_accuracy']:.3f})"
    )
    accuracy, kappa = Interval.from_json(t["balanced_accuracy"]), Interval.from_json(t["kappa"])
    print(f"test balanced accuracy {accuracy.text(3)}, kappa {kappa.text(3)} ({t['n']} clips, {t['groups']} tracks)")
    b = Interval.from_json(report["baseline_mfcc_stats"]["test"]["balanced_accuracy"])
    print(f"MFCC statistics, same protocol: {b.text(3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
