"""Train the genre-conditioned latent diffusion model on a latents file. Runs with python or accelerate launch.

    python scripts/encode_dataset.py --model models/vae-512 --data data/gtzan --out latents/vae-512.npz
    python scripts/train_diffusion.py --latents latents/vae-512.npz --out runs/diffusion [--config configs/diffusion.yaml]
    accelerate launch scripts/train_diffusion.py --latents ... --out ...     # one CPU to many GPUs
    python scripts/train_diffusion.py ... --resume                            # continue after a kill
    tensorboard --logdir runs/diffusion/tensorboard                           # loss, valid loss, samples

The stage-one model is the one that made the latents (its folder is in the file's manifest,
checked by hash); --stage-one points elsewhere when the folder has moved. Writes <out>/model (EMA
weights at the end) and <out>/best (lowest valid loss): pipeline folders for scripts/sample.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.latents import LatentsFileError, load_latents  # noqa: E402
from autoencoder import ConfigError, ModelFolderError, content_hash, load_config  # noqa: E402
from autoencoder.training import RunExistsError, train  # noqa: E402
from autoencoder.training.cli import print_finished  # noqa: E402
from diffusion.training import DiffusionTask, DiffusionTrainConfig  # noqa: E402


def stage_one_folder(latents, override: str | None) -> str:
    """The stage-one folder of the latents, checked against the hash the file recorded."""
    m = latents.manifest
    if m["kind"] != "vae":
        raise ValueError(f"stage two needs VAE latents; this file holds {m['kind']!r} features ({m['model_id']})")
    folder = override or m["model_id"]
    if not Path(folder).is_dir():
        raise FileNotFoundError(f"the stage-one model {folder!r} that made these latents is missing; pass --stage-one")
    if content_hash(folder) != m["model_hash"]:
        raise ValueError(f"the model at {folder!r} is not the one that made these latents "
                         f"(hash {content_hash(folder)[:12]} vs {m['model_hash'][:12]})")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latents", required=True, help="latents file of a VAE (scripts/encode_dataset.py)")
    parser.add_argument("--config", help="YAML config; defaults are used for what it leaves out")
    parser.add_argument("--out", required=True, help="run folder (checkpoints, tensorboard, model)")
    parser.add_argument("--stage-one", help="the VAE folder, when it is not where the latents file says")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("overrides", nargs="*", help="config overrides such as loop.max_steps=100")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(DiffusionTrainConfig, args.config, args.overrides)
        latents = load_latents(args.latents)
        task = DiffusionTask(cfg, latents, stage_one_folder(latents, args.stage_one))
        metrics = train(task, cfg.loop, args.out, cfg, resume=args.resume, progress=not args.no_progress)
    except (ConfigError, RunExistsError, FileNotFoundError, ValueError, LatentsFileError, ModelFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_finished(metrics, f"pipeline written to {args.out}/model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
