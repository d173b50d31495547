"""genre-ldm stage two: genre-conditioned latent diffusion over stage-one latents.

Public surface::

    pipe = diffusion.load_pipeline(folder)           # denoiser + scheduler + the stage-one model it refers to
    z = pipe.sample_latents(["jazz", "metal"], num_inference_steps=50, guidance_scale=3.0, generator=g)  # (N, D)
    audio = pipe(genre="jazz", audio_length_in_s=5.0).audios   # (N, samples) at 22050 Hz (AudioPipelineOutput)
    # diffusers' stock loader works too: DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)
    wave, trajectory = diffusion.sample_song(pipe, "jazz", seconds=30)
    # guidance with a remedy for collapse: rescaled, or only in an interval of noise levels
    z = pipe.sample_latents(["jazz"], guidance_scale=diffusion.Guidance(5.0, rescale=0.7, interval=(0.0, 0.6)))
    z = pipe.transfer(z_of_my_clip, "metal", strength=0.5)     # genre transfer of an encoded clip (N, D)

Stage one is used only through :mod:`autoencoder`'s public API (its models, front-end, ``StageOne`` and
the model-folder records); the training task lives in :mod:`diffusion.training`.
"""

from .denoiser import LatentDenoiser, drop_labels, guided
from .guidance import Guidance
from .pipeline import SAMPLERS, GenreLatentPipeline, save
from .pipeline import load as load_pipeline
from .song import sample_song, seam_flux

__all__ = [
    "GenreLatentPipeline",
    "Guidance",
    "LatentDenoiser",
    "SAMPLERS",
    "drop_labels",
    "guided",
    "load_pipeline",
    "sample_song",
    "save",
    "seam_flux",
]
