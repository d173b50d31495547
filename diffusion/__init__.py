"""genre-ldm stage two: genre-conditioned latent diffusion over stage-one latents.

Public surface::

    pipe = diffusion.load_pipeline(folder)           # denoiser + scheduler + the stage-one model it refers to
    z = pipe.sample_latents(["jazz", "metal"], num_inference_steps=50, guidance_scale=3.0, generator=g)  # (N, D)
    waves = pipe(["jazz"])                           # (N, clip_samples)
    wave, trajectory = diffusion.sample_song(pipe, "jazz", seconds=30)

Stage one is used only through :mod:`autoencoder`'s public API (``autoencoder.load`` and the
model-folder records); the training task lives in :mod:`diffusion.training`.
"""

from .denoiser import LatentDenoiser, drop_labels, guided
from .pipeline import SAMPLERS, GenreLatentPipeline, save
from .pipeline import load as load_pipeline
from .song import sample_song, seam_flux

__all__ = ["GenreLatentPipeline", "LatentDenoiser", "SAMPLERS", "drop_labels", "guided", "load_pipeline",
           "sample_song", "save", "seam_flux"]
