"""A PyTorch port of musicnn (Pons and Serra, 2019), the MSD_musicnn tagger, for measurement only.

The architecture is written here from the paper's description and the layer shapes of the original
checkpoint; ``scripts/dev/convert_musicnn.py`` converts the original TensorFlow weights (ISC licence,
shipped inside the ``musicnn==0.1.0`` wheel) into ``models/musicnn/``. Layout conventions: the
original works on (batch, time, mel) log-mel patches; so does :meth:`Musicnn.forward`.

Front-end (:func:`musicnn_log_mel`): 16 kHz audio, 512-point STFT, hop 256, 96 Slaney mel bands,
power spectrum rounded to float16 as the original does, then ``log10(1 + 10000 x)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn
from torchaudio.functional import melscale_fbanks

SAMPLE_RATE = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s: the input length the models were trained on
BN_EPS = 1e-3  # tf.compat.v1.layers.batch_normalization's default

MSD_TAGS = (
    "rock",
    "pop",
    "alternative",
    "indie",
    "electronic",
    "female vocalists",
    "dance",
    "00s",
    "alternative rock",
    "jazz",
    "beautiful",
    "metal",
    "chillout",
    "male vocalists",
    "classic rock",
    "soul",
    "indie rock",
    "Mellow",
    "electronica",
    "80s",
    "folk",
    "90s",
    "chill",
    "instrumental",
    "punk",
    "oldies",
    "blues",
    "hard rock",
    "ambient",
    "acoustic",
    "experimental",
    "female vocalist",
    "guitar",
    "Hip-Hop",
    "70s",
    "party",
    "country",
    "easy listening",
    "sexy",
    "catchy",
    "funk",
    "electro",
    "heavy metal",
    "Progressive rock",
    "60s",
    "rnb",
    "indie pop",
    "sad",
    "House",
    "happy",
)

FEATURES = ("timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate", "taggram")


def musicnn_log_mel(wave: torch.Tensor) -> torch.Tensor:
    """(B, samples) 16 kHz audio -> (B, frames, 96) log-mel, frames = 1 + samples // 256."""
    window = torch.hann_window(N_FFT, device=wave.device, dtype=wave.dtype)
    spec = (
        torch.stft(wave, N_FFT, HOP_LENGTH, window=window, center=True, pad_mode="constant", return_complex=True)
        .abs()
        .pow(2)
    )
    fbanks = melscale_fbanks(
        N_FFT // 2 + 1, 0.0, SAMPLE_RATE / 2, N_MELS, SAMPLE_RATE, norm="slaney", mel_scale="slaney"
    ).to(wave)
    mel = (spec.transpose(1, 2) @ fbanks).to(torch.float16).to(wave.dtype)
    return torch.log10(10000 * mel + 1)


