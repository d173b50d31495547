"""Griffin-Lim: the baseline decoder wherever the vocoder is used (torchaudio, 32 iterations)."""

from __future__ import annotations

import torch
import torchaudio
from torch import nn

from genre_base.mel import MelFrontend


class GriffinLim(nn.Module):
    """Normalised log-mel ``(N, n_mels, T)`` -> wave ``(N, num_samples or hop_length * (T - 1))``.

    The mel is mapped back to a linear magnitude by torchaudio's ``InverseMelScale`` (least
    squares on the same filterbank as the front-end), then phase is estimated iteratively.
    """

    def __init__(self, frontend: MelFrontend, n_iter: int = 32) -> None:
        super().__init__()
        s = frontend.settings
        self.frontend = frontend
        self.inverse_mel = torchaudio.transforms.InverseMelScale(
            n_stft=s.n_fft // 2 + 1,
            n_mels=s.n_mels,
            sample_rate=s.sample_rate,
            f_min=s.f_min,
            f_max=s.f_max,
            norm="slaney",
            mel_scale="slaney",
        )
        self.n_iter = n_iter
        self.register_buffer("window", torch.hann_window(s.n_fft), persistent=False)

    @torch.no_grad()
    def forward(self, mel: torch.Tensor, num_samples: int | None = None) -> torch.Tensor:
        magnitude = self.inverse_mel(torch.exp(self.frontend.denormalize(mel.float()))).clamp_min(0.0)
        s = self.frontend.settings
        # momentum 0.99 is torchaudio's default (fast Griffin-Lim); zero initial phase keeps it deterministic.
        return torchaudio.functional.griffinlim(
            magnitude,
            self.window,
            s.n_fft,
            s.hop_length,
            s.n_fft,
            power=1.0,
            n_iter=self.n_iter,
            momentum=0.99,
            length=num_samples,
            rand_init=False,
        )
