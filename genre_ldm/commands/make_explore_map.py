r"""Make the Explore tab's map (models/explore/map.npz): a UMAP of a latents file plus out-of-dataset clips.

    genre-ldm explore-map --model models/vae-1080 --latents latents/vae-1080.npz \
        --ood ../shared/data/ood --out models/explore/map.npz

The file holds 2-D coordinates, fp16 latents and labels, no audio (about 2 MB for the 528-track copy at 1080 floats, 2 clips a track).
"""

from __future__ import annotations

import argparse
import sys

from genre_base import command, refuse_overwrite
from genre_base.artifacts import command_line


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the VAE that made the latents file")
    parser.add_argument("--latents", required=True, help="latents file of the dataset (genre-ldm encode)")
    parser.add_argument("--ood", help="folder of out-of-dataset audio to place on the map (optional)")
    parser.add_argument("--out", required=True, help="map file to write (.npz)")
    parser.add_argument(
        "--clips-per-track",
        type=int,
        default=2,
        help="keep each track's first N clips (default 2, the shipped map; 0 keeps every clip)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing map")
    args = parser.parse_args(argv)
    import autoencoder
    from autoencoder.latents import check_made_by, load_latents
    from genre_ldm.app.explore_map import build_map, save_map

    refuse_overwrite([args.out], args.force)
    latents = load_latents(args.latents)
    check_made_by(latents, args.model)
    explore = build_map(latents, autoencoder.load(args.model), args.ood, clips_per_track=args.clips_per_track or None)
    explore.manifest["command"] = command_line("explore-map", argv)
    save_map(args.out, explore)
    print(f"{len(explore.xy)} points ({(explore.label == 'out-of-dataset').sum()} out of the dataset) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
