r"""Compare vocoders with each other and with Griffin-Lim, and VAEs with each other and with PCA, on
held-out clips: every vocoder on true mels and on the mels each VAE decodes.

    genre-ldm evaluate-vocoders --vocoder base=runs/vocoder-80/model --vocoder adversarial=models/vocoder-adversarial \
        --baseline base --vae models/vae-1080 --data data/gtzan --split valid --out results/stage_one/vocoder/valid

    # two VAEs through one vocoder, each beside PCA at its size fitted on the same training audio
    genre-ldm evaluate-vocoders --vocoder adversarial=models/vocoder-adversarial \
        --vae adv=runs/vae512-adv/model --vae l1=runs/vae512-l1/model --compare-mels adv:l1 \
        --pca --pca-extra data/unlabelled --data data/gtzan --split valid --out results/stage_one/ablation_512/valid

Writes ``metrics.json`` (per clip and summary, paired differences over tracks) and ``table.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genre_base import UserError, command
from genre_base.artifacts import command_line
from genre_base.errors import named_folders


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--vocoder",
        action="append",
        required=True,
        metavar="NAME=FOLDER",
        help="a trained vocoder folder under a short name (repeat for each)",
    )
    parser.add_argument("--baseline", help="NAME of the vocoder the others are also compared with, clip by clip")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="A:B",
        help="also compare vocoder A with vocoder B clip by clip (repeatable)",
    )
    parser.add_argument(
        "--vae",
        action="append",
        default=[],
        metavar="[NAME=]FOLDER",
        help="a VAE (repeatable; a bare FOLDER is named 'vae'): every decoder also on the mels it decodes",
    )
    parser.add_argument(
        "--compare-mels",
        action="append",
        default=[],
        metavar="A:B",
        help="compare VAE A with VAE B clip by clip through every decoder (repeatable)",
    )
    parser.add_argument("--pca", action="store_true", help="also PCA at each VAE's size, compared with that VAE")
    parser.add_argument(
        "--pca-extra",
        action="append",
        default=[],
        metavar="DIR",
        help="extra training music PCA is also fitted on (as the VAE was: --extra-src of training)",
    )
    parser.add_argument("--data", required=True, help="prepared dataset")
    parser.add_argument("--split", default="valid", choices=["valid", "test"])
    parser.add_argument("--max-clips", type=int, default=None, help="a seeded subset of the split")
    parser.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    parser.add_argument("--no-independent", action="store_true", help="waveform metrics only (no musicnn)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of every interval")
    parser.add_argument("--out", required=True, help="folder for metrics.json, table.md and mels.png")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)

    from autoencoder.codec import load, load_vocoder
    from autoencoder.vocoder_eval import evaluate_vocoders, format_vocoder_table
    from genre_base.clips import PreparedDataset
    from genre_base.device import resolve_device
    from genre_base.extra import load_extra
    from genre_base.files import write_json, write_text
    from genre_base.independent.judge import load_independent_judge

    device = resolve_device(args.device)
    folders = named_folders(args.vocoder, "--vocoder")
    names = list(folders)
    loaded = {name: load_vocoder(folder, device) for name, folder in folders.items()}
    frontend = next(iter(loaded.values()))[1]
    for name, (_, fe) in loaded.items():
        if fe.settings != frontend.settings:
            raise UserError(
                f"vocoder {name!r} uses other mel settings ({fe.settings}) than {names[0]!r} ({frontend.settings})"
            )
    vae_folders = named_folders(args.vae, "--vae", default_name="vae")
    vaes = {}
    for name, folder in vae_folders.items():
        codec = load(folder, vocoder=False, device=device)
        if codec.frontend.settings != frontend.settings:
            raise UserError(f"the VAE at {folder!r} uses other mel settings than the vocoders")
        vaes[name] = codec.vae
    if args.baseline is not None and args.baseline not in loaded:
        raise UserError(f"--baseline {args.baseline!r} is not one of the --vocoder names {names}")
    compare = _pairs(args.compare, "--compare", names)
    compare_mels = _pairs(args.compare_mels, "--compare-mels", list(vaes))
    if args.pca_extra and not args.pca:
        raise UserError("--pca-extra only applies with --pca")
    data = PreparedDataset(args.data)
    extras = [load_extra(src, data) for src in args.pca_extra]
    independent = None if args.no_independent else load_independent_judge(args.independent, device=device)
    result = evaluate_vocoders(
        {k: v for k, (v, _) in loaded.items()},
        frontend,
        data,
        args.split,
        vaes,
        independent,
        args.baseline,
        args.max_clips,
        n_boot=args.n_boot,
        compare=compare,
        pca=args.pca,
        pca_extras=extras,
        compare_mels=compare_mels,
        mel_figure=str(Path(args.out) / "mels.png"),
    )
    result["vocoder_folders"] = folders
    result["vae_folders"] = vae_folders
    result["command"] = command_line("evaluate-vocoders", argv)
    write_json(Path(args.out) / "metrics.json", result)
    write_text(Path(args.out) / "table.md", format_vocoder_table(result) + "\n")
    print(format_vocoder_table(result))
    return 0


def _pairs(items: list[str], flag: str, names: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        a, sep, b = item.partition(":")
        if not sep or a not in names or b not in names:
            raise UserError(f"{flag} takes A:B with two of the names {names}, got {item!r}")
        out.append((a, b))
    return out


if __name__ == "__main__":
    sys.exit(main())
