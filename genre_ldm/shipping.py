"""Shipping trained models: fp16 copies (half the size) with records and cards, references kept valid.

Each VAE's reference to its vocoder is rewritten to the shipped vocoder (relative path and the
hash of its fp16 weights); a diffusion pipeline's to the shipped VAE it samples for. Loading
always runs in float32 (``autoencoder.load``, ``load_vocoder``, ``load_judge``, ``diffusion.load_pipeline``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from autoencoder.vae import MelVAE
from autoencoder.vocoder import Vocoder
from diffusion import load_pipeline, save
from genre_base.artifacts import ModelFolderError, read_record, reference, save_pretrained, write_record
from genre_base.files import write_text
from genre_base.judge import GenreJudge

CLASSES = {"vocoder": Vocoder, "vae": MelVAE, "judge": GenreJudge}


def ship(src: Path, dst: Path, kind: str, references: dict | None = None) -> Path:
    """Copy the ``kind`` model at ``src`` to ``dst`` with fp16 weights, its record and card."""
    record = read_record(src, kind)
    model = CLASSES[kind].from_pretrained(str(src), torch_dtype=torch.float32)
    if dst.exists():
        shutil.rmtree(dst)
    save_pretrained(model.half(), dst)
    _clean_config(dst / "config.json")
    record["shipped_from"] = str(src)
    record["weights_dtype"] = "float16"
    if references is not None:
        record["references"] = references
    write_record(dst, json.loads(_relative_paths(json.dumps(record))))
    write_text(dst / "README.md", _relative_paths(card(record, dst.name)))
    return dst


def ship_pipeline(src: Path, dst: Path, stage_one: Path) -> Path:
    """A diffusion pipeline folder with fp16 weights holding the shipped VAE ``stage_one`` and its vocoder
    as components (and referring to it by hash), loadable by diffusers' stock ``from_pretrained``."""
    record = read_record(src, "diffusion")
    pipe = load_pipeline(src, stage_one=False)
    if dst.exists():
        shutil.rmtree(dst)
    save(pipe, dst, stage_one, dtype=torch.float16)
    for part in ("denoiser", "vae", "vocoder"):
        _clean_config(dst / part / "config.json")
    record.update(
        {"shipped_from": str(src), "weights_dtype": "float16", "references": {"stage_one": reference(stage_one, dst)}}
    )
    write_record(dst, json.loads(_relative_paths(json.dumps(record))))
    write_text(dst / "README.md", _relative_paths(pipeline_card(record, dst.name)))
    return dst


def pipeline_card(record: dict, name: str) -> str:
    rows = "\n".join(f"| {k} | {v:.4g} |" for k, v in record["metrics"].items() if isinstance(v, float))
    lat = record.get("latents", {})
    return f"""# genre-ldm latent diffusion ({name})

- denoiser parameters: {record["parameters"]:,}; weights stored as float16, run in float32
- genres: {", ".join(record["genres"])}
- latents: D = {lat.get("latent_size")} from the stage-one model at `{record["references"]["stage_one"]["path"]}`
  (hash-checked), clips per split {lat.get("clips_per_split")}; trained on the training split only
- training: {record.get("training")}; DDPM objective, EMA weights, label dropout for classifier-free guidance
- made by: `{record.get("created", {}).get("command", "genre-ldm train-diffusion")}`, shipped from `{record.get("shipped_from")}`
- sample: `genre-ldm sample --model models/{name} --genre jazz --num 4 --steps 50 --seed 0 --out samples/jazz`
- components: denoiser, scheduler, and copies of that VAE and its vocoder; loads with `diffusion.load_pipeline("models/{name}")`
  or diffusers' own `DiffusionPipeline.from_pretrained("models/{name}", trust_remote_code=True)`, and
  `pipe(genre="jazz", audio_length_in_s=10.0).audios` is audio at 22,050 Hz
- evaluation (judge accuracy, Fréchet distance, memorisation) and limitations: `models/README.md`

## Validation losses at export (valid split)

| metric | value |
|---|---|
{rows}
"""


def card(record: dict, name: str) -> str:
    rows = "\n".join(
        f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in record["metrics"].items()
    )
    data = record["data"]
    return f"""# genre-ldm {record["kind"]} ({name})

- parameters: {record["parameters"]:,}; weights stored as float16, run in float32
- mel: {record["mel"]}
- trained on: {data.get("source")}, training split only ({data.get("num_clips")} clips prepared, split rules
  {data.get("split_rules")}; data fingerprint {str(data.get("fingerprint", ""))[:12]})
{_extra_music_lines(data)}- made by: `{record["created"]["command"]}` (code {record["created"]["code_version"]}),
  shipped from `{record.get("shipped_from")}`
- test-split figures beside their baselines, and the limitations: `models/README.md`

## Metrics recorded at training time (valid split unless the name says test)

| metric | value |
|---|---|
{rows}
"""


def _extra_music_lines(data: dict) -> str:
    """Card lines for extra unlabelled training music (training only), with its licences."""
    lines = ""
    for extra in data.get("extra_training_music", []):
        licences = extra["licences"]
        listed = "; ".join(f"{k} ({v} tracks)" for k, v in licences.items()) if isinstance(licences, dict) else licences
        lines += (
            f"- also trained on extra unlabelled music (training only, never selection or evaluation): "
            f"{extra['source']}, {extra['num_tracks']} tracks, {extra['seconds'] / 3600:.1f} h (fingerprint "
            f"{extra['fingerprint'][:12]}); licences by package: {listed}\n"
        )
    return lines


def _clean_config(path: Path) -> None:
    """Drop ``_name_or_path`` (where the model was loaded from on this machine: not part of the model)."""
    config = json.loads(path.read_text())
    config.pop("_name_or_path", None)
    write_text(path, json.dumps(config, indent=2, sort_keys=True) + "\n")


def _relative_paths(text: str) -> str:
    """Shipped records travel with the repository: paths of this machine become paths relative to it."""
    repo = Path(__file__).resolve().parents[1]  # the repository root
    return text.replace(f"{repo}/", "").replace(f"{repo.parent}/", "../")


def ship_models(
    out: str | Path,
    vocoder: str | Path | None,
    vaes: dict[str, str | Path],
    judge: str | Path | None = None,
    diffusion: tuple[str, str | Path, str] | None = None,
    vocoder_name: str = "vocoder",
) -> dict[str, int]:
    """Ship a vocoder (as ``out/vocoder_name``), VAEs by name, a judge and a diffusion pipeline
    ``(name, folder, shipped VAE name)`` into ``out``; returns the size in bytes of each shipped weight
    file by folder. With ``vocoder=None`` the VAEs refer to the vocoder already shipped as ``out/vocoder_name``."""
    out = Path(out)
    if vocoder is not None:
        shipped_vocoder = ship(Path(vocoder), out / vocoder_name, "vocoder")
    else:
        shipped_vocoder = out / vocoder_name
        read_record(shipped_vocoder, "vocoder")  # a clear error when nothing (or something else) is shipped there
    for name, folder in vaes.items():
        dst = out / name
        ship(Path(folder), dst, "vae", references={"vocoder": reference(shipped_vocoder, dst)})
    if judge:
        ship(Path(judge), out / "judge", "judge")
    if diffusion:
        name, folder, vae = diffusion
        if not (out / vae).is_dir():
            raise ModelFolderError(f"the diffusion pipeline samples for {vae!r}, which is not shipped in {str(out)!r}")
        ship_pipeline(Path(folder), out / name, out / vae)
    return {str(p.parent.relative_to(out)): p.stat().st_size for p in out.glob("**/*.safetensors")}
