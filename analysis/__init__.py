"""genre-ldm analysis of latents files: projections, clustering, probes (see issue 5; not built yet)."""
