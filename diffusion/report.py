"""Tables, sentences and figures of a generation evaluation (``generation.json``)."""

from __future__ import annotations

from pathlib import Path

from genre_base.intervals import Interval
from genre_base.report_numbers import verdict

SETS = (
    ("generated", "generated"),
    ("real_test", "real test clips (the floor)"),
    ("reconstructed_test", "test clips through stage one (stage two's ceiling)"),
    ("prior", "VAE prior N(0, I)"),
)


def _iv(value: dict) -> Interval:
    return Interval.from_json(value)


def _fad_row(name: str, label: str, v: dict, rec: dict | None, fid: dict, div: float) -> str:
    ratio = _iv(v["ratio_to_real_test"]).text(2) if "ratio_to_real_test" in v else "1"  # the real clips: the floor
    recognised = _iv(rec["balanced_accuracy"]).text(3) if rec else "no genre asked"
    return (
        f"| {label} | {_iv(v['fad']).text(1)} | {ratio} | {recognised} | {fid['density']:.2f} / "
        f"{fid['coverage']:.2f} | {fid['precision']:.2f} / {fid['recall']:.2f} | {div:.2f} |"
    )


def summary_markdown(r: dict) -> str:
    fad, rec, mem = r["fad"], r["recognition"], r["memorisation"]
    judge = r.get("independent_judge_test", {})
    chosen = "given" if r.get("guidance_given") else r.get("chosen_because", "chosen on valid by the lowest FAD")
    setting = r.get("setting", f"{r['steps']} DDIM steps, guidance {r['guidance']}")
    floor_v = fad["floor_valid_vs_train"]
    floor_fad = _iv(floor_v["fad"])
    lines = [
        "# Generation: genre-conditioned latent diffusion",
        "",
        f"Model `{r['model']}`, {setting} ({chosen}), {r['num_clips']} clips "
        f"per set in the test split's genre mix, seed {r['seed']}. Independent judge (logistic regression on the "
        f"musicnn embedding) on real test clips: balanced accuracy "
        f"{_iv(judge['balanced_accuracy']).text(3) if judge else 'n/a'}.",
        "",
        f"FAD from {fad['against']} (musicnn penultimate layer, 95 % intervals: tracks of real clips resampled, "
        "bias-corrected; ratios paired with the real test clips' own FAD). Density / coverage and precision / recall "
        "against the same train clips (k = 5). Diversity: mean pairwise distance in the embedding.",
        "",
        "| clips | FAD | ratio to real | recognised (balanced acc.) | density / coverage | precision / recall | diversity |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, label in SETS:
        lines.append(_fad_row(name, label, fad["sets"][name], rec.get(name), r["fidelity"][name], r["diversity"][name]))
    gen, real = _iv(fad["sets"]["generated"]["fad"]), _iv(fad["sets"]["real_test"]["fad"])
    lines += [
        "",
        f"- Second floor: real valid clips vs real train clips ({floor_fad.n[0]} clips, genres "
        f"{', '.join(floor_v['genres'])}): FAD {floor_fad.text(1)}.",
        "- " + verdict("the generated set", gen, "the real test clips", real, "FAD from the train clips"),
        "- "
        + verdict(
            "the generated set",
            gen,
            "the reconstructed test clips",
            _iv(fad["sets"]["reconstructed_test"]["fad"]),
            "FAD from the train clips",
        ),
        "- "
        + verdict(
            "the generated set",
            _iv(rec["generated"]["balanced_accuracy"]),
            "the real test clips",
            _iv(rec["real_test"]["balanced_accuracy"]),
            "recognition by the independent judge",
            lower_is_better=False,
        ),
        *_from_test(r.get("fad_from_test")),
        f"- Independent judge's verdicts on {sum(r['prior_verdicts'].values())} prior samples: "
        + ", ".join(f"{g} {n}" for g, n in sorted(r["prior_verdicts"].items(), key=lambda kv: -kv[1]) if n)
        + ".",
    ]
    for space, m in mem.items():
        f = _iv(m["fraction"])
        lines.append(
            f"- Memorisation ({space}): {100 * f.value:.1f} % [{100 * f.low:.1f}, "
            f"{100 * f.high:.1f}] of generated clips are nearer a training clip than 5 % of test clips "
            f"are (about {100 * m['expected']:.0f} % when nothing is copied)."
        )
    if "in_house_judge" in r:
        a = r["in_house_judge"]["generated"]
        lines.append(
            f"- In-house judge (second opinion, test balanced accuracy "
            f"{r['in_house_judge']['test_scores'].get('test_balanced_accuracy', float('nan')):.2f}): "
            f"accuracy on generated clips {_iv(a['accuracy']).text(3)}."
        )
    lines += [
        "",
        "## Per genre (test)",
        "",
        "| genre | recognised: generated | real | reconstructed | diversity: generated | real | "
        "coverage: generated | real |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for g, pg in r["per_genre"].items():
        cells = [_iv(rec[s]["per_genre"][g]).text(2) for s in ("generated", "real_test", "reconstructed_test")]
        lines.append(
            f"| {g} | " + " | ".join(cells) + f" | {pg['generated']['diversity']:.2f} | "
            f"{pg['real_test']['diversity']:.2f} | {pg['generated']['coverage']:.2f} | "
            f"{pg['real_test']['coverage']:.2f} |"
        )
    less = [g for g, pg in r["per_genre"].items() if pg["generated"]["diversity"] < pg["real_test"]["diversity"]]
    lines += [
        "",
        f"Generated clips are less varied than the real test clips in {len(less)} of {len(r['per_genre'])} "
        f"genres{': ' + ', '.join(less) if less else ''} (overall diversity {r['diversity']['generated']:.2f} "
        f"generated vs {r['diversity']['real_test']:.2f} real).",
    ]
    if r["guidance_sweep_valid"]:
        lines += [
            "",
            "## Sampling settings (valid)",
            "",
            "| setting | FAD | real valid's FAD | recognised | worst genre |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {s.get('setting', s['guidance'])} | {_iv(s['fad']).text(1)} | "
            f"{_iv(s['floor']).value:.1f} | {_iv(s['recognition']['balanced_accuracy']).value:.3f} | "
            f"{_worst(s)} |"
            for s in r["guidance_sweep_valid"]
        ]
    return "\n".join(lines) + "\n"


def _from_test(t: dict | None) -> list[str]:
    """Sentences on the FADs measured from the real test clips (absent in older evaluations)."""
    if not t:
        return []
    gen, rec, same = (_iv(t[k]) for k in ("generated", "reconstructed_train", "generated_on_floor_genres"))
    floor = t["floor_valid"]
    return [
        f"- From the real test clips: generated {gen.text(1)}, train clips through stage one "
        f"{rec.text(1)} (same mix and size; ratio {t['ratios']['generated_over_reconstructed_train']:.2f}"
        f"); real valid clips {_iv(floor['fad']).text(1)} against generated "
        f"{same.text(1)} on the genres valid has ({', '.join(floor['genres'])}; ratio "
        f"{t['ratios']['generated_over_floor']:.2f})."
    ]


def _worst(row: dict) -> str:
    w = row.get("worst_genre")
    return f"{w['genre']} {_iv(w['recall']).value:.2f}" if w else "n/a"


def write_figures(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from genre_base.plots import save_figure

    sweep = r["guidance_sweep_valid"]
    if sweep:
        fig, ax = plt.subplots(figsize=(5, 4))
        fads = [_iv(s["fad"]) for s in sweep]
        x = [f.value for f in fads]
        y = [_iv(s["recognition"]["balanced_accuracy"]).value for s in sweep]
        ax.errorbar(
            x,
            y,
            xerr=[[f.value - f.low for f in fads], [f.high - f.value for f in fads]],
            fmt="o",
            capsize=3,
            label="all genres (balanced accuracy)",
        )
        if all("worst_genre" in s for s in sweep):
            ax.plot(x, [_iv(s["worst_genre"]["recall"]).value for s in sweep], "v", color="C3", label="worst genre")
        for s, xi, yi in zip(sweep, x, y):
            label = s["setting"].split(", ", 1)[-1] if "setting" in s else f"g={s['guidance']:g}"
            ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(5, 5), fontsize=7)
        ax.axvline(_iv(sweep[0]["floor"]).value, color="gray", ls=":", label="real valid clips")
        ax.set_xlabel("FAD from real train clips (musicnn)")
        ax.set_ylabel("recognised by the independent judge")
        ax.set_title("Sampling settings (valid)", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        save_figure(fig, out / "guidance_sweep.png")

    rec = r["recognition"]
    genres = list(r["per_genre"])
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.6))
    width = 0.27
    for k, (name, label) in enumerate(
        [("generated", "generated"), ("reconstructed_test", "reconstructed test"), ("real_test", "real test")]
    ):
        a.bar(
            [i + (k - 1) * width for i in range(len(genres))],
            [_iv(rec[name]["per_genre"][g]).value if g in rec[name]["per_genre"] else 0 for g in genres],
            width,
            label=label,
        )
        b.bar(
            [i + (k - 1) * width for i in range(len(genres))],
            [r["per_genre"][g][name]["diversity"] for g in genres],
            width,
            label=label,
        )
    a.axhline(1 / len(genres), color="gray", ls=":", label="chance")
    for ax, ylabel in ((a, "recognised by the independent judge"), (b, "within-genre diversity (embedding)")):
        ax.set_xticks(range(len(genres)), genres, rotation=30)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "per_genre.png")
