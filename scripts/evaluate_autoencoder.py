"""Evaluate a trained VAE (and its vocoder) on held-out clips, beside PCA and Griffin-Lim.

    python scripts/evaluate_autoencoder.py --model runs/vae-128/model --data data/gtzan --split test --out results/vae-128
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autoencoder  # noqa: E402
from autoencoder.artifacts import write_json  # noqa: E402
from autoencoder.evaluate import evaluate_stage_one, format_table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="VAE model folder")
    parser.add_argument("--data", required=True, help="prepared dataset")
    parser.add_argument("--split", default="test", choices=["train", "valid", "test"])
    parser.add_argument("--max-clips", type=int, default=None, help="evaluate a seeded subset of the split")
    parser.add_argument("--judge", help="judge folder: adds its agreement and balanced accuracy on every path")
    parser.add_argument("--out", required=True, help="folder for metrics.json and table.md")
    args = parser.parse_args(argv)
    try:
        codec = autoencoder.load(args.model)
        judge = autoencoder.load_judge(args.judge) if args.judge else None
        result = evaluate_stage_one(codec, autoencoder.PreparedDataset(args.data), args.split, args.max_clips, judge=judge)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result["command"] = " ".join(sys.argv)
    table = format_table(result)
    write_json(out / "metrics.json", result)
    (out / "table.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
