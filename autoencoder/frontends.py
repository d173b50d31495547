"""Which mel front-end? Ceilings of candidate front-ends on one yardstick, and what each costs.

For each candidate (band count, STFT size; hop, range and rate fixed) the true mel of every chosen
clip is turned back into audio by Griffin-Lim, with no model in between: whatever harmony or
rhythm is lost there, no stage one trained on that front-end can win back. Every candidate is
measured by the same front-end-free measures (:func:`genre_base.metrics.chroma` for harmony, the
4,096-point yardstick for onset and distance, MR-STFT), with intervals over tracks. The cost side
times what the front-end changes in stage one: a VAE training step at the stage-one layout, encode
and decode per clip, a vocoder training step, and the peak memory of the VAE step (each candidate in
a fresh process, so one candidate's allocations never count against the next).

The rule (written in the config before the run): the smallest front-end (fewest bands, then the
smaller n_fft) whose point estimates on the split meet ``harmony_min`` and ``onset_min``.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from genre_base import metrics as M
from genre_base.clips import PreparedDataset
from genre_base.intervals import Interval
from genre_base.mel import MelFrontend, MelSettings
from genre_base.stats import bootstrap_mean_ci
from genre_base.timing import median_seconds

from .griffin_lim import GriffinLim
from .vae import MelVAE
from .vocoder import Vocoder

log = logging.getLogger(__name__)

CEILING_METRICS = ("chroma4096_corr", "yardstick_onset_corr", "yardstick_db", "mr_stft")


@dataclass
class Candidate:
    n_mels: int
    n_fft: int

    @property
    def name(self) -> str:
        return f"{self.n_mels}/{self.n_fft}"


@dataclass
class FrontendRule:
    harmony_min: float = 0.9  # chroma4096_corr of Griffin-Lim on true mels
    onset_min: float = 0.97  # yardstick_onset_corr of the same


@dataclass
class CostConfig:
    latent_channels: int = 10  # the stage-one layout (10 x 108 = D* of the shipped study)
    latent_frames: int = 108
    vae_channels: list[int] = field(default_factory=lambda: [96, 160, 192])
    vae_batch: int = 32
    vocoder_batch: int = 16
    vocoder_crop_seconds: float = 1.0
    runs: int = 3
    threads: int = 2


@dataclass
class FrontendStudyConfig:
    candidates: list[Candidate] = field(
        default_factory=lambda: [
            Candidate(80, 1024),
            Candidate(96, 1024),
            Candidate(128, 1024),
            Candidate(128, 2048),
            Candidate(160, 2048),
            Candidate(256, 2048),
        ]
    )
    rule: FrontendRule = field(default_factory=FrontendRule)
    cost: CostConfig = field(default_factory=CostConfig)
    split: str = "valid"
    clips_per_track: int = 2  # evenly spaced windows of each track of the split
    griffin_lim_iters: int = 64
    hop_length: int = 256
    clip_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not self.candidates:
            raise ValueError("need at least one candidate front-end")
        if self.clips_per_track < 1 or self.griffin_lim_iters < 1:
            raise ValueError(
                f"need clips_per_track >= 1 and griffin_lim_iters >= 1, got {self.clips_per_track}, "
                f"{self.griffin_lim_iters}"
            )


def settings_of(candidate: Candidate, hop_length: int = 256) -> MelSettings:
    """The candidate as mel settings (its filterbank checked: a rank-deficient one is an error)."""
    return MelSettings(n_mels=candidate.n_mels, n_fft=candidate.n_fft, hop_length=hop_length)


def study_clips(data: PreparedDataset, split: str, per_track: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``per_track`` evenly spaced windows of every track of ``split`` and their track ids."""
    rows = data.indices(split)
    tracks = data.track_ids[rows]
    chosen = []
    for track in dict.fromkeys(tracks):
        members = rows[tracks == track]
        picks = np.unique(np.linspace(0, len(members) - 1, min(per_track, len(members))).round().astype(int))
        chosen.extend(members[picks])
    chosen = np.asarray(chosen)
    return chosen, data.track_ids[chosen]


