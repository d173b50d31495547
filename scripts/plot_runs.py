"""Plot validation curves of several training runs from their TensorBoard files, on one figure.

    python scripts/plot_runs.py runs/vae-a runs/vae-b --tags valid/mel_l1 valid/heard_onset_corr \
        --baseline valid/pca_mel_l1 --out results/runs.png [--labels "A" "B"]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def scalars(run: Path, tag: str) -> dict[int, float]:
    values: dict[int, float] = {}
    for path in sorted((run / "tensorboard").glob("events.out.tfevents.*")):
        acc = EventAccumulator(str(path))
        acc.Reload()
        if tag in acc.Tags()["scalars"]:
            values.update({s.step: s.value for s in acc.Scalars(tag)})  # later files win after a resume
    return dict(sorted(values.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--tags", nargs="+", required=True)
    parser.add_argument("--baseline", help="a tag drawn once, dashed, on the first panel (e.g. the PCA figure)")
    parser.add_argument("--labels", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    labels = args.labels or [r.name for r in args.runs]
    fig, axes = plt.subplots(1, len(args.tags), figsize=(5.5 * len(args.tags), 4), squeeze=False)
    for ax, tag in zip(axes[0], args.tags):
        for run, label in zip(args.runs, labels):
            curve = scalars(run, tag)
            ax.plot(list(curve), list(curve.values()), "o-", ms=3, label=label)
        ax.set_title(tag, fontsize=10)
        ax.set_xlabel("step")
    if args.baseline:
        curve = scalars(args.runs[0], args.baseline)
        if curve:
            axes[0, 0].axhline(list(curve.values())[-1], color="black", ls="--", label=args.baseline)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
