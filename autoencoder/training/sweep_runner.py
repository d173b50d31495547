"""Run the latent-size sweep: train (or resume, or skip) one VAE per layout, evaluate, apply the rule."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from genre_base.artifacts import command_line, content_hash, trained_model, write_json
from genre_base.audio import save_audio
from genre_base.clips import PreparedDataset, fixed_clips
from genre_base.config import ConfigError
from genre_base.errors import MissingInputError
from genre_base.files import write_text
from genre_base.independent.judge import load_independent_judge
from genre_base.intervals import Interval, is_interval
from genre_base.metrics import METRICS_VERSION
from genre_base.stats import bootstrap_ci
from genre_base.training.common import load_extras
from genre_base.training.loop import latest_checkpoint, seed_initial_weights, train

from ..codec import load, load_judge, load_vocoder
from ..evaluate import evaluate_stage_one
from ..pca import MelPCA, fit_nested
from ..sweep import (
    RELATIVE,
    RULE_METRICS,
    Layout,
    SweepConfig,
    choose_size,
    intervals_overlap,
    row_key,
    shortfall,
    size_config,
)
from .vae_task import VAETask

log = logging.getLogger(__name__)

ROW_KEYS = {  # row column -> key in the evaluation summary
    "vae_mel_l1": "vae_mel_l1",
    "pca_mel_l1": "pca_mel_l1",
    "mr_stft": "vae_vocoder/mr_stft",
    "heard_log_mel_l1": "vae_vocoder/log_mel_l1",
    "onset_corr": "vae_vocoder/onset_corr",
    "chroma4096_corr": "vae_vocoder/chroma4096_corr",
    "centroid_corr": "vae_vocoder/centroid_corr",
    "judge_agreement": "vae_vocoder/judge_agreement",
    "griffin_lim_onset_corr": "vae_griffin_lim/onset_corr",
    "griffin_lim_chroma4096_corr": "vae_griffin_lim/chroma4096_corr",
    "pca_onset_corr": "pca_vocoder/onset_corr",
    "pca_chroma4096_corr": "pca_vocoder/chroma4096_corr",
    "pca_judge_agreement": "pca_vocoder/judge_agreement",
    "ceiling_judge_agreement": "vocoder_true_mel/judge_agreement",
    "ceiling_mr_stft": "vocoder_true_mel/mr_stft",
    "ind_agreement": "vae_vocoder/ind_agreement",
    "ind_kl": "vae_vocoder/ind_kl",
    "pca_ind_agreement": "pca_vocoder/ind_agreement",
    **{
        f"{path}_{name}": f"{key}/{name}"
        for path, key in (("vocoder_true", "vocoder_true_mel"), ("griffin_lim_true", "griffin_lim_true_mel"))
        for name in RELATIVE
    },
}


def summary_row(layout: Layout, result: dict, train_metrics: dict) -> dict:
    """One table row: the metrics the study reports, each an :class:`Interval`'s JSON (its mean and
    interval over tracks); the ceilings, FAD values and ratios of means as plain point estimates."""
    s = result["summary"]
    row: dict = {
        "size": layout.size,
        "layout": layout.name,
        "channels": layout.channels,
        "frames": layout.frames,
        "global_size": layout.global_size,
    }
    for column, key in ROW_KEYS.items():
        if key in s:
            row[column] = Interval.from_json(s[key]).to_json()
    for name in RELATIVE:  # the ceiling: the better of the two decoders on true mels
        keys = (f"vocoder_true_{name}", f"griffin_lim_true_{name}")
        candidates = [Interval.from_json(row[k]).value for k in keys if k in row]
        if candidates:
            row[f"ceiling_{name}"] = max(candidates)
    fad = s.get("fad", {}).get("sets", {})
    for column, path in (("fad_ratio", "vae_vocoder"), ("pca_fad_ratio", "pca_vocoder")):
        if path in fad:
            row[column] = Interval.from_json(fad[path]["ratio_to_original"]).to_json()
            row[column.replace("ratio", "value")] = Interval.from_json(fad[path]["fad"]).value
    if "original" in fad:
        row["fad_floor"] = Interval.from_json(fad["original"]["fad"]).value
    ratio = s.get("vae_over_pca_mel_l1")  # absent where PCA does not apply
    row["vae_over_pca"] = Interval.from_json(ratio).value if ratio is not None else None
    row["judge_balanced_accuracy"] = s.get("judge_balanced_accuracy", {}).get("vae_vocoder")
    row["active_dims"] = train_metrics.get("active_dims")
    row["kl_per_dim"] = train_metrics.get("kl_per_dim")
    return row


def rule_values(row: dict) -> dict[str, float]:
    """The point estimates of a table row's :data:`RULE_METRICS` (what :func:`shortfall` reads)."""
    return {k: Interval.from_json(row[k]).value for k in RULE_METRICS}


