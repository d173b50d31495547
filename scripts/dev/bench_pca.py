"""The PCA baseline's fit, exact against randomized: seconds, peak memory and held-out mel L1.

    python scripts/dev/bench_pca.py --data data/gtzan --dim 512 --copies 5 --out results/bench/pca.json

Fits on the training split's mels, repeated ``--copies`` times with a little noise (a stand-in for a
larger collection), and scores reconstruction L1 on the valid split. The exact thin SVD costs N^2 F
in the number of clips N; the randomized one (what MelPCA.fit uses above EXACT_MAX_CLIPS) N F dim.
A benchmark, not a test: it takes minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import torch

import autoencoder.pca as P
from genre_base import MelFrontend, PreparedDataset, command, write_json
from genre_base.artifacts import front_end_of


def _fit(mels: torch.Tensor, dim: int, exact: bool) -> tuple[P.MelPCA, float]:
    limit = P.EXACT_MAX_CLIPS
    P.EXACT_MAX_CLIPS = len(mels) if exact else 0  # pick the path
    try:
        start = time.perf_counter()
        pca = P.MelPCA.fit(mels, dim)
        return pca, time.perf_counter() - start
    finally:
        P.EXACT_MAX_CLIPS = limit


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--method", choices=["exact", "randomized", "both"], default="both")
    parser.add_argument(
        "--mel-of",
        metavar="MODEL",
        help="a model folder whose front-end the mels come from (default: today's front-end)",
    )
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    data, frontend = PreparedDataset(args.data), MelFrontend(front_end_of(args.mel_of))
    train, valid = data.mels(frontend, "train"), data.mels(frontend, "valid")
    mels = torch.cat([train + (0.01 * torch.randn_like(train) if k else 0) for k in range(args.copies)])
    result = {"train_clips": len(mels), "dim": args.dim, "command": " ".join(sys.argv)}
    for method in ("exact", "randomized") if args.method == "both" else (args.method,):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pca, seconds = _fit(mels, args.dim, method == "exact")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        l1 = float((pca.reconstruct(valid) - valid).abs().mean())
        result[method] = {
            "seconds": seconds,
            "peak_rss_mib": peak,
            "peak_rss_growth_mib": peak - before,
            "valid_mel_l1": l1,
        }
        print(
            f"{method:>10}: {seconds:7.1f} s, peak RSS {peak:7.0f} MiB (+{peak - before:.0f}), valid mel L1 {l1:.5f}",
            flush=True,
        )
    if args.out:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
