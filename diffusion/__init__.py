"""genre-ldm stage two: genre-conditioned latent diffusion (see issue 6; not built yet)."""
