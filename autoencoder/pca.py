"""PCA of flattened normalised log-mels: the linear baseline every latent size is compared with."""

from __future__ import annotations

import torch


class MelPCA:
    """PCA fitted on flattened mels. ``encode``: ``(N, n_mels, T) -> (N, D)``; ``decode`` the reverse."""

    def __init__(self, mean: torch.Tensor, components: torch.Tensor, mel_shape: tuple[int, int]) -> None:
        self.mean, self.components, self.mel_shape = mean, components, tuple(mel_shape)

    def to(self, device: torch.device | str) -> "MelPCA":
        """Move the mean and components to ``device``; returns self."""
        self.mean, self.components = self.mean.to(device), self.components.to(device)
        return self

    @classmethod
    def fit(cls, mels: torch.Tensor, dim: int) -> "MelPCA":
        """Fit on training mels ``(N, n_mels, T)``. ``dim`` must be below N (else PCA is exact on train
        and meaningless as a baseline): a ``ValueError`` says so."""
        n = mels.shape[0]
        if not 1 <= dim < n:
            raise ValueError(f"PCA at dimension {dim} needs more than {dim} training clips, got {n}: not applicable")
        flat = mels.reshape(n, -1).double()
        mean = flat.mean(0)
        # Thin SVD of the centred data: N x F with N << F, so this is cheap.
        _, _, vh = torch.linalg.svd(flat - mean, full_matrices=False)
        return cls(mean.float(), vh[:dim].float(), mels.shape[1:])

    @property
    def dim(self) -> int:
        return self.components.shape[0]

    def encode(self, mels: torch.Tensor) -> torch.Tensor:
        return (mels.reshape(mels.shape[0], -1) - self.mean) @ self.components.T

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.components + self.mean).reshape(z.shape[0], *self.mel_shape)

    def reconstruct(self, mels: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(mels))
