"""How far can simple baselines take the decoded-mel L1? PCA at several sizes and per-clip spectra.

    python scripts/mel_baselines.py --data data/gtzan --split valid --out results/mel_baselines.json

PCA is fitted on the training split's flattened normalised log-mels; the per-clip mean spectrum
(80 floats: the clip's log-mel averaged over time, repeated) shows how much of the L1 is timbre
and how much is movement in time. Split clips only; no training.
"""

from __future__ import annotations

import argparse
import json
import sys


from autoencoder.artifacts import write_json

from autoencoder import MelFrontend, PreparedDataset
from autoencoder.pca import MelPCA


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="valid", choices=["valid", "test"])
    parser.add_argument("--sizes", default="16,32,64,128,256,512,1024")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    data, frontend = PreparedDataset(args.data), MelFrontend()
    train, held_out = data.mels(frontend, "train"), data.mels(frontend, args.split)
    sizes = [int(s) for s in args.sizes.split(",")]
    usable = [s for s in sizes if s < len(train)]
    full = MelPCA.fit(train, max(usable))
    result = {"split": args.split, "train_clips": len(train), "held_out_clips": len(held_out),
              "train_mean_mel_l1": float((train.mean(0, keepdim=True) - held_out).abs().mean()),
              "clip_mean_spectrum_l1": float((held_out.mean(-1, keepdim=True) - held_out).abs().mean()),
              "pca_mel_l1": {}}
    for size in sizes:
        if size not in usable:
            result["pca_mel_l1"][size] = None  # not applicable: at least as many floats as training clips
            continue
        pca = MelPCA(full.mean, full.components[:size], full.mel_shape)
        result["pca_mel_l1"][size] = float((pca.reconstruct(held_out) - held_out).abs().mean())
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
