"""Every trained model in ``models/`` has the config that reproduces it, named after it (``configs/<name>.yaml``):
it loads with its trainer's schema, and its front-end and architecture are the shipped folder's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autoencoder.training.vae_task import VAETrainConfig
from autoencoder.training.vocoder_task import VocoderTrainConfig
from diffusion.training import DiffusionTrainConfig
from genre_base.config import load_config
from genre_base.mel import MelSettings
from genre_base.training.judge_task import JudgeTrainConfig

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = {"vae": VAETrainConfig, "vocoder": VocoderTrainConfig, "judge": JudgeTrainConfig}
# Folders that no config trains: converted or fitted by a command (their READMEs say how), or data.
NOT_TRAINED = {"musicnn", "independent-judge", "explore"}


def shipped() -> list[Path]:
    return sorted(p for p in (ROOT / "models").iterdir() if p.is_dir() and p.name not in NOT_TRAINED)


def test_every_trained_model_has_a_config_named_after_it():
    missing = [p.name for p in shipped() if not (ROOT / "configs" / f"{p.name}.yaml").is_file()]
    assert not missing, f"no configs/<name>.yaml for {missing}"


@pytest.mark.parametrize("folder", shipped(), ids=lambda p: p.name)
def test_the_config_describes_the_shipped_folder(folder: Path):
    record = json.loads((folder / "genre_ldm.json").read_text())
    path = ROOT / "configs" / f"{folder.name}.yaml"
    if record["kind"] == "diffusion":
        cfg = load_config(DiffusionTrainConfig, path)
        denoiser = json.loads((folder / "denoiser" / "config.json").read_text())
        assert cfg.denoiser.width == denoiser["width"] and list(cfg.denoiser.dilations) == denoiser["dilations"]
        # the shipped run set its budget on the command line; the config carries it since
        assert f"loop.max_steps={cfg.loop.max_steps}" in record["created"]["command"]
        return
    cfg = load_config(SCHEMAS[record["kind"]], path)
    # init_from names a run folder that only exists after its base is trained
    assert cfg.mel == MelSettings(**record["mel"]), f"{path.name}: front-end differs from {folder.name}'s record"
    arch = json.loads((folder / "config.json").read_text())
    if record["kind"] == "vae":
        assert (cfg.model.latent_size, cfg.model.latent_channels) == (
            arch["latent_channels"] * arch["latent_frames"],
            arch["latent_channels"],
        )
        assert list(cfg.model.channels) == arch["channels"]
    elif record["kind"] == "judge":
        assert list(cfg.model.channels) == arch["channels"]
    elif record["kind"] == "vocoder":
        assert (cfg.model.dim, cfg.model.intermediate_dim, cfg.model.num_layers) == (
            arch["dim"],
            arch["intermediate_dim"],
            arch["num_layers"],
        )
