"""PCA of flattened normalised log-mels: the linear baseline every latent size is compared with."""

from __future__ import annotations

import torch

EXACT_MAX_CLIPS = 1024  # exact PCA up to this many training clips, randomized above


class MelPCA:
    """PCA fitted on flattened mels. ``encode``: ``(N, n_mels, T) -> (N, D)``; ``decode`` the reverse."""

    def __init__(self, mean: torch.Tensor, components: torch.Tensor, mel_shape: tuple[int, int]) -> None:
        self.mean, self.components, self.mel_shape = mean, components, tuple(mel_shape)

    def to(self, device: torch.device | str) -> MelPCA:
        """Move the mean and components to ``device``; returns self."""
        self.mean, self.components = self.mean.to(device), self.components.to(device)
        return self

    @classmethod
    def fit(cls, mels: torch.Tensor, dim: int) -> MelPCA:
        """Fit on training mels ``(N, n_mels, T)``. ``dim`` must be below N (else PCA is exact on train
        and meaningless as a baseline): a ``ValueError`` says so."""
        n = mels.shape[0]
        if not 1 <= dim < n:
            raise ValueError(f"PCA at dimension {dim} needs more than {dim} training clips, got {n}: not applicable")
        if n <= EXACT_MAX_CLIPS:
            # Thin SVD of the centred data in float64: N x F with N << F, cheap at this size.
            flat = mels.reshape(n, -1).double()
            mean = flat.mean(0)
            _, _, vh = torch.linalg.svd(flat - mean, full_matrices=False)
            return cls(mean.float(), vh[:dim].float(), mels.shape[1:])
        # The thin SVD costs N^2 F: 101 s and 3.1 GB extra at 3,035 clips. A randomized SVD of the top
        # components costs N F (dim + 32) per pass: 8 s and 0.2 GB there, valid L1 at dim 512 within
        # 0.04 % of the exact one (scripts/dev/bench_pca.py, results/bench/pca_*.json).
        flat = mels.reshape(n, -1).float()
        mean = flat.mean(0)
        _, _, v = torch.svd_lowrank(flat - mean, q=min(dim + 32, n), niter=4)
        return cls(mean, v[:, :dim].T.contiguous(), mels.shape[1:])

    @property
    def dim(self) -> int:
        return self.components.shape[0]

    def truncated(self, dim: int) -> MelPCA:
        """The same fit keeping its ``dim`` leading components (PCA's components are nested, so one fit
        at the largest size serves every smaller one)."""
        if not 1 <= dim <= self.dim:
            raise ValueError(f"cannot keep {dim} of {self.dim} components")
        return MelPCA(self.mean, self.components[:dim], self.mel_shape)

    def encode(self, mels: torch.Tensor) -> torch.Tensor:
        return (mels.reshape(mels.shape[0], -1) - self.mean) @ self.components.T

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.components + self.mean).reshape(z.shape[0], *self.mel_shape)

    def reconstruct(self, mels: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(mels))


def fit_nested(frontend, data, extras, largest: int) -> MelPCA | None:
    """One PCA for every size up to ``largest``, fitted on :func:`training_mels` at ``largest`` or the most
    the clips allow (fewer than their number); cut it with :meth:`MelPCA.truncated`. ``None``: no size fits."""
    mels = training_mels(frontend, data, extras)
    dim = min(largest, len(mels) - 1)
    return MelPCA.fit(mels, dim) if dim >= 1 else None


def training_mels(frontend, data, extras=()) -> torch.Tensor:
    """Mels ``(N, n_mels, T)`` of the train split of ``data`` and of every extra training set (prepared
    datasets): the audio a PCA baseline is fitted on, the same as the VAE it stands beside."""
    return torch.cat([d.mels(frontend, "train") for d in (data, *extras)])


def mel_baselines(
    data, split: str = "valid", sizes: tuple[int, ...] = (16, 32, 64, 128, 256, 512, 1024), mel=None
) -> dict:
    """How far simple baselines take the decoded-mel L1 on ``split`` of a prepared dataset: PCA (fitted on
    train) at each size, the training split's mean mel, and each clip's own mean spectrum (n_mels floats).
    ``mel``: the :class:`MelSettings` of the model they stand beside (default: today's front-end)."""
    from genre_base.mel import MelFrontend

    frontend = MelFrontend(mel)
    train, held_out = data.mels(frontend, "train"), data.mels(frontend, split)
    usable = [s for s in sizes if s < len(train)]
    full = MelPCA.fit(train, max(usable)) if usable else None
    result = {
        "split": split,
        "train_clips": len(train),
        "held_out_clips": len(held_out),
        "train_mean_mel_l1": float((train.mean(0, keepdim=True) - held_out).abs().mean()),
        "clip_mean_spectrum_l1": float((held_out.mean(-1, keepdim=True) - held_out).abs().mean()),
        "pca_mel_l1": {},
    }
    for size in sizes:
        if size not in usable:
            result["pca_mel_l1"][size] = None  # not applicable: at least as many floats as training clips
            continue
        pca = full.truncated(size)
        result["pca_mel_l1"][size] = float((pca.reconstruct(held_out) - held_out).abs().mean())
    return result
