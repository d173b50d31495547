"""Tables and figures of a latent-size sweep (from its sweep.json and model folders)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from genre_base.files import write_text  # noqa: E402
from genre_base.intervals import Interval, is_interval  # noqa: E402
from genre_base.plots import save_figure  # noqa: E402

CEILING = "ceiling: best of vocoder, Griffin-Lim on true mel"
PANELS = (  # (title, [(row column, label, style)])
    ("decoded-mel L1 (lower is better)", [("vae_mel_l1", "VAE", "o-"), ("pca_mel_l1", "PCA, same size", "s--")]),
    (
        "onset-envelope correlation (rhythm)",
        [
            ("onset_corr", "VAE + vocoder", "o-"),
            ("griffin_lim_onset_corr", "VAE + Griffin-Lim", "^:"),
            ("pca_onset_corr", "PCA + vocoder", "s--"),
            ("ceiling_onset_corr", CEILING, "k-"),
        ],
    ),
    (
        "chroma correlation (harmony)",
        [
            ("chroma4096_corr", "VAE + vocoder", "o-"),
            ("griffin_lim_chroma4096_corr", "VAE + Griffin-Lim", "^:"),
            ("pca_chroma4096_corr", "PCA + vocoder", "s--"),
            ("ceiling_chroma4096_corr", CEILING, "k-"),
        ],
    ),
    (
        "independent judge agreement with the original",
        [
            ("ind_agreement", "VAE + vocoder", "o-"),
            ("pca_ind_agreement", "PCA + vocoder", "s--"),
            ("ceiling_ind_agreement", CEILING, "k-"),
        ],
    ),
    (
        "FAD / real clips' own FAD (lower is better)",
        [("fad_ratio", "VAE + vocoder", "o-"), ("pca_fad_ratio", "PCA + vocoder", "s--")],
    ),
    (
        "MR-STFT distance (lower is better)",
        [("mr_stft", "VAE + vocoder", "o-"), ("ceiling_mr_stft", "vocoder on true mel", "k-")],
    ),
)
THRESHOLD_OF = {
    "onset-envelope correlation (rhythm)": "onset_corr",
    "chroma correlation (harmony)": "chroma4096_corr",
    "independent judge agreement with the original": "ind_agreement",
    "FAD / real clips' own FAD (lower is better)": "fad_ratio",
}


PER_LAYOUT = (
    "vae_mel_l1",
    "onset_corr",
    "griffin_lim_onset_corr",
    "chroma4096_corr",
    "griffin_lim_chroma4096_corr",
    "ind_agreement",
    "fad_ratio",
    "mr_stft",
)  # columns that depend on the VAE's frames (one line each)


def _series(rows: list[dict], column: str, frame_counts: list[int]) -> list[tuple[str, list[dict]]]:
    """The rows of one plotted line per frame count for VAE columns; one line over all sizes otherwise."""
    if column in PER_LAYOUT and len(frame_counts) > 1:
        return [(f", {f} frames", [r for r in rows if r.get("frames") == f]) for f in frame_counts]
    unique = {r["size"]: r for r in rows}  # PCA and ceilings depend on the size only
    return [("", [unique[k] for k in sorted(unique)])]


def rate_distortion_figure(record: dict, split: str, path: Path) -> None:
    rows = sorted(record["rows"][split], key=lambda r: r["size"])
    d_star = record["decision"]["size"]
    frame_counts = record.get("frames") or sorted({r.get("frames", 0) for r in rows})
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, (title, series) in zip(axes.flat, PANELS):
        for column, label, style in series:
            for k, (suffix, subset) in enumerate(_series(rows, column, frame_counts)):
                cells = [(r["size"], r[column]) for r in subset if r.get(column) is not None]
                if not cells:
                    continue
                x = [size for size, _ in cells]
                found = [Interval.from_json(v) if is_interval(v) else None for _, v in cells]
                y = [iv.value if iv else v for iv, (_, v) in zip(found, cells)]
                err = [[i.value - i.low for i in found], [i.high - i.value for i in found]] if all(found) else None
                line_style = style if k == 0 else style.replace("-", "--").replace(":", "-.")
                ax.errorbar(
                    x,
                    y,
                    yerr=err,
                    fmt=line_style,
                    label=label + suffix,
                    capsize=3,
                    markersize=4,
                    mfc="none" if k else None,
                )
        if title in THRESHOLD_OF and THRESHOLD_OF[title] in record.get("thresholds", {}):
            ax.axhline(record["thresholds"][THRESHOLD_OF[title]], color="red", lw=0.8, ls=":", label="rule threshold")
        ax.axvline(d_star, color="green", lw=0.8, ls="--")
        ax.set_xscale("log", base=2)
        ax.set_xticks(record["sizes"], _tick_labels(record["sizes"]))
        ax.minorticks_off()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("latent floats per 5 s clip")
        ax.legend(fontsize=6, loc="best")
    judge = _judge_test(record)
    chosen = record["decision"].get("layout") or d_star
    fig.suptitle(
        f"Latent-size sweep, {split} split (95% CI over tracks); the rule's pick among these sizes, on valid: {d_star} ({chosen}) (green). "
        f"Independent judge on real test clips: balanced accuracy {judge['balanced_accuracy'].value:.2f}, "
        f"kappa {judge['kappa'].value:.2f}",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, path)


def _judge_test(record: dict) -> dict[str, Interval]:
    """The independent judge's test balanced accuracy and kappa the sweep recorded (NaN for a sweep without one)."""
    test = record.get("independent_judge", {}).get("test", {})
    missing = Interval(float("nan"), float("nan"), float("nan")).to_json()
    return {k: Interval.from_json(test.get(k, missing)) for k in ("balanced_accuracy", "kappa")}