def rule_rows(rows: list[dict]) -> list[dict]:
    """What :func:`choose_size` reads of each table row: its layout, the point estimates of the rule's
    metrics and the shortfall intervals as :class:`Interval`."""
    out = []
    for r in rows:
        row = {k: r[k] for k in ("size", "layout", "channels", "frames", "global_size") if k in r}
        row.update(rule_values(r))
        if "shortfall" in r:
            row["shortfall"] = Interval.from_json(r["shortfall"])
        if "shortfall_gap" in r:
            row["shortfall_gap"] = {k: Interval.from_json(v) for k, v in r["shortfall_gap"].items()}
        out.append(row)
    return out


def seed_from(previous_run: Path, run_dir: Path) -> None:
    """Start ``run_dir`` from the newest checkpoint (and best model) of a finished shorter run.

    This is how the chosen sizes continue from the brief budget to the full one: same weights,
    optimiser and step counter, a longer schedule.
    """
    newest = latest_checkpoint(previous_run)
    if newest is None:
        raise MissingInputError(f"{str(previous_run)!r} has no checkpoint to continue from")
    shutil.copytree(newest, run_dir / "checkpoints" / newest.name)
    if (previous_run / "best").is_dir():
        shutil.copytree(previous_run / "best", run_dir / "best")


def train_size(
    cfg: SweepConfig,
    layout: Layout,
    data: PreparedDataset,
    vocoder_dir: str,
    run_dir: Path,
    progress: bool,
    continue_from: Path | None = None,
) -> dict:
    """Train the VAE of one layout unless it is done; resume it when it was interrupted."""
    if (run_dir / "metrics.json").is_file() and (run_dir / "model").is_dir():
        return json.loads((run_dir / "metrics.json").read_text())
    # A chosen size that the brief sweep did not train (e.g. 2 x D* beyond its largest size) starts from scratch.
    if continue_from is not None and latest_checkpoint(run_dir) is None and (continue_from / run_dir.name).is_dir():
        seed_from(continue_from / run_dir.name, run_dir)
    vae_cfg = size_config(cfg.vae, layout)
    vocoder, _ = load_vocoder(vocoder_dir)
    seed_initial_weights(vae_cfg.loop)  # every layout starts from the seed, as the sweep promises
    task = VAETask(vae_cfg, data, vocoder, vocoder_dir)
    return train(task, vae_cfg.loop, run_dir, vae_cfg, resume=latest_checkpoint(run_dir) is not None, progress=progress)


def _clip_measures(result: dict) -> dict[str, np.ndarray]:
    """Per-clip values of the rule's relative measures for the VAE + vocoder path."""
    return {n: np.asarray(result["clips"][f"vae_vocoder/{n}"]) for n in RELATIVE}


def _shortfall_at(
    measures: dict[str, np.ndarray], idx: np.ndarray, fad_ratio: float, thresholds: dict[str, float]
) -> float:
    return shortfall({**{n: float(v[idx].mean()) for n, v in measures.items()}, "fad_ratio": fad_ratio}, thresholds)


def shortfall_interval(row: dict, result: dict, thresholds: dict[str, float], n_boot: int) -> dict:
    """The rule's shortfall for one size and its 95 % interval over tracks (the FAD term at its
    estimate), as an :class:`Interval`'s JSON."""
    measures, fad_ratio = _clip_measures(result), Interval.from_json(row["fad_ratio"]).value
    lo, hi = bootstrap_ci(
        lambda idx: _shortfall_at(measures, idx, fad_ratio, thresholds), result["clips"]["track_id"], n_boot
    )
    return Interval(shortfall(rule_values(row), thresholds), lo, hi).to_json()


