"""Validation curves of training runs, read back from their TensorBoard files."""

from __future__ import annotations

from pathlib import Path

from ..plots import save_figure


def scalars(run: str | Path, tag: str) -> dict[int, float]:
    """``step -> value`` of one scalar tag of a run folder (later event files win after a resume)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    values: dict[int, float] = {}
    for path in sorted((Path(run) / "tensorboard").glob("events.out.tfevents.*")):
        acc = EventAccumulator(str(path))
        acc.Reload()
        if tag in acc.Tags()["scalars"]:
            values.update({s.step: s.value for s in acc.Scalars(tag)})
    return dict(sorted(values.items()))


def plot_runs(
    runs: list[str | Path],
    tags: list[str],
    out: str | Path,
    labels: list[str] | None = None,
    baseline: str | None = None,
) -> Path:
    """One panel per tag with a line per run; ``baseline`` (a tag) drawn once, dashed, on the first panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = labels or [Path(r).name for r in runs]
    fig, axes = plt.subplots(1, len(tags), figsize=(5.5 * len(tags), 4), squeeze=False)
    for ax, tag in zip(axes[0], tags):
        for run, label in zip(runs, labels):
            curve = scalars(run, tag)
            ax.plot(list(curve), list(curve.values()), "o-", ms=3, label=label)
        ax.set_title(tag, fontsize=10)
        ax.set_xlabel("step")
    if baseline:
        curve = scalars(runs[0], baseline)
        if curve:
            axes[0, 0].axhline(list(curve.values())[-1], color="black", ls="--", label=baseline)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, out)