def _tick_labels(sizes: list[int], spacing: float = 1.3) -> list[str]:
    """A label for a size only when it is ``spacing`` times the last labelled one (108 and 128 would overlap)."""
    labels, last = [], None
    for v in sorted(sizes):
        keep = last is None or v / last >= spacing
        labels.append(str(v) if keep else "")
        last = v if keep else last
    return labels


def mel_grid_figure(out: Path, layouts: list[list[int]], path: Path) -> None:
    """One test clip's mel: the original, then the VAE reconstruction at every layout."""
    import autoencoder
    from autoencoder.sweep import Layout
    from genre_base.clips import fixed_clips
    from genre_base.plots import save_mels

    found = [Layout(*lo) for lo in layouts]
    codecs = {
        f"{lo.size} ({lo.name})": autoencoder.load(autoencoder.trained_model(out / lo.run_name), vocoder=False)
        for lo in found
    }
    first = next(iter(codecs.values()))
    data = autoencoder.PreparedDataset(_data_path(out))
    wave, rows = fixed_clips(data, "test", 1)
    mels = [("original", first.frontend(wave)[0])]
    with torch.no_grad():
        mels += [(f"D = {s}", c.decode_mel(c.encode(wave))[0]) for s, c in codecs.items()]
    save_mels(path, mels, f"{data.track_ids[rows[0]]}, clip {data.clip_index[rows[0]]}")


def _data_path(out: Path) -> str:
    import json

    return json.loads((out / "sweep.json").read_text())["data"]


def markdown_table(record: dict, split: str) -> str:
    cols = [
        ("size", "D"),
        ("layout", "layout"),
        ("vae_mel_l1", "VAE mel L1"),
        ("pca_mel_l1", "PCA mel L1"),
        ("vae_over_pca", "VAE/PCA"),
        ("onset_corr", "onset"),
        ("pca_onset_corr", "PCA onset"),
        ("chroma4096_corr", "chroma"),
        ("pca_chroma4096_corr", "PCA chroma"),
        ("ind_agreement", "ind. judge agr."),
        ("fad_ratio", "FAD ratio"),
        ("pca_fad_ratio", "PCA FAD ratio"),
        ("judge_agreement", "in-house judge agr."),
        ("mr_stft", "MR-STFT"),
        ("shortfall", "rule shortfall"),
        ("active_dims", "active dims"),
    ]
    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|---" * len(cols) + "|"]
    for r in record["rows"][split]:
        cells = []
        for key, _ in cols:
            v = r.get(key)
            cells.append(
                "n/a"
                if v is None
                else v
                if isinstance(v, str)
                else Interval.from_json(v).text(3)
                if is_interval(v)
                else (str(int(v)) if key in ("size", "active_dims") else f"{v:.3f}")
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(record: dict, out: str | Path) -> None:
    out = Path(out)
    rate_distortion_figure(record, "test", out / "rate_distortion_test.png")
    rate_distortion_figure(record, "valid", out / "rate_distortion_valid.png")
    mel_grid_figure(out, record["layouts"], out / "mel_grid.png")
    write_text(out / "table.md", report_text(record))


def report_text(record: dict) -> str:
    """The sweep's table.md: the rule, its decision, the judges and the test and valid tables."""
    judge = record.get("judge_test_scores", {})
    ind = _judge_test(record)
    accuracy = ind["balanced_accuracy"]
    text = [
        "# Latent-size sweep\n",
        f"Rule (set before the sweep, applied on valid): {record['rule']}; ceilings "
        f"measured in this run {record.get('ceilings')}, so thresholds {record.get('thresholds')}\n",
        f"**{record['decision']['reason']}**\n",
        f"Sizes for the analysis if this pick is D* (its frames, half/same/twice its channels): {record['decision']['analysis_sizes']}\n",
        # the interval printed as the list the sweep tables have always shown
        f"Independent judge on real test clips: balanced accuracy {accuracy.value:.3f} "
        f"{[accuracy.low, accuracy.high]}, Cohen's kappa {ind['kappa'].value:.3f}. In-house judge "
        f"(second opinion): balanced accuracy {judge.get('test_balanced_accuracy', float('nan')):.3f}, "
        f"Cohen's kappa {judge.get('test_cohen_kappa', float('nan')):.3f} "
        f"(chance {judge.get('test_chance_balanced_accuracy', float('nan')):.3f}).\n",
        "## Test split (mean [95% CI over tracks])\n",
        markdown_table(record, "test"),
        "\n## Valid split (where the rule is applied)\n",
        markdown_table(record, "valid"),
    ]
    return "\n".join(text) + "\n"
