r"""Copy trained models into a folder to ship (fp16 weights, half the size), keeping references valid.

    genre-ldm ship --out models --vocoder runs/vocoder/model \
        --vae vae-1080=runs/vae/model [--vae vae-540=...] [--judge runs/judge/model]
    genre-ldm ship --out models --vocoder-name vocoder-adversarial --vae vae-540=runs/.../model
        # VAEs referring to a vocoder already shipped in --out
    genre-ldm ship --out models --extra-vocoder vocoder-adv=runs/vocoder-adv/model   # beside the others

Each VAE's reference to its vocoder is rewritten to the shipped vocoder (relative path and the
hash of its fp16 weights). Model cards and records are kept; the record notes the source folder.
Loading always runs in float32 (`autoencoder.load`, `autoencoder.load_vocoder`, `load_judge`).
"""

from __future__ import annotations

import argparse
import sys

from genre_base import UserError, command
from genre_base.errors import named_folders
from genre_ldm.shipping import ship_models


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--vocoder", help="the vocoder every shipped VAE refers to")
    parser.add_argument(
        "--vocoder-name",
        default="vocoder",
        help="the vocoder's folder in --out; without --vocoder the VAEs refer to the vocoder already "
        "shipped there (e.g. --vocoder-name vocoder-adversarial)",
    )
    parser.add_argument(
        "--extra-vocoder",
        action="append",
        default=[],
        metavar="NAME=FOLDER",
        help="another vocoder shipped beside the others (no VAE refers to it); repeatable",
    )
    parser.add_argument("--vae", action="append", default=[], help="NAME=FOLDER, repeatable")
    parser.add_argument("--judge")
    parser.add_argument("--diffusion", help="NAME=PIPELINE_FOLDER:VAE_NAME (the shipped VAE it samples for)")
    args = parser.parse_args(argv)
    vaes = named_folders(args.vae, "--vae")
    diffusion = None
    if args.diffusion:
        name, _, rest = args.diffusion.partition("=")
        folder, _, vae = rest.rpartition(":")
        if not (name and folder and vae):
            raise UserError(f"--diffusion takes NAME=FOLDER:VAE_NAME, got {args.diffusion!r}")
        diffusion = (name, folder, vae)
    sizes = {}
    for name, folder in named_folders(args.extra_vocoder, "--extra-vocoder").items():  # no VAE refers to these
        sizes.update(ship_models(args.out, folder, {}, vocoder_name=name))
    if args.vocoder or vaes or args.judge or diffusion:
        sizes.update(ship_models(args.out, args.vocoder, vaes, args.judge, diffusion, args.vocoder_name))
    for name, size in sorted(sizes.items()):
        print(f"{name}: {size / 1e6:.2f} MB")
    print(f"total {sum(sizes.values()) / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