def shortfall_gaps(rows: list[dict], results: list[dict], thresholds: dict[str, float], n_boot: int) -> None:
    """Add to each row ``shortfall_gap``: the paired interval over tracks of its shortfall minus
    every other size's, for sizes evaluated on the same clips. The FAD terms are not resampled here
    (each size's FAD has its own bootstrap), so when two sizes' FAD-ratio intervals overlap their FAD
    terms are set equal and cancel: only a FAD difference the intervals support can separate sizes."""
    for row, result in zip(rows, results):
        row["shortfall_gap"] = {}
        for other, other_result in zip(rows, results):
            if other is row or other_result["clips"]["track_id"] != result["clips"]["track_id"]:
                continue
            a, b = _clip_measures(result), _clip_measures(other_result)
            ratio_a, ratio_b = Interval.from_json(row["fad_ratio"]), Interval.from_json(other["fad_ratio"])
            fa = ratio_a.value
            fb = fa if intervals_overlap(ratio_a, ratio_b) else ratio_b.value

            def gap(idx, a=a, b=b, fa=fa, fb=fb) -> float:
                return _shortfall_at(a, idx, fa, thresholds) - _shortfall_at(b, idx, fb, thresholds)

            point = shortfall({**rule_values(row), "fad_ratio": fa}, thresholds) - shortfall(
                {**rule_values(other), "fad_ratio": fb}, thresholds
            )
            lo, hi = bootstrap_ci(gap, result["clips"]["track_id"], n_boot)
            row["shortfall_gap"][row_key(other)] = Interval(point, lo, hi).to_json()


class SweepPCA:
    """The PCA baseline of a whole sweep, fitted once (when first needed) at its largest size on the
    audio the VAEs train on (the train split plus any extra music) and truncated for each size."""

    def __init__(self, cfg: SweepConfig, data: PreparedDataset) -> None:
        self.cfg, self.data, self._fit, self._done = cfg, data, None, False

    def get(self) -> MelPCA | None:
        if not self._done:
            from genre_base.mel import MelFrontend

            self._fit = fit_nested(
                MelFrontend(self.cfg.vae.mel),
                self.data,
                load_extras(self.cfg.vae.extra_data, self.data),
                max(lo.size for lo in self.cfg.layouts()),
            )
            self._done = True
        return self._fit


def evaluate_size(
    cfg: SweepConfig,
    run_dir: Path,
    data: PreparedDataset,
    judge_dir: str,
    split: str,
    progress: bool,
    independent_dir: str | None = None,
    pca: SweepPCA | None = None,
) -> dict:
    path = run_dir / f"eval_{split}.json"
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached.get("metrics_version") == METRICS_VERSION:  # an evaluation of older metrics is redone
            return cached
    codec = load(trained_model(run_dir), device="auto")
    pca = pca or SweepPCA(cfg, data)
    result = evaluate_stage_one(
        codec,
        data,
        split,
        cfg.eval_max_clips,
        judge=load_judge(judge_dir, codec.device),
        independent=load_independent_judge(independent_dir, codec.device),
        progress=progress,
        n_boot=cfg.n_boot,
        pca_extras=load_extras(cfg.vae.extra_data, data),
        pca_fit=pca.get(),
    )
    result["metrics_version"] = METRICS_VERSION
    write_json(path, result)
    return result


def audio_tag(layout: Layout) -> str:
    return f"D{layout.size:04d}-{layout.name}"


def write_audio(cfg: SweepConfig, layout: Layout, run_dir: Path, data: PreparedDataset, out: Path) -> None:
    """The same test clips at this layout (vocoder and Griffin-Lim), for listening; kept out of git."""
    codec = load(trained_model(run_dir), device="auto")
    waves, rows = fixed_clips(data, "test", cfg.audio_clips)
    z = codec.encode(waves)  # on the codec's device; save_audio brings waves back to the CPU
    tag = audio_tag(layout)
    for wave, row, voc, gl in zip(waves, rows, codec.decode(z), codec.decode(z, griffin_lim=True)):
        name = f"{data.track_ids[row]}_clip{data.clip_index[row]}"
        save_audio(out / "audio" / name / "original.wav", wave, codec.sample_rate)
        save_audio(out / "audio" / name / f"{tag}_vocoder.wav", voc, codec.sample_rate)
        save_audio(out / "audio" / name / f"{tag}_griffin_lim.wav", gl, codec.sample_rate)


