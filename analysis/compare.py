"""Analyse latents files side by side: per file (clip and song level; flat and, for VAE latents
with a time axis, time-pooled) PCA spectrum, maps by genre, k-means for k = 2..20 (elbow and
homogeneity-completeness balance), Gaussian mixtures by BIC, Ward clustering, genre-centroid
distances, precision@10, logistic and k-NN probes; then one comparison table and figure."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from autoencoder.latents import load_latents
from genre_base.files import write_csv, write_json, write_text
from genre_base.intervals import Interval, is_interval
from genre_base.stats import N_BOOT, bootstrap_ci

from .figures import clustering_figure, comparison_figure, confusion_figure, maps_figure
from .study import analyse, views

log = logging.getLogger(__name__)

NOT_RUN = Interval(float("nan"), float("nan"), float("nan")).to_json()  # a probe the data could not support


def comparison_row(name: str, result: dict) -> dict:
    v = result["views"]["flat/clip"]
    row = {
        "name": name,
        "kind": result["manifest"]["kind"],
        "size": result["manifest"]["latent_size"],
        "chance": 1 / len(result["genres"]),
        "kmeans_v": v["kmeans_at_n_genres"]["v_measure"],
        "kmeans_ari": v["kmeans_at_n_genres"]["ari"],
        "silhouette": v["kmeans_at_n_genres"]["silhouette"],
        "k_elbow": v["k_elbow"],
        "k_balance": v["k_balance"],
        "k_bic": v["k_bic"],
        "precision_at_10": v["precision_at_10"],
        "distance_preprocessing": v["distance_preprocessing"],
    }
    for probe in ("logistic", "knn"):
        held = v["probes"][probe]
        row[f"{probe}_test"] = held.get("balanced_accuracy", NOT_RUN)
        row[f"{probe}_valid"] = held.get("chosen", {}).get("valid_balanced_accuracy", float("nan"))
        row[f"{probe}_chosen"] = held.get("chosen", {})
    song = result["views"]["flat/song"]
    row["song_logistic_test"] = song["probes"]["logistic"].get("balanced_accuracy", NOT_RUN)
    row["song_kmeans_v"] = song["kmeans_at_n_genres"]["v_measure"]
    # A probe the data could not support is n/a, with its reason in the table, never a silent NaN.
    row["probe_errors"] = "; ".join(
        f"{view} {probe}: {r['error']}"
        for view, res in result["views"].items()
        for probe, r in res["probes"].items()
        if "error" in r
    )
    pooled = result["views"].get("pooled/clip")
    pooled_test = pooled["probes"]["logistic"].get("balanced_accuracy") if pooled else None
    row["pooled_logistic_test"] = Interval.from_json(pooled_test).value if pooled_test is not None else None
    return row


def paired_probe_differences(files: dict, results: dict, n_boot: int = N_BOOT) -> list[dict]:
    """Logistic test balanced accuracy of every file minus every baseline's (MFCC statistics, PCA, musicnn)
    on the same test clips, with a paired bootstrap over test tracks (one resample scores both)."""
    out = []
    names = list(files)
    base = [n for n in names if files[n].manifest["kind"] in ("mfcc", "pca", "musicnn")]
    for a in names:
        for b in base:
            if a == b or not _same_clips(files[a], files[b]):
                continue
            pa, pb = (
                np.asarray(results[n]["views"]["flat/clip"]["probes"]["logistic"].get("predictions", []))
                for n in (a, b)
            )
            if len(pa) == 0 or len(pb) == 0:
                continue
            test = files[a].split == "test"
            genres = results[a]["genres"]
            y = np.array([genres.index(g) for g in files[a].genre[test]])
            groups = files[a].track_id[test]

            def diff(idx, pa=pa, pb=pb, y=y):
                return balanced_accuracy(y[idx], pa[idx]) - balanced_accuracy(y[idx], pb[idx])

            lo, hi = bootstrap_ci(diff, groups, n_boot)
            out.append(
                {
                    "a": a,
                    "b": b,
                    "metric": "logistic test balanced accuracy",
                    "difference": Interval(float(diff(np.arange(len(y)))), lo, hi).to_json(),
                }
            )
    return out


def balanced_accuracy(y, pred) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y, pred))


def _same_clips(a, b) -> bool:
    return len(a.track_id) == len(b.track_id) and bool((a.track_id == b.track_id).all() and (a.clip == b.clip).all())


def _ci(r: dict, key: str) -> str:
    return Interval.from_json(r[key]).text(3)


def csv_rows(rows: list[dict]) -> list[dict]:
    """The comparison rows for a CSV: each interval as three columns, ``<key>`` (its estimate),
    ``<key>_low`` and ``<key>_high``."""
    out = []
    for row in rows:
        flat = {}
        for key, v in row.items():
            if is_interval(v):
                i = Interval.from_json(v)
                flat.update({key: i.value, f"{key}_low": i.low, f"{key}_high": i.high})
            else:
                flat[key] = v
        out.append(flat)
    return out


def summary_text(rows: list[dict], differences: list[dict]) -> str:
    header = (
        "| file | kind | D | logistic (test) | k-NN (test) | chosen on valid (logistic; k-NN) | k-means V (k=#genres) "
        "| ARI | P@10 | k elbow / balance / BIC | per-song logistic (test) | pooled logistic (test) |"
    )
    lines = [header, "|---" * 12 + "|"]
    for r in rows:
        pooled = "-" if r["pooled_logistic_test"] is None else f"{r['pooled_logistic_test']:.3f}"
        lc, kc = r["logistic_chosen"], r["knn_chosen"]
        chosen = (
            f"{lc.get('preprocessing', '-')} C={lc.get('value', '-')}; {kc.get('preprocessing', '-')} "
            f"k={kc.get('value', '-')}"
        )
        best = " (best PCA on valid)" if r.get("pca_best_on_valid") else ""
        lines.append(
            f"| {r['name']}{best} | {r['kind']} | {r['size']} | {_ci(r, 'logistic_test')} | {_ci(r, 'knn_test')} | "
            f"{chosen} | {r['kmeans_v']:.3f} | {r['kmeans_ari']:.3f} | {r['precision_at_10']:.3f} | "
            f"{r['k_elbow']} / {r['k_balance']} / {r['k_bic']} | {_ci(r, 'song_logistic_test')} | {pooled} |"
        )
    diff_lines = [
        "",
        "Paired differences on the same test clips (logistic balanced accuracy, a - b, 95 % CI over "
        "test tracks; an interval that excludes 0 is a difference):",
        "",
        "| a | b | difference |",
        "|---|---|---|",
    ]
    diff_lines += [
        f"| {d['a']} | {d['b']} | {Interval.from_json(d['difference']).text(3, sign=True)} |" for d in differences
    ]
    notes = [f"- {r['name']}: not run: {r['probe_errors']}" for r in rows if r["probe_errors"]]
    intro = [
        f"chance: {rows[0]['chance']:.3f}. Each probe's preprocessing (standardised or not) and C or k were "
        "chosen on valid, the probe fitted on train and scored once on test; intervals resample test tracks."
    ]
    return "\n".join(
        ["# Latent-space analysis", ""]
        + intro
        + [""]
        + lines
        + (diff_lines if differences else [])
        + ([""] + notes if notes else [])
    )


def analyze_files(
    paths: list[str | Path], out: str | Path, *, seed: int = 0, umap: bool = True, n_boot: int = N_BOOT
) -> dict:
    """Analyse each latents file in ``paths``; writes ``analysis.json``, ``comparison.{json,csv,png}``,
    ``summary.md`` and per-file figures into ``out``; returns the per-file results."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {Path(p).stem: load_latents(p) for p in paths}
    methods = ("pca", "tsne", "umap") if umap else ("pca", "tsne")
    results, rows = {}, []
    for name, latents in files.items():
        log.info(f"analysing {name} ({len(latents.means)} clips x {latents.size})")
        results[name] = result = analyse(latents, seed, n_boot=n_boot)
        rows.append(comparison_row(name, result))
        flat = result["views"]["flat/clip"]
        clustering_figure(
            flat["kmeans"], flat["k_elbow"], flat["k_balance"], f"{name}: k-means on clips", out / f"{name}_kmeans.png"
        )
        maps_figure(
            views(latents)["flat"], latents.genre, f"{name}: clips by genre", out / f"{name}_maps.png", methods, seed
        )
        confusion = dict(flat["probes"]["logistic"]["confusion"])
        confusion["labels"] = [result["genres"][int(i)] for i in confusion["labels"]]  # class index -> genre name
        confusion_figure(confusion, f"{name}: logistic probe on test clips (counts)", out / f"{name}_confusion.png")
    pca_rows = [r for r in rows if r["kind"] == "pca"]
    best_pca = max(pca_rows, key=lambda r: r["logistic_valid"]) if pca_rows else None
    for r in rows:  # PCA at the dimension best on valid, beside PCA at the VAE's sizes
        r["pca_best_on_valid"] = r is best_pca
    differences = paired_probe_differences(files, results, n_boot)
    write_json(out / "analysis.json", results)
    write_json(out / "comparison.json", rows)
    write_json(out / "differences.json", differences)
    write_csv(out / "comparison.csv", csv_rows(rows))
    comparison_figure(rows, out / "comparison.png")
    summary = summary_text(rows, differences)
    write_text(out / "summary.md", summary + "\n")
    log.info(summary)
    return results