class _FrequencyPooledConv(nn.Module):
    """Conv over (time, mel) -> ReLU -> batch norm -> max over mel: (B, 1, T, F) -> (B, C, T)."""

    def __init__(self, out_channels: int, kernel: tuple[int, int]):
        super().__init__()
        self.conv = nn.Conv2d(1, out_channels, kernel)
        self.norm = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        total = kernel[0] - 1  # padded in time only; TensorFlow's "same" puts the odd sample last
        self.time_pad = (total // 2, total - total // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, *self.time_pad))
        return self.norm(F.relu(self.conv(x))).amax(dim=3)


class _TimeConv(nn.Module):
    """Conv1d over time (kernel 7, same length) -> ReLU -> batch norm."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, 7, padding=3)
        self.norm = nn.BatchNorm1d(out_channels, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(F.relu(self.conv(x)))


class Musicnn(ModelMixin, ConfigMixin):
    """musicnn: musically motivated front-end, dense mid-end, pooled back-end (inference only).

    Args:
        n_mels: mel bands of the input (96 for the released models).
        n_tags: output tags (50).
        midend_channels: mid-end width (64).
        backend_units: penultimate width (200).
    """

    @register_to_config
    def __init__(self, n_mels: int = N_MELS, n_tags: int = 50, midend_channels: int = 64, backend_units: int = 200):
        super().__init__()
        self.input_norm = nn.BatchNorm2d(1, eps=BN_EPS)
        timbral, temporal = int(1.6 * 128), int(1.6 * 32)
        self.timbral = nn.ModuleList([_FrequencyPooledConv(timbral, (7, int(f * n_mels))) for f in (0.4, 0.7)])
        self.temporal = nn.ModuleList([_FrequencyPooledConv(temporal, (k, 1)) for k in (128, 64, 32)])
        front = 2 * timbral + 3 * temporal
        self.midend = nn.ModuleList(
            [
                _TimeConv(front, midend_channels),
                _TimeConv(midend_channels, midend_channels),
                _TimeConv(midend_channels, midend_channels),
            ]
        )
        pooled = 2 * (front + 3 * midend_channels)
        self.pool_norm = nn.BatchNorm1d(pooled, eps=BN_EPS)
        self.dense = nn.Linear(pooled, backend_units)
        self.dense_norm = nn.BatchNorm1d(backend_units, eps=BN_EPS)
        self.classifier = nn.Linear(backend_units, n_tags)

    def forward(self, log_mel: torch.Tensor) -> dict[str, torch.Tensor]:
        """(B, T, n_mels) log-mel -> features named as the original's extractor names them.

        ``timbral`` (B, T, 408), ``temporal`` (B, T, 153), ``cnn1..3`` (B, T, 64), ``mean_pool`` and
        ``max_pool`` (B, 753), ``penultimate`` (B, 200) and ``taggram`` (B, 50) tag probabilities.
        """
        x = self.input_norm(log_mel.unsqueeze(1))
        timbral = [block(x) for block in self.timbral]
        temporal = [block(x) for block in self.temporal]
        front = torch.cat(timbral + temporal, dim=1)  # (B, 561, T)
        m1 = self.midend[0](front)
        m2 = self.midend[1](m1) + m1
        m3 = self.midend[2](m2) + m2
        dense = torch.cat([front, m1, m2, m3], dim=1)  # (B, 753, T)
        max_pool, mean_pool = dense.amax(dim=2), dense.mean(dim=2)
        # the original flattens (753, 2) [max, mean] pairs, so the two statistics interleave
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(1)
        penultimate = self.dense_norm(F.relu(self.dense(self.pool_norm(pooled))))
        tags = torch.sigmoid(self.classifier(penultimate))
        t = lambda parts: torch.cat(parts, dim=1).transpose(1, 2)  # noqa: E731
        return {
            "timbral": t(timbral),
            "temporal": t(temporal),
            "cnn1": m1.transpose(1, 2),
            "cnn2": m2.transpose(1, 2),
            "cnn3": m3.transpose(1, 2),
            "mean_pool": mean_pool,
            "max_pool": max_pool,
            "penultimate": penultimate,
            "taggram": tags,
        }


def _bn(prefix: str, tf_name: str, tensors: dict) -> dict:
    return {
        f"{prefix}.weight": tensors[f"{tf_name}/gamma"],
        f"{prefix}.bias": tensors[f"{tf_name}/beta"],
        f"{prefix}.running_mean": tensors[f"{tf_name}/moving_mean"],
        f"{prefix}.running_var": tensors[f"{tf_name}/moving_variance"],
    }


def state_dict_from_tensorflow(tensors: dict) -> dict[str, torch.Tensor]:
    """Map the original checkpoint's variables (numpy, TF layouts) onto :class:`Musicnn`'s state dict.

    The original builds its layers in this order: input batch norm; timbral convs (7x38, 7x67) and
    temporal convs (128, 64, 32), each with its batch norm; three mid-end convs; pooled batch norm,
    dense, dense batch norm, output dense. TensorFlow numbers its layers in that order.
    """
    out = _bn("input_norm", "batch_normalization", tensors)
    blocks = [f"timbral.{i}" for i in range(2)] + [f"temporal.{i}" for i in range(3)]
    for i, name in enumerate(blocks):
        conv = "conv2d" if i == 0 else f"conv2d_{i}"
        out[f"{name}.conv.weight"] = tensors[f"{conv}/kernel"].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        out[f"{name}.conv.bias"] = tensors[f"{conv}/bias"]
        out.update(_bn(f"{name}.norm", f"batch_normalization_{i + 1}", tensors))
    for i in range(3):
        kernel = tensors[f"conv2d_{5 + i}/kernel"]  # (7, C_in, 1, C_out): a 1-D conv written as 2-D
        out[f"midend.{i}.conv.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0)
        out[f"midend.{i}.conv.bias"] = tensors[f"conv2d_{5 + i}/bias"]
        out.update(_bn(f"midend.{i}.norm", f"batch_normalization_{6 + i}", tensors))
    out.update(_bn("pool_norm", "batch_normalization_9", tensors))
    out.update(_bn("dense_norm", "batch_normalization_10", tensors))
    for torch_name, tf_name in (("dense", "dense"), ("classifier", "dense_1")):
        out[f"{torch_name}.weight"] = tensors[f"{tf_name}/kernel"].T
        out[f"{torch_name}.bias"] = tensors[f"{tf_name}/bias"]
    return {k: torch.from_numpy(v.copy()).float() for k, v in out.items()}
