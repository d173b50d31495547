"""Stage one's training tasks (VAE, vocoder, the adversarial terms), the latent-size sweep's runner and the
run dispatcher, on the shared loop of :mod:`genre_base.training`. Models never import this.
"""
