"""Compare candidate mel front-ends: Griffin-Lim ceilings on one yardstick, and their stage-one cost.

    genre-ldm compare-frontends --data data/gtzan --config configs/frontends.yaml --out results/frontend
    genre-ldm compare-frontends --data data/gtzan --out runs/frontend-quick --no-cost clips_per_track=1

A benchmark, not a test: run it on an idle machine (the cost side times training steps). The rule
is the config's ``rule`` (written before the run); the choice is the smallest candidate meeting it
on the split's point estimates. Writes ``frontends.json``, ``table.md`` and ``frontends.png``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from genre_base import command
from genre_base.artifacts import command_line
from genre_base.errors import refuse_overwrite


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="prepared dataset")
    parser.add_argument("--config", help="YAML of autoencoder.frontends.FrontendStudyConfig (default: its defaults)")
    parser.add_argument("--out", required=True, help="folder for frontends.json, table.md and frontends.png")
    parser.add_argument("--no-cost", action="store_true", help="ceilings only (no step timing)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out")
    parser.add_argument("overrides", nargs="*", help="key=value config overrides")
    args = parser.parse_args(argv)

    import torch

    from autoencoder.frontends import FrontendStudyConfig, figure, run_study, table
    from genre_base.clips import PreparedDataset
    from genre_base.config import load_config, save_config
    from genre_base.files import write_json, write_text
    from genre_base.plots import save_figure

    out = Path(args.out)
    refuse_overwrite([out / "frontends.json"], args.force)
    cfg = load_config(FrontendStudyConfig, args.config, args.overrides)
    data = PreparedDataset(args.data)
    torch.set_num_threads(cfg.cost.threads)
    record = run_study(data, cfg, with_cost=not args.no_cost)
    record["machine"] = {
        "cpu_count": os.cpu_count(),
        "threads": cfg.cost.threads,
        "platform": platform.platform(),
        "torch": torch.__version__,
    }
    record["command"] = command_line("compare-frontends", argv)
    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out / "config.yaml")
    write_json(out / "frontends.json", record)
    write_text(out / "table.md", table(record))
    save_figure(figure(record), out / "frontends.png")
    print(table(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
