"""Compare vocoders with each other and with Griffin-Lim on held-out clips, on true and VAE-decoded mels.

    python scripts/evaluate_vocoders.py --vocoder shipped=models/vocoder --vocoder adversarial=runs/vocoder-adv/model \
        --baseline shipped --vae models/vae-512 --data data/gtzan --split valid --out results/vocoder/valid

Writes ``metrics.json`` (per clip and summary, paired differences over tracks) and ``table.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autoencoder import UserError, command


def _named(text: str) -> tuple[str, str]:
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"expected NAME=FOLDER, got {text!r}")
    return name, folder


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocoder", type=_named, action="append", required=True, metavar="NAME=FOLDER",
                        help="a trained vocoder folder under a short name (repeat for each)")
    parser.add_argument("--baseline", help="NAME of the vocoder the others are also compared with, clip by clip")
    parser.add_argument("--compare", action="append", default=[], metavar="A:B",
                        help="also compare vocoder A with vocoder B clip by clip (repeatable)")
    parser.add_argument("--vae", help="VAE folder: also score every decoder on the mels it decodes")
    parser.add_argument("--data", required=True, help="prepared dataset")
    parser.add_argument("--split", default="valid", choices=["valid", "test"])
    parser.add_argument("--max-clips", type=int, default=None, help="a seeded subset of the split")
    parser.add_argument("--independent", help="independent judge folder (default models/independent-judge)")
    parser.add_argument("--no-independent", action="store_true", help="waveform metrics only (no musicnn)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of every interval")
    parser.add_argument("--out", required=True, help="folder for metrics.json and table.md")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    args = parser.parse_args(argv)

    from autoencoder.clips import PreparedDataset
    from autoencoder.codec import load, load_vocoder
    from autoencoder.device import resolve_device
    from autoencoder.files import write_json, write_text
    from autoencoder.independent.judge import load_independent_judge
    from autoencoder.vocoder_eval import evaluate_vocoders, format_vocoder_table

    device = resolve_device(args.device)
    names = [name for name, _ in args.vocoder]
    if len(set(names)) != len(names):
        raise UserError(f"vocoder names must be distinct, got {names}")
    loaded = {name: load_vocoder(folder, device) for name, folder in args.vocoder}
    frontend = next(iter(loaded.values()))[1]
    for name, (_, fe) in loaded.items():
        if fe.settings != frontend.settings:
            raise UserError(f"vocoder {name!r} uses other mel settings ({fe.settings}) than {names[0]!r} ({frontend.settings})")
    vae = None
    if args.vae:
        codec = load(args.vae, vocoder=False, device=device)
        if codec.frontend.settings != frontend.settings:
            raise UserError(f"the VAE at {args.vae!r} uses other mel settings than the vocoders")
        vae = codec.vae
    if args.baseline is not None and args.baseline not in loaded:
        raise UserError(f"--baseline {args.baseline!r} is not one of the --vocoder names {names}")
    compare = []
    for item in args.compare:
        a, sep, b = item.partition(":")
        if not sep or a not in loaded or b not in loaded:
            raise UserError(f"--compare takes A:B with two of the --vocoder names {names}, got {item!r}")
        compare.append((a, b))
    independent = None if args.no_independent else load_independent_judge(args.independent, device=device)
    result = evaluate_vocoders({k: v for k, (v, _) in loaded.items()}, frontend, PreparedDataset(args.data),
                               args.split, vae, independent, args.baseline, args.max_clips, n_boot=args.n_boot,
                               compare=compare)
    result["vocoder_folders"] = dict(args.vocoder)
    result["vae"] = args.vae
    result["command"] = " ".join(["python", "scripts/evaluate_vocoders.py", *(argv if argv is not None else sys.argv[1:])])
    write_json(Path(args.out) / "metrics.json", result)
    write_text(Path(args.out) / "table.md", format_vocoder_table(result) + "\n")
    print(format_vocoder_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