@torch.no_grad()
def ceilings(settings: MelSettings, waves: torch.Tensor, n_iter: int, batch: int = 8) -> dict[str, np.ndarray]:
    """Griffin-Lim of each clip's true mel, measured against the clip: ``{metric: (N,)}``."""
    frontend = MelFrontend(settings)
    gl = GriffinLim(frontend, n_iter=n_iter)
    out: dict[str, list[np.ndarray]] = {k: [] for k in CEILING_METRICS}
    for i in range(0, len(waves), batch):
        w = waves[i : i + batch]
        scores = M.compare(frontend, w, gl(frontend(w), w.shape[-1]))
        for k in CEILING_METRICS:
            out[k].append(scores[k].numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def summarise(values: dict[str, np.ndarray], tracks: np.ndarray) -> dict[str, dict]:
    """Per metric: the mean and its interval over tracks (an :class:`Interval`'s JSON)."""
    return {k: Interval(*bootstrap_mean_ci(v, tracks)).to_json() for k, v in values.items()}


def choose(rows: list[dict], rule: FrontendRule) -> dict | None:
    """The smallest candidate (fewest bands, then smaller n_fft) whose point estimates meet the rule."""
    for row in sorted(rows, key=lambda r: (r["n_mels"], r["n_fft"])):
        c = {k: Interval.from_json(v).value for k, v in row["ceiling"].items()}
        if c["chroma4096_corr"] >= rule.harmony_min and c["yardstick_onset_corr"] >= rule.onset_min:
            return row
    return None


def _rss_mib() -> float:
    """This process's resident memory now (Linux ``/proc``; the peak ``ru_maxrss`` where it is absent)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PeakSampler:
    """The highest resident memory seen while the block runs, sampled every 2 ms in a thread: the
    process-wide ``ru_maxrss`` cannot tell one step's peak from an earlier, larger one (imports)."""

    def __enter__(self) -> _PeakSampler:
        self.peak, self._stop = _rss_mib(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss_mib())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mib())


def measure_cost(settings: MelSettings, cost: CostConfig, clip_seconds: float = 5.0) -> dict[str, float]:
    """Step times (median of ``cost.runs`` after a warm-up) and the VAE step's peak memory, in this process."""
    torch.set_num_threads(cost.threads)
    torch.manual_seed(0)
    frontend = MelFrontend(settings)
    samples = int(clip_seconds * settings.sample_rate)
    vae = MelVAE(
        n_mels=settings.n_mels,
        num_frames=settings.num_frames(samples),
        latent_channels=cost.latent_channels,
        latent_frames=cost.latent_frames,
        channels=tuple(cost.vae_channels),
    )
    vocoder = Vocoder(n_mels=settings.n_mels, n_fft=settings.n_fft, hop_length=settings.hop_length)
    waves = 0.1 * torch.randn(cost.vae_batch, samples)
    mel = frontend(waves)
    opt = torch.optim.AdamW(vae.parameters(), lr=1e-4)

    def vae_step() -> None:
        recon, post = vae(frontend(waves))
        loss = F.l1_loss(recon, mel) + 1e-6 * post.kl_per_dim().flatten(1).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    vae_step()  # the optimiser's state exists from here on: the peak below is one step's own
    before = _rss_mib()
    with _PeakSampler() as sampler:
        vae_seconds = median_seconds(vae_step, cost.runs)
    vae_peak = sampler.peak
    crop = 0.1 * torch.randn(cost.vocoder_batch, int(cost.vocoder_crop_seconds * settings.sample_rate))
    crop_mel = frontend(crop)
    mrstft = M.multi_resolution_stft(settings.sample_rate)
    vopt = torch.optim.AdamW(vocoder.parameters(), lr=1e-4)

    def vocoder_step() -> None:
        pred = vocoder(crop_mel, crop.shape[-1])
        loss = mrstft(pred[:, None], crop[:, None]) + 2.0 * F.l1_loss(frontend(pred), crop_mel)
        vopt.zero_grad(set_to_none=True)
        loss.backward()
        vopt.step()

    vocoder_seconds = median_seconds(vocoder_step, cost.runs)
    vae.eval(), vocoder.eval()
    one = waves[:8]
    with torch.no_grad():
        z = vae.encode(frontend(one)).mean
        encode = median_seconds(lambda: vae.encode(frontend(one)).mean, cost.runs) / len(one)
        decode = median_seconds(lambda: vocoder(vae.decode(z), samples), cost.runs) / len(one)
    return {
        "vae_step_s": vae_seconds,
        "vae_step_peak_rss_mib": vae_peak,
        "rss_before_vae_step_mib": before,
        "vae_step_extra_mib": vae_peak - before,
        "vocoder_step_s": vocoder_seconds,
        "encode_s_per_clip": encode,
        "decode_s_per_clip": decode,
        "vae_parameters": sum(p.numel() for p in vae.parameters()),
        "vocoder_parameters": sum(p.numel() for p in vocoder.parameters()),
    }


