"""genre-ldm analysis of latents files (numpy, scikit-learn, umap-learn, matplotlib; no training code).

- :mod:`autoencoder.latents`: the latents file format and its validating loader;
- :mod:`analysis.clustering`: k-means sweep (elbow, homogeneity-completeness balance), GMM-BIC,
  Ward, centroid distances, precision@k;
- :mod:`analysis.probes`: logistic and k-NN genre probes under one protocol;
- :mod:`analysis.study`: all of it per file, clip and song level, flat and time-pooled;
- :mod:`analysis.figures`: maps (PCA, t-SNE, UMAP imported lazily) and comparison plots.
"""
