"""Convert the original MSD_musicnn checkpoint (inside the ``musicnn==0.1.0`` wheel) into a model folder.

The folder holds ``config.json`` + safetensors weights (``save_pretrained``, no optimiser state),
``genre_ldm.json`` (kind ``musicnn``, the wheel's sha256, how clips are embedded), ``LICENSE`` (the
original's ISC notice) and ``README.md`` (the model card).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..artifacts import created, save_pretrained, write_record
from ..errors import MissingInputError, UserError, refuse_overwrite
from ..files import atomic_path, write_text
from . import embedding
from .musicnn import MSD_TAGS, Musicnn, state_dict_from_tensorflow
from .tf_checkpoint import read_checkpoint

WHEEL = "musicnn==0.1.0"
CHECKPOINT = "musicnn/MSD_musicnn/"  # files ".index" and ".data-00000-of-00001" inside the wheel


def download_wheel(folder: Path) -> Path:
    """``pip download --no-deps musicnn==0.1.0`` into ``folder``; the wheel's path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", WHEEL, "-d", str(folder)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(folder.glob("musicnn-0.1.0-*.whl"))
    if result.returncode != 0 or not wheels:
        raise UserError(
            f"could not download {WHEEL} ({result.stderr.strip()[-300:]}); download the wheel "
            "elsewhere and pass its path with --wheel"
        )
    return wheels[0]


def convert(wheel: str | Path | None, out: str | Path, force: bool = False) -> Path:
    """Write the converted MSD_musicnn folder to ``out`` from ``wheel`` (downloaded when None)."""
    out = Path(out)
    refuse_overwrite([out], force)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wheel = download_wheel(tmp) if wheel is None else Path(wheel)
        if not wheel.is_file():
            raise MissingInputError(f"wheel {str(wheel)!r} does not exist")
        try:
            with zipfile.ZipFile(wheel) as archive:
                for suffix in (".index", ".data-00000-of-00001"):
                    (tmp / f"ckpt{suffix}").write_bytes(archive.read(CHECKPOINT + suffix))
        except (zipfile.BadZipFile, KeyError) as exc:
            raise UserError(f"{str(wheel)!r} is not the musicnn 0.1.0 wheel ({exc})") from None
        model = Musicnn()
        model.load_state_dict(state_dict_from_tensorflow(read_checkpoint(tmp / "ckpt")))
        wheel_hash = hashlib.sha256(wheel.read_bytes()).hexdigest()
        license_text = zipfile.ZipFile(wheel).read("musicnn-0.1.0.dist-info/LICENSE.md").decode()
    with atomic_path(out) as folder:
        save_pretrained(model, folder)
        write_text(folder / "LICENSE", license_text)
        write_record(
            folder,
            {
                "format_version": 1,
                "kind": "musicnn",
                "model": "MSD_musicnn",
                "parameters": sum(p.numel() for p in model.parameters()),
                "source": {"wheel": WHEEL, "wheel_sha256": wheel_hash, "checkpoint": CHECKPOINT},
                "tags": list(MSD_TAGS),
                "embedding": embedding.PROTOCOL,
                "created": created(),
            },
        )
        write_text(folder / "README.md", CARD)
    return out


CARD = f"""# musicnn (MSD_musicnn), converted to PyTorch: the project's independent music embedding

An audio tagger trained by its authors on the Million Song Dataset's top-50 last.fm tags, used here
only to *measure* audio (Fréchet audio distance, the independent genre judge). It never saw GTZAN and
is never trained or fine-tuned by this project.

- Original: Jordi Pons and Xavier Serra, "musicnn: pre-trained convolutional neural networks for
  music audio tagging", ISMIR 2019 late-breaking demo; `musicnn==0.1.0` on PyPI (model `MSD_musicnn`).
- Licence: ISC, Music Technology Group, Universitat Pompeu Fabra (see `LICENSE`).
- Conversion: `python scripts/dev/convert_musicnn.py --out models/musicnn` reads the TensorFlow checkpoint
  inside the wheel without TensorFlow; the architecture is written in `genre_base/independent/musicnn.py`.
  787,159 parameters (plus batch-norm statistics).
- Check: `tests/test_musicnn.py` compares the port with outputs of the original TensorFlow model
  (made by `scripts/dev/make_musicnn_reference.py` in a throwaway environment, TensorFlow 2.15.1):
  tag probabilities agree within 1e-4 absolute and every feature within 1e-4 of its largest value.

## Input and front-end

16 kHz mono audio (the project's clips are resampled from 22,050 Hz with torchaudio's windowed-sinc
resampler; the original used librosa's soxr, a difference below the port's tolerance for
measurement), 512-point STFT with hop 256, 96 Slaney mel bands, power rounded to float16 as the original
does, then `log10(1 + 10000 x)`. 3 s patches of {embedding.PATCH_FRAMES} frames.

## How a clip is embedded

{embedding.PROTOCOL_TEXT}

Layers used by the project: `penultimate` (200 floats: the Fréchet audio distance and, when chosen on
valid, the genre judge), `pooled` (1,506: max and mean over time of the 753 mid-end channels) and
`taggram` (50 tag probabilities).
"""