def run_sweep(
    cfg: SweepConfig,
    data_dir: str,
    vocoder_dir: str,
    judge_dir: str,
    out: str | Path,
    progress: bool = True,
    continue_from: str | Path | None = None,
    independent_dir: str | None = None,
) -> dict:
    """Train, evaluate and tabulate every layout of ``cfg.layouts()``; returns the sweep record.

    With ``continue_from`` (an earlier, shorter sweep) each size starts from that sweep's newest
    checkpoint instead of from scratch.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = PreparedDataset(data_dir)
    rows: dict[str, list[dict]] = {"valid": [], "test": []}
    valid_results = []
    cpu_seconds = {}
    pca = SweepPCA(cfg, data)
    header = f"{'D':>6} {'layout':>8} {'VAE L1':>8} {'PCA L1':>8} {'ratio':>6} {'onset':>6} {'chroma':>6} {'agree':>6} {'FAD x':>6}"
    log.info(f"valid split, {cfg.eval_max_clips} clips per size\n{header}")
    for layout in cfg.layouts():
        start = time.process_time()
        run_dir = out / layout.run_name
        train_metrics = train_size(
            cfg, layout, data, vocoder_dir, run_dir, progress, Path(continue_from) if continue_from else None
        )
        for split in ("valid", "test"):
            result = evaluate_size(cfg, run_dir, data, judge_dir, split, progress, independent_dir, pca)
            rows[split].append(summary_row(layout, result, train_metrics))
            if split == "valid":
                valid_results.append(result)
        if not (out / "audio").exists() or not any((out / "audio").rglob(f"{audio_tag(layout)}_vocoder.wav")):
            write_audio(cfg, layout, run_dir, data, out)
        cpu_seconds[layout.name] = time.process_time() - start
        r = {k: Interval.from_json(v).value if is_interval(v) else v for k, v in rows["valid"][-1].items()}
        log.info(
            f"{layout.size:>6} {layout.name:>8} {r['vae_mel_l1']:>8.3f} {r.get('pca_mel_l1', float('nan')):>8.3f} "
            f"{r['vae_over_pca'] or float('nan'):>6.2f} {r['onset_corr']:>6.3f} {r['chroma4096_corr']:>6.3f} "
            f"{r['ind_agreement']:>6.3f} {r['fad_ratio']:>6.2f}"
        )
    # The ceilings come from the true-mel paths, which do not depend on the VAE: the smallest size's
    # evaluation measures them and they are frozen for every size.
    ceilings = {name: rows["valid"][0][f"ceiling_{name}"] for name in RELATIVE}
    thresholds = cfg.rule.thresholds(ceilings)
    for row, result in zip(rows["valid"], valid_results):
        row["shortfall"] = shortfall_interval(row, result, thresholds, cfg.n_boot)
    shortfall_gaps(rows["valid"], valid_results, thresholds, cfg.n_boot)
    decision = choose_size(rule_rows(rows["valid"]), cfg.rule, ceilings)
    independent = load_independent_judge(independent_dir)
    record = {
        "command": command_line(),
        "data": str(data_dir),
        "vocoder": str(vocoder_dir),
        "judge": str(judge_dir),
        "continued_from": str(continue_from) if continue_from else None,
        "max_steps": cfg.vae.loop.max_steps,
        "eval_max_clips": cfg.eval_max_clips,
        "rule": asdict(cfg.rule),
        "ceilings": ceilings,
        "thresholds": thresholds,
        "decision": decision._asdict(),
        "rows": rows,
        "cpu_seconds_this_invocation": cpu_seconds,
        "sizes": sorted({lo.size for lo in cfg.layouts()}),
        "frames": sorted(cfg.frames),
        "layouts": [list(lo) for lo in cfg.layouts()],
        "extra_training_music": list(cfg.vae.extra_data),
        "judge_test_scores": load_judge(judge_dir).metrics,
        "independent_judge": independent.describe(),
        "torch_threads": torch.get_num_threads(),
    }
    write_json(out / "sweep.json", record)
    log.info(decision.reason)
    log.info(
        f"sizes for the analysis ({decision.frames or 'the same'} frames, half/same/twice D*'s channels): "
        f"{list(decision.analysis_sizes)}"
    )
    return record


def sweep_latent_sizes(
    cfg: SweepConfig,
    data: str | Path,
    vocoder: str | Path,
    judge: str | Path,
    out: str | Path,
    *,
    continue_from: str | Path | None = None,
    progress: bool = True,
    independent: str | Path | None = None,
) -> dict:
    """The whole sweep: train/resume every size, evaluate, apply the rule, write the tables and figures."""
    from ..sweep_report import write_report

    bad = [s for s in cfg.sizes if not 8 <= s <= 4096]
    if bad:
        raise ConfigError(f"sizes must be in 8..4096, got {bad}")
    record = run_sweep(
        cfg,
        str(data),
        str(vocoder),
        str(judge),
        out,
        progress=progress,
        continue_from=continue_from,
        independent_dir=str(independent) if independent else None,
    )
    write_report(record, out)
    return record


def apply_rule_to_models(
    cfg: SweepConfig,
    models: list[str | Path],
    data: str | Path,
    out: str | Path,
    *,
    judge: str | Path | None = None,
    independent: str | Path | None = None,
    progress: bool = True,
) -> dict:
    """The rule of ``cfg`` applied, on valid, to trained VAE folders (e.g. the shipped sizes) without
    training anything: each is evaluated on up to ``cfg.full_eval_max_clips`` valid clips, the ceilings
    come from the smallest one's evaluation, and the decision is written to ``out/rule.json`` and ``out/table.md``."""
    from ..sweep_report import markdown_table

    out = Path(out)
    dataset = PreparedDataset(data)
    extras = load_extras(cfg.vae.extra_data, dataset)  # PCA is fitted on the audio the VAEs trained on
    ind = load_independent_judge(independent)
    evaluated = []
    for folder in models:
        codec = load(folder, device="auto")
        c = codec.vae.config
        layout = Layout(codec.latent_size, c.global_size, c.latent_channels, c.latent_frames)
        path = out / f"eval_valid_D{codec.latent_size}_{layout.name}.json"  # two layouts of one size apart
        stamp = {
            "model_hash": content_hash(folder),
            "judge_hash": ind.hash,
            "metrics_version": METRICS_VERSION,
            "max_clips": cfg.full_eval_max_clips,
            "n_boot": cfg.n_boot,
            **({"pca_extra_data": list(cfg.vae.extra_data)} if cfg.vae.extra_data else {}),
        }
        previous = json.loads(path.read_text()) if path.is_file() else {}
        if previous.get("stamp") == stamp:  # the same model, judge and settings: its evaluation is reused
            result = previous
        else:
            result = evaluate_stage_one(
                codec,
                dataset,
                "valid",
                cfg.full_eval_max_clips,
                progress=progress,
                judge=load_judge(judge, codec.device) if judge else None,
                independent=ind.to(codec.device),
                n_boot=cfg.n_boot,
                pca_extras=extras,
            )
            result["stamp"] = stamp
            write_json(path, result)
        evaluated.append((layout, result))
    evaluated.sort(key=lambda item: (item[0].size, item[0].frames))
    rows = [summary_row(layout, result, {}) for layout, result in evaluated]
    ceilings = {name: rows[0][f"ceiling_{name}"] for name in RELATIVE}
    thresholds = cfg.rule.thresholds(ceilings)
    for row, (_, result) in zip(rows, evaluated):
        row["shortfall"] = shortfall_interval(row, result, thresholds, cfg.n_boot)
    shortfall_gaps(rows, [r for _, r in evaluated], thresholds, cfg.n_boot)
    decision = choose_size(rule_rows(rows), cfg.rule, ceilings)
    record = {
        "command": command_line(),
        "models": [str(m) for m in models],
        "data": str(data),
        "pca_extra_data": list(cfg.vae.extra_data),
        "rule": asdict(cfg.rule),
        "ceilings": ceilings,
        "thresholds": thresholds,
        "decision": decision._asdict(),
        "rows": {"valid": rows},
        "eval_max_clips": cfg.full_eval_max_clips,
        "independent_judge": ind.describe(),
    }
    write_json(out / "rule.json", record)
    write_text(
        out / "table.md",
        "\n".join(
            [
                "# The sweep's rule applied to trained models (valid split)\n",
                f"Rule: {record['rule']}; ceilings (better of vocoder and Griffin-Lim on true mels) {ceilings}; "
                f"thresholds {thresholds}.\n",
                f"**{decision.reason}**\n",
                markdown_table(record, "valid"),
            ]
        )
        + "\n",
    )
    return record
