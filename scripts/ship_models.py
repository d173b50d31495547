"""Copy trained models into a folder to ship (fp16 weights, half the size), keeping references valid.

    python scripts/ship_models.py --out models --vocoder runs/vocoder/model \
        --vae vae-128=runs/vae-128/model [--vae vae-64=...] [--judge runs/judge/model]

Each VAE's reference to its vocoder is rewritten to the shipped vocoder (relative path and the
hash of its fp16 weights). Model cards and records are kept; the record notes the source folder.
Loading always runs in float32 (`autoencoder.load`, `autoencoder.load_vocoder`, `load_judge`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


import torch

from autoencoder import command
from autoencoder.artifacts import ModelFolderError, read_record, reference, write_record
from autoencoder.judge import GenreJudge
from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder

CLASSES = {"vocoder": Vocoder, "vae": MelVAE, "judge": GenreJudge}


def ship(src: Path, dst: Path, kind: str, references: dict | None = None) -> Path:
    record = read_record(src, kind)
    model = CLASSES[kind].from_pretrained(str(src), torch_dtype=torch.float32)
    if dst.exists():
        shutil.rmtree(dst)
    model.half().save_pretrained(str(dst), safe_serialization=True)
    _clean_config(dst / "config.json")
    record["shipped_from"] = str(src)
    record["weights_dtype"] = "float16"
    if references is not None:
        record["references"] = references
    write_record(dst, json.loads(_relative_paths(json.dumps(record))))
    (dst / "README.md").write_text(_relative_paths(card(record, dst.name)))
    return dst


def ship_pipeline(src: Path, dst: Path, stage_one: Path) -> Path:
    """A diffusion pipeline folder with fp16 denoiser weights, referring to the shipped VAE ``stage_one``."""
    from diffusion import load_pipeline

    record = read_record(src, "diffusion")
    pipe = load_pipeline(src, stage_one=False)
    if dst.exists():
        shutil.rmtree(dst)
    pipe.denoiser.half()
    pipe.save_pretrained(str(dst), safe_serialization=True)
    _clean_config(dst / "denoiser" / "config.json")
    record.update({"shipped_from": str(src), "weights_dtype": "float16",
                   "references": {"stage_one": reference(stage_one, dst)}})
    write_record(dst, json.loads(_relative_paths(json.dumps(record))))
    (dst / "README.md").write_text(_relative_paths(pipeline_card(record, dst.name)))
    return dst


def pipeline_card(record: dict, name: str) -> str:
    rows = "\n".join(f"| {k} | {v:.4g} |" for k, v in record["metrics"].items() if isinstance(v, float))
    lat = record.get("latents", {})
    return f"""# genre-ldm latent diffusion ({name})

- denoiser parameters: {record['parameters']:,}; weights stored as float16, run in float32
- genres: {', '.join(record['genres'])}
- latents: D = {lat.get('latent_size')} from the stage-one model at `{record['references']['stage_one']['path']}`
  (hash-checked), clips per split {lat.get('clips_per_split')}; trained on the training split only
- training: {record.get('training')}; DDPM objective, EMA weights, label dropout for classifier-free guidance
- made by: `{record.get('created', {}).get('command', 'scripts/train_diffusion.py')}`, shipped from `{record.get('shipped_from')}`
- sample: `python scripts/sample.py --model models/{name} --genre jazz --num 4 --guidance 3 --steps 50 --seed 0 --out samples/jazz`
- evaluation (judge accuracy, Fréchet distance, memorisation) and limitations: `models/README.md`

## Validation losses at export (valid split)

| metric | value |
|---|---|
{rows}
"""


def card(record: dict, name: str) -> str:
    rows = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
                     for k, v in record["metrics"].items())
    data = record["data"]
    return f"""# genre-ldm {record['kind']} ({name})

- parameters: {record['parameters']:,}; weights stored as float16, run in float32
- mel: {record['mel']}
- trained on: {data.get('source')}, training split only ({data.get('num_clips')} clips prepared, split rules
  {data.get('split_rules')}; data fingerprint {str(data.get('fingerprint', ''))[:12]})
- made by: `{record['created']['command']}` (code {record['created']['code_version']}),
  shipped from `{record.get('shipped_from')}`
- test-split figures beside their baselines, and the limitations: `models/README.md`

## Metrics recorded at training time (valid split unless the name says test)

| metric | value |
|---|---|
{rows}
"""


def _clean_config(path: Path) -> None:
    """Drop ``_name_or_path`` (where the model was loaded from on this machine: not part of the model)."""
    config = json.loads(path.read_text())
    config.pop("_name_or_path", None)
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def _relative_paths(text: str) -> str:
    """Shipped records travel with the repository: paths of this machine become paths relative to it."""
    repo = Path(__file__).resolve().parents[1]
    return text.replace(f"{repo}/", "").replace(f"{repo.parent}/", "../")


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--vocoder", required=True)
    parser.add_argument("--vae", action="append", default=[], help="NAME=FOLDER, repeatable")
    parser.add_argument("--judge")
    parser.add_argument("--diffusion", help="NAME=PIPELINE_FOLDER:VAE_NAME (the shipped VAE it samples for)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    vocoder = ship(Path(args.vocoder), out / "vocoder", "vocoder")
    for item in args.vae:
        name, _, folder = item.partition("=")
        if not folder:
            raise ModelFolderError(f"--vae takes NAME=FOLDER, got {item!r}")
        dst = out / name
        ship(Path(folder), dst, "vae", references={"vocoder": reference(vocoder, dst)})
    if args.judge:
        ship(Path(args.judge), out / "judge", "judge")
    if args.diffusion:
        name, _, rest = args.diffusion.partition("=")
        folder, _, vae = rest.rpartition(":")
        if not (folder and vae and (out / vae).is_dir()):
            raise ModelFolderError(f"--diffusion takes NAME=FOLDER:VAE_NAME with a shipped VAE, got {args.diffusion!r}")
        ship_pipeline(Path(folder), out / name, out / vae)
    sizes = {str(p.parent.relative_to(out)): p.stat().st_size for p in out.glob("**/*.safetensors")}
    for name, size in sorted(sizes.items()):
        print(f"{name}: {size / 1e6:.2f} MB")
    print(f"total {sum(sizes.values()) / 1e6:.2f} MB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
