"""Analyse latents files side by side: per file (clip and song level; flat and, for VAE latents
with a time axis, time-pooled) PCA spectrum, maps by genre, k-means for k = 2..20 (elbow and
homogeneity-completeness balance), Gaussian mixtures by BIC, Ward clustering, genre-centroid
distances, precision@10, logistic and k-NN probes; then one comparison table and figure."""

from __future__ import annotations

from pathlib import Path

from autoencoder.files import write_csv, write_json, write_text
from autoencoder.stats import N_BOOT

from .figures import clustering_figure, comparison_figure, confusion_figure, maps_figure
from .latents import load_latents
from .study import analyse, views


def comparison_row(name: str, result: dict) -> dict:
    v = result["views"]["flat/clip"]
    row = {"name": name, "kind": result["manifest"]["kind"], "size": result["manifest"]["latent_size"],
           "chance": 1 / len(result["genres"]), "kmeans_v": v["kmeans_at_n_genres"]["v_measure"],
           "kmeans_ari": v["kmeans_at_n_genres"]["ari"], "silhouette": v["kmeans_at_n_genres"]["silhouette"],
           "k_elbow": v["k_elbow"], "k_balance": v["k_balance"], "k_bic": v["k_bic"], "precision_at_10": v["precision_at_10"]}
    for probe in ("logistic", "knn"):
        cv, held = v["probes"][probe]["cv"], v["probes"][probe]["held_out"]
        row[f"{probe}_cv"] = cv.get("balanced_accuracy", float("nan"))
        row[f"{probe}_cv_ci"] = cv.get("balanced_accuracy_ci", [float("nan")] * 2)
        row[f"{probe}_test_acc"] = held.get("accuracy", float("nan"))
        row[f"{probe}_test_acc_ci"] = held.get("accuracy_ci", [float("nan")] * 2)
    song = result["views"]["flat/song"]
    row["song_logistic_cv"] = song["probes"]["logistic"]["cv"].get("balanced_accuracy", float("nan"))
    row["song_kmeans_v"] = song["kmeans_at_n_genres"]["v_measure"]
    # A probe the data could not support is n/a, with its reason in the table, never a silent NaN.
    row["probe_errors"] = "; ".join(f"{view} {probe} {protocol}: {r['error']}" for view, res in result["views"].items()
                                    for probe, protocols in res["probes"].items()
                                    for protocol, r in protocols.items() if "error" in r)
    pooled = result["views"].get("pooled/clip")
    row["pooled_logistic_cv"] = pooled["probes"]["logistic"]["cv"].get("balanced_accuracy") if pooled else None
    return row


def analyze_files(paths: list[str | Path], out: str | Path, *, seed: int = 0, umap: bool = True,
                  n_boot: int = N_BOOT) -> dict:
    """Analyse each latents file in ``paths``; writes ``analysis.json``, ``comparison.{json,csv,png}``,
    ``summary.md`` and per-file figures into ``out``; returns the per-file results."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {Path(p).stem: load_latents(p) for p in paths}
    methods = ("pca", "tsne", "umap") if umap else ("pca", "tsne")
    results, rows = {}, []
    for name, latents in files.items():
        print(f"analysing {name} ({len(latents.means)} clips x {latents.size})", flush=True)
        results[name] = result = analyse(latents, seed, n_boot=n_boot)
        rows.append(comparison_row(name, result))
        flat = result["views"]["flat/clip"]
        clustering_figure(flat["kmeans"], flat["k_elbow"], flat["k_balance"], f"{name}: k-means on clips", out / f"{name}_kmeans.png")
        maps_figure(views(latents)["flat"], latents.genre, f"{name}: clips by genre", out / f"{name}_maps.png", methods, seed)
        confusion = dict(flat["probes"]["logistic"]["held_out"]["confusion"])
        confusion["labels"] = [result["genres"][int(i)] for i in confusion["labels"]]  # class index -> genre name
        confusion_figure(confusion, f"{name}: logistic probe on test clips (counts)", out / f"{name}_confusion.png")
    write_json(out / "analysis.json", results)
    write_json(out / "comparison.json", rows)
    write_csv(out / "comparison.csv", rows)
    comparison_figure(rows, out / "comparison.png")
    lines = ["| file | kind | D | logistic bal. acc (CV) | k-NN bal. acc (CV) | logistic test acc | k-means V (k=#genres) | ARI | P@10 | k elbow / balance / BIC | song logistic (CV) | pooled logistic (CV) |",
             "|---" * 12 + "|"]
    for r in rows:
        pooled = "-" if r["pooled_logistic_cv"] is None else f"{r['pooled_logistic_cv']:.3f}"
        lines.append(f"| {r['name']} | {r['kind']} | {r['size']} | {r['logistic_cv']:.3f} [{r['logistic_cv_ci'][0]:.3f}, {r['logistic_cv_ci'][1]:.3f}] | "
                     f"{r['knn_cv']:.3f} [{r['knn_cv_ci'][0]:.3f}, {r['knn_cv_ci'][1]:.3f}] | {r['logistic_test_acc']:.3f} "
                     f"[{r['logistic_test_acc_ci'][0]:.3f}, {r['logistic_test_acc_ci'][1]:.3f}] | {r['kmeans_v']:.3f} | {r['kmeans_ari']:.3f} | "
                     f"{r['precision_at_10']:.3f} | {r['k_elbow']} / {r['k_balance']} / {r['k_bic']} | {r['song_logistic_cv']:.3f} | {pooled} |")
    notes = [f"- {r['name']}: not run: {r['probe_errors']}" for r in rows if r["probe_errors"]]
    summary = "\n".join(["# Latent-space analysis", "", f"chance: {rows[0]['chance']:.3f}", ""] + lines
                        + ([""] + notes if notes else []))
    write_text(out / "summary.md", summary + "\n")
    print(summary)
    return results


