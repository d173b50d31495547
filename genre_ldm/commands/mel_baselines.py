"""How far can simple baselines take the decoded-mel L1? PCA at several sizes and per-clip spectra.

    genre-ldm mel-baselines --data data/gtzan --split valid --out results/mel_baselines.json

PCA is fitted on the training split's flattened normalised log-mels; the per-clip mean spectrum
(80 floats: the clip's log-mel averaged over time, repeated) shows how much of the L1 is timbre
and how much is movement in time. Split clips only; no training.
"""

from __future__ import annotations

import argparse
import json
import sys

from autoencoder.pca import mel_baselines
from genre_base import PreparedDataset, command, write_json


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="valid", choices=["valid", "test"])
    parser.add_argument("--sizes", default="16,32,64,128,256,512,1024")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    result = mel_baselines(PreparedDataset(args.data), args.split, tuple(int(s) for s in args.sizes.split(",")))
    print(json.dumps(result, indent=2))
    if args.out:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
