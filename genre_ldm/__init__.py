"""genre-ldm's whole study in one call, composing the three packages: stage one (:mod:`autoencoder`),
the latent analysis (:mod:`analysis`) and stage two (:mod:`diffusion`).

    from genre_ldm.study import load_study_config, run_study
    run_study(load_study_config("configs/study_toy.yaml"), src=None, out="runs/study-toy")
"""