def _cost_worker(settings: dict, cost: dict, clip_seconds: float, queue) -> None:
    queue.put(measure_cost(MelSettings(**settings), CostConfig(**cost), clip_seconds))


def measure_cost_isolated(settings: MelSettings, cost: CostConfig, clip_seconds: float = 5.0) -> dict[str, float]:
    """:func:`measure_cost` in a fresh process, so its peak memory is its own."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_cost_worker, args=(settings.to_dict(), asdict(cost), clip_seconds, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def run_study(data: PreparedDataset, cfg: FrontendStudyConfig, with_cost: bool = True) -> dict:
    """Every candidate's ceilings (and costs), the rule's choice and the protocol, as one record."""
    rows_idx, tracks = study_clips(data, cfg.split, cfg.clips_per_track)
    waves = data.waves(rows_idx)
    log.info(
        f"{cfg.split}: {len(rows_idx)} clips of {len(set(tracks))} tracks; Griffin-Lim {cfg.griffin_lim_iters} iterations"
    )
    rows = []
    for cand in cfg.candidates:
        settings = settings_of(cand, cfg.hop_length)
        start = time.perf_counter()
        values = ceilings(settings, waves, cfg.griffin_lim_iters)
        row = {
            "name": cand.name,
            "n_mels": cand.n_mels,
            "n_fft": cand.n_fft,
            "ceiling": summarise(values, tracks),
            "ceiling_seconds": time.perf_counter() - start,
            "input_floats_per_clip": cand.n_mels * settings.num_frames(int(cfg.clip_seconds * settings.sample_rate)),
        }
        if with_cost:
            row["cost"] = measure_cost_isolated(settings, cfg.cost, cfg.clip_seconds)
        c = {k: Interval.from_json(v).value for k, v in row["ceiling"].items()}
        log.info(
            f"{cand.name:>9}: harmony {c['chroma4096_corr']:.3f} onset {c['yardstick_onset_corr']:.3f} "
            f"distance {c['yardstick_db']:.2f} dB MR-STFT {c['mr_stft']:.3f}"
            + (f"; VAE step {row['cost']['vae_step_s']:.2f} s" if with_cost else "")
        )
        rows.append(row)
    chosen = choose(rows, cfg.rule)
    return {
        "split": cfg.split,
        "num_clips": len(rows_idx),
        "num_tracks": len(set(tracks)),
        "protocol": {
            "griffin_lim_iters": cfg.griffin_lim_iters,
            "clips_per_track": cfg.clips_per_track,
            "hop_length": cfg.hop_length,
            "metrics_version": M.METRICS_VERSION,
            "harmony": f"chroma from a {M.HARMONY_N_FFT}-point STFT, hop {M.HARMONY_HOP}, 55 Hz-5 kHz",
            "yardstick": f"{M.HARMONY_N_FFT}-point log-magnitude STFT, {M.YARDSTICK_RANGE_DB:g} dB range",
            "intervals": "95 % bootstrap over tracks",
        },
        "rule": asdict(cfg.rule),
        "chosen": chosen["name"] if chosen else None,
        "candidates": rows,
    }


def table(record: dict) -> str:
    """The study as a Markdown table (ceilings with intervals, then costs)."""

    def ci(m: dict, digits: int = 3) -> str:
        return Interval.from_json(m).text(digits)

    head = (
        f"Ceilings on {record['split']} ({record['num_clips']} clips of {record['num_tracks']} tracks; Griffin-Lim "
        f"{record['protocol']['griffin_lim_iters']} iterations on true mels; 95 % intervals over tracks). "
        f"Rule: harmony >= {record['rule']['harmony_min']}, onset >= {record['rule']['onset_min']}; "
        f"chosen: **{record['chosen']}**."
    )
    columns = (
        "| front-end | harmony (chroma4096) | onset (yardstick) | distance (dB) | MR-STFT | VAE step (s) | "
        "VAE step extra RSS (MiB) | vocoder step (s) | encode / decode (ms per clip) |"
    )
    lines = [head, "", columns, "|---|---|---|---|---|---|---|---|---|"]
    for r in record["candidates"]:
        c, cost = r["ceiling"], r.get("cost")
        costs = (
            (
                f"{cost['vae_step_s']:.2f} | {cost['vae_step_extra_mib']:.0f} | {cost['vocoder_step_s']:.3f} | "
                f"{1000 * cost['encode_s_per_clip']:.1f} / {1000 * cost['decode_s_per_clip']:.1f}"
            )
            if cost
            else "| | |"
        )
        lines.append(
            f"| {r['name']} | {ci(c['chroma4096_corr'])} | {ci(c['yardstick_onset_corr'])} | "
            f"{ci(c['yardstick_db'], 2)} | {ci(c['mr_stft'])} | {costs} |"
        )
    return "\n".join(lines) + "\n"


def figure(record: dict):
    """Harmony and onset ceilings (with intervals and the rule's thresholds) and the VAE step cost, against bands."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = record["candidates"]
    with_cost = all("cost" in r for r in rows)
    fig, axes = plt.subplots(1, 3 if with_cost else 2, figsize=(12 if with_cost else 8, 3.6), squeeze=False)
    panels = [
        ("chroma4096_corr", "harmony ceiling (chroma, 4096-pt)", record["rule"]["harmony_min"]),
        ("yardstick_onset_corr", "onset ceiling (4096-pt yardstick)", record["rule"]["onset_min"]),
    ]
    for ax, (key, title, threshold) in zip(axes[0], panels):
        for n_fft, marker in ((1024, "o-"), (2048, "s--")):
            sel = [r for r in rows if r["n_fft"] == n_fft]
            if not sel:
                continue
            x = [r["n_mels"] for r in sel]
            ceiling = [Interval.from_json(r["ceiling"][key]) for r in sel]
            m = [c.value for c in ceiling]
            err = [[c.value - c.low for c in ceiling], [c.high - c.value for c in ceiling]]
            ax.errorbar(x, m, yerr=err, fmt=marker, capsize=3, label=f"n_fft {n_fft}")
        ax.axhline(threshold, color="k", lw=0.8, ls=":", label=f"rule {threshold}")
        ax.set_xlabel("mel bands")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    if with_cost:
        ax = axes[0][2]
        for n_fft, marker in ((1024, "o-"), (2048, "s--")):
            sel = [r for r in rows if r["n_fft"] == n_fft]
            if sel:
                ax.plot(
                    [r["n_mels"] for r in sel], [r["cost"]["vae_step_s"] for r in sel], marker, label=f"n_fft {n_fft}"
                )
        ax.set_xlabel("mel bands")
        ax.set_ylabel("s per VAE step")
        ax.set_title("cost: VAE training step at the stage-one layout", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Front-end candidates on {record['split']} (Griffin-Lim on true mels); chosen: {record['chosen']}", fontsize=10
    )
    fig.tight_layout()
    return fig


__all__ = [
    "Candidate",
    "CostConfig",
    "FrontendRule",
    "FrontendStudyConfig",
    "ceilings",
    "choose",
    "figure",
    "measure_cost",
    "run_study",
    "settings_of",
    "study_clips",
    "table",
]
