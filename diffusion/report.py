"""Tables, sentences and figures of a generation evaluation (``generation.json``)."""

from __future__ import annotations

from pathlib import Path

from analysis.report_numbers import verdict


def _ci(v: dict, key: str = "value") -> str:
    return f"{v[key]:.3f} [{v['ci'][0]:.3f}, {v['ci'][1]:.3f}]"


def summary_markdown(r: dict) -> str:
    acc, fd, mem, div = r["accuracy"], r["frechet"], r["memorisation"], r["diversity"]
    judge = r.get("judge_real_test_scores", {})
    lines = [
        "# Generation: genre-conditioned latent diffusion",
        "",
        f"Model `{r['model']}`, {r['steps']} DDIM steps, guidance {r['guidance']} (chosen on valid by the lowest "
        f"Fréchet distance), {r['num_clips']} clips per set in the test split's genre mix, seed {r['seed']}.",
        f"Judge on real test clips: balanced accuracy {judge.get('test_balanced_accuracy', float('nan')):.3f}, "
        f"Cohen's kappa {judge.get('test_cohen_kappa', float('nan')):.3f} (chance 0.100).",
        "",
        "| clips | judge accuracy [95% CI] | balanced acc. | Fréchet to real test (judge embedding) [95% CI] |",
        "|---|---|---|---|",
        f"| generated | {_ci(acc['generated'], 'accuracy')} | {acc['generated']['balanced_accuracy']:.3f} | "
        f"{_ci(fd['generated_vs_test'])} |",
        f"| real test | {_ci(acc['real_test'], 'accuracy')} | {acc['real_test']['balanced_accuracy']:.3f} | 0 (itself) |",
        f"| reconstructed train (reference) | {_ci(acc['reconstructed_train'], 'accuracy')} | "
        f"{acc['reconstructed_train']['balanced_accuracy']:.3f} | {_ci(fd['reconstructed_train_vs_test'])} |",
        f"| VAE prior N(0, I) | no genre asked | | {_ci(fd['prior_vs_test'])} |",
        "",
        "- " + verdict("the generated set", fd["generated_vs_test"]["ci"], "the reconstructed training set",
                       fd["reconstructed_train_vs_test"]["ci"], "Fréchet distance to real test clips"),
        "- " + verdict("the generated set", fd["generated_vs_test"]["ci"], "the prior samples", fd["prior_vs_test"]["ci"],
                       "Fréchet distance to real test clips"),
        "- " + verdict("the generated set", acc["generated"]["ci"], "the real test set", acc["real_test"]["ci"],
                       "judge accuracy", lower_is_better=False),
        f"- Judge verdicts on {sum(r['prior_verdicts'].values())} prior samples: "
        + ", ".join(f"{g} {n}" for g, n in sorted(r["prior_verdicts"].items(), key=lambda kv: -kv[1]) if n) + ".",
        f"- Diversity (mean pairwise distance): judge embedding {div['generated_embed']:.3f} generated vs "
        f"{div['test_embed']:.3f} real test; normalised latents {div['generated_latent']:.2f} vs {div['test_latent']:.2f}.",
        f"- Memorisation: {100 * mem['fraction']:.1f} % [{100 * mem['ci'][0]:.1f}, {100 * mem['ci'][1]:.1f}] of generated "
        f"clips are nearer a training latent than 5 % of test clips are (about {100 * mem['expected']:.0f} % when "
        f"nothing is copied).",
        "",
        "## Guidance sweep (valid)",
        "",
        "| guidance | judge accuracy | Fréchet to real valid |",
        "|---|---|---|",
    ]
    lines += [f"| {s['guidance']} | {_ci(s['accuracy'], 'accuracy')} | {_ci(s['frechet'])} |" for s in r["guidance_sweep_valid"]]
    lines += ["", "## Per genre (test)", "", "| genre | generated acc. | real acc. | diversity gen. | diversity real |",
              "|---|---|---|---|---|"]
    for g, real in acc["real_test"]["per_genre"].items():
        d = r["per_genre_diversity"].get(g, {})
        lines.append(f"| {g} | {acc['generated']['per_genre'].get(g, float('nan')):.3f} | {real:.3f} | "
                     f"{d.get('generated', float('nan')):.3f} | {d.get('test', float('nan')):.3f} |")
    return "\n".join(lines) + "\n"


def write_figures(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autoencoder.plots import save_figure

    sweep = r["guidance_sweep_valid"]
    fig, ax = plt.subplots(figsize=(5, 4))
    x = [s["frechet"]["value"] for s in sweep]
    y = [s["accuracy"]["accuracy"] for s in sweep]
    ax.errorbar(x, y, xerr=[[v - s["frechet"]["ci"][0] for v, s in zip(x, sweep)], [s["frechet"]["ci"][1] - v for v, s in zip(x, sweep)]],
                yerr=[[v - s["accuracy"]["ci"][0] for v, s in zip(y, sweep)], [s["accuracy"]["ci"][1] - v for v, s in zip(y, sweep)]],
                fmt="o-", capsize=3)
    for s, xi, yi in zip(sweep, x, y):
        ax.annotate(f"g={s['guidance']:g}", (xi, yi), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_xlabel("Fréchet distance to real valid clips (judge embedding)")
    ax.set_ylabel("judge accuracy on generated clips")
    ax.set_title("Guidance sweep (valid)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, out / "guidance_sweep.png")

    acc = r["accuracy"]
    genres = list(acc["real_test"]["per_genre"])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.27
    for k, (name, label) in enumerate([("generated", "generated"), ("reconstructed_train", "reconstructed train"),
                                       ("real_test", "real test")]):
        ax.bar([i + (k - 1) * width for i in range(len(genres))], [acc[name]["per_genre"].get(g, 0) for g in genres],
               width, label=label)
    ax.axhline(0.1, color="gray", ls=":", label="chance")
    ax.set_xticks(range(len(genres)), genres, rotation=30)
    ax.set_ylabel("judge accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "per_genre.png")
