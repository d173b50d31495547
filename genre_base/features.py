"""Hand-crafted clip features from the shared front-end: the MFCC-statistics baseline."""

from __future__ import annotations

import torch
import torchaudio.functional as AF

from .mel import MelFrontend


@torch.no_grad()
def mfcc_stats(frontend: MelFrontend, waves: torch.Tensor, n_mfcc: int = 20) -> torch.Tensor:
    """Mean and std over time of ``n_mfcc`` MFCCs: ``(N, samples) -> (N, 2 * n_mfcc)``.

    MFCCs are the orthonormal DCT-II of the front-end's log-mel (in dB-like natural-log units),
    so this baseline sees exactly the spectrum every model sees.
    """
    log_mel = frontend.denormalize(frontend(waves))  # (N, n_mels, T)
    dct = AF.create_dct(n_mfcc, frontend.settings.n_mels, norm="ortho")  # (n_mels, n_mfcc)
    mfcc = torch.einsum("nmt,mk->nkt", log_mel, dct)
    return torch.cat([mfcc.mean(-1), mfcc.std(-1)], dim=1)
