"""Vocoders and VAEs side by side on held-out clips, each against its baseline, clip by clip.

Paths are named ``<mel>/<decoder>``: ``true_mel/<name>`` decodes the clip's own mel (the decoder's
ceiling), ``<vae name>/<name>`` the mel a VAE decodes from the clip's posterior mean (what stage one
actually hears), ``pca-<D>/<name>`` PCA's reconstruction at a VAE's size D (fitted on the same
training audio); ``griffin_lim`` (32 iterations) is always one of the decoders. Every vocoder is
compared with Griffin-Lim, and with a baseline vocoder when one is named; every VAE with PCA at its
size and with the VAEs named in ``compare_mels`` (see :mod:`autoencoder.paths_eval` for the measures).
"""

from __future__ import annotations

import torch

from genre_base.clips import PreparedDataset
from genre_base.device import module_device
from genre_base.errors import UserError
from genre_base.independent.judge import IndependentJudge
from genre_base.mel import MelFrontend
from genre_base.stats import N_BOOT

from .griffin_lim import GriffinLim
from .paths_eval import MelSource, format_paths_table, score_paths
from .pca import fit_nested
from .vae import MelVAE
from .vocoder import Vocoder

GRIFFIN_LIM = "griffin_lim"


def evaluate_vocoders(
    vocoders: dict[str, Vocoder],
    frontend: MelFrontend,
    data: PreparedDataset,
    split: str = "valid",
    vaes: dict[str, MelVAE] | None = None,
    independent: IndependentJudge | None = None,
    baseline: str | None = None,
    max_clips: int | None = None,
    batch: int = 8,
    n_boot: int = N_BOOT,
    progress: bool = True,
    compare: list[tuple[str, str]] = (),
    pca: bool = False,
    pca_extras: list[PreparedDataset] = (),
    compare_mels: list[tuple[str, str]] = (),
    mel_figure: str | None = None,
) -> dict:
    """Score every vocoder and Griffin-Lim on ``split`` for true mels and every VAE's; returns
    ``{"summary", "clips", ...}``.

    ``baseline``: the name of one of ``vocoders`` that the others are also compared with;
    ``compare``: more ``(a, b)`` pairs of vocoder names compared clip by clip;
    ``pca``: also PCA at each VAE's size (fitted on train plus ``pca_extras``), compared with that VAE;
    ``compare_mels``: ``(a, b)`` pairs of VAE names compared clip by clip through every decoder;
    ``mel_figure``: a PNG path for one held-out clip's mel from every source, side by side.
    """
    vaes = vaes or {}
    clash = [name for name in vaes if name == "true_mel" or name.startswith("pca-")]
    if clash:
        raise UserError(f"VAE name {clash[0]!r} is reserved (true_mel, pca-<D>)")
    unknown = [name for pair in compare_mels for name in pair if name not in vaes]
    if unknown:
        raise UserError(f"compared VAE {unknown[0]!r} is not one of {sorted(vaes)}")
    if baseline is not None and baseline not in vocoders:
        raise ValueError(f"baseline {baseline!r} is not one of the vocoders {sorted(vocoders)}")
    unknown = [name for pair in compare for name in pair if name not in vocoders]
    if unknown:
        raise ValueError(f"compared vocoder {unknown[0]!r} is not one of {sorted(vocoders)}")
    device = module_device(frontend)
    sources: dict[str, MelSource] = {"true_mel": lambda mel: mel, **{name: vae_source(v) for name, v in vaes.items()}}
    mel_pairs = list(compare_mels)
    if pca:
        fitted = pca_sources(frontend, data, sorted({v.latent_size for v in vaes.values()}), pca_extras)
        sources.update(fitted)
        mel_pairs += [(name, f"pca-{v.latent_size}") for name, v in vaes.items() if f"pca-{v.latent_size}" in fitted]
    if mel_figure is not None:
        save_source_mels(mel_figure, sources, frontend, data, split)
    decoders = {**vocoders, GRIFFIN_LIM: GriffinLim(frontend).to(device)}
    named = [(v, other) for v in vocoders for other in (GRIFFIN_LIM, baseline) if other is not None and other != v]
    pairs = [(f"{s}/{a}", f"{s}/{b}") for s in sources for a, b in [*named, *compare]]
    pairs += [(f"{a}/{d}", f"{b}/{d}") for a, b in mel_pairs for d in decoders]
    result = score_paths(
        sources,
        decoders,
        frontend,
        data,
        split,
        independent=independent,
        pairs=pairs,
        max_clips=max_clips,
        batch=batch,
        n_boot=n_boot,
        progress=progress,
        device=device,
    )
    return {
        **result,
        "vocoders": sorted(vocoders),
        "baseline": baseline,
        "vaes": sorted(vaes),
        "pca_training_clips": sum(len(d.indices("train")) for d in (data, *pca_extras)) if pca else None,
    }


@torch.no_grad()
def save_source_mels(
    path: str, sources: dict[str, MelSource], frontend: MelFrontend, data: PreparedDataset, split: str
) -> None:
    """One seeded held-out clip's mel as every source reconstructs it (``true_mel`` is the original)."""
    from genre_base.clips import fixed_clips
    from genre_base.plots import save_mels

    wave, rows = fixed_clips(data, split, 1)
    mel = frontend(wave.to(module_device(frontend)))
    save_mels(
        path,
        [(name, source(mel)[0]) for name, source in sources.items()],
        f"{data.track_ids[rows[0]]}, clip {data.clip_index[rows[0]]} ({split})",
    )


def vae_source(vae: MelVAE) -> MelSource:
    """The mel ``vae`` decodes from a clip's posterior mean."""
    return lambda mel: vae.decode(vae.encode(mel).mean)


def pca_sources(
    frontend: MelFrontend, data: PreparedDataset, sizes: list[int], extras: list[PreparedDataset] = ()
) -> dict[str, MelSource]:
    """``{"pca-<D>": reconstruction}`` for every size below the number of training clips (train split of
    ``data`` plus ``extras``), from one fit at the largest size (PCA's leading components are nested)."""
    full = fit_nested(frontend, data, extras, max(sizes)) if sizes else None
    if full is None:
        return {}
    full.to(module_device(frontend))
    usable = [d for d in sizes if d <= full.dim]
    return {f"pca-{d}": full.truncated(d).reconstruct for d in usable}


format_vocoder_table = format_paths_table
