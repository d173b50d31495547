"""Analyse latents files: projections, clustering, probes, retrieval, and a comparison across files.

    python scripts/analyze.py latents/vae-64.npz latents/vae-128.npz latents/vae-256.npz \
        latents/mfcc.npz latents/pca-128.npz --out results/analysis [--no-umap] [--seed 0]

Per file (clip and song level; flat and, for VAE latents with a time axis, time-pooled): PCA
spectrum, UMAP / t-SNE / PCA maps by genre, k-means for k = 2..20 (elbow and homogeneity-
completeness balance), Gaussian mixtures by BIC, Ward clustering, genre-centroid distances,
precision@10 by genre (other tracks only), logistic and k-NN probes (train+valid -> test, and
5-fold StratifiedGroupKFold over tracks). Writes analysis.json, comparison.csv, summary.md and PNGs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.figures import clustering_figure, comparison_figure, confusion_figure, maps_figure  # noqa: E402
from analysis.latents import LatentsFileError, load_latents  # noqa: E402
from analysis.study import analyse, views  # noqa: E402


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
    pooled = result["views"].get("pooled/clip")
    row["pooled_logistic_cv"] = pooled["probes"]["logistic"]["cv"].get("balanced_accuracy") if pooled else None
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("latents", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-umap", action="store_true", help="skip UMAP maps (it needs ~20 s to compile)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        files = {Path(p).stem: load_latents(p) for p in args.latents}
    except LatentsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    methods = ("pca", "tsne") if args.no_umap else ("pca", "tsne", "umap")
    results, rows = {}, []
    for name, latents in files.items():
        print(f"analysing {name} ({len(latents.means)} clips x {latents.size})", flush=True)
        results[name] = result = analyse(latents, args.seed)
        rows.append(comparison_row(name, result))
        flat = result["views"]["flat/clip"]
        clustering_figure(flat["kmeans"], flat["k_elbow"], flat["k_balance"], f"{name}: k-means on clips", out / f"{name}_kmeans.png")
        maps_figure(views(latents)["flat"], latents.genre, f"{name}: clips by genre", out / f"{name}_maps.png", methods, args.seed)
        confusion = dict(flat["probes"]["logistic"]["held_out"]["confusion"])
        confusion["labels"] = [result["genres"][int(i)] for i in confusion["labels"]]  # class index -> genre name
        confusion_figure(confusion, f"{name}: logistic probe on test clips (counts)", out / f"{name}_confusion.png")
    (out / "analysis.json").write_text(json.dumps(results, indent=1))
    (out / "comparison.json").write_text(json.dumps(rows, indent=1))
    with open(out / "comparison.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    comparison_figure(rows, out / "comparison.png")
    lines = ["| file | kind | D | logistic bal. acc (CV) | k-NN bal. acc (CV) | logistic test acc | k-means V (k=#genres) | ARI | P@10 | k elbow / balance / BIC | song logistic (CV) | pooled logistic (CV) |",
             "|---" * 12 + "|"]
    for r in rows:
        pooled = "-" if r["pooled_logistic_cv"] is None else f"{r['pooled_logistic_cv']:.3f}"
        lines.append(f"| {r['name']} | {r['kind']} | {r['size']} | {r['logistic_cv']:.3f} [{r['logistic_cv_ci'][0]:.3f}, {r['logistic_cv_ci'][1]:.3f}] | "
                     f"{r['knn_cv']:.3f} [{r['knn_cv_ci'][0]:.3f}, {r['knn_cv_ci'][1]:.3f}] | {r['logistic_test_acc']:.3f} "
                     f"[{r['logistic_test_acc_ci'][0]:.3f}, {r['logistic_test_acc_ci'][1]:.3f}] | {r['kmeans_v']:.3f} | {r['kmeans_ari']:.3f} | "
                     f"{r['precision_at_10']:.3f} | {r['k_elbow']} / {r['k_balance']} / {r['k_bic']} | {r['song_logistic_cv']:.3f} | {pooled} |")
    summary = "\n".join(["# Latent-space analysis", "", f"chance: {rows[0]['chance']:.3f}", ""] + lines)
    (out / "summary.md").write_text(summary + "\n")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
