"""The interactive app (``genre-ldm app``, ``make app``): generate, reconstruct, interpolate, explore.

:mod:`.core` holds what it does (plain functions, tested without a server), :mod:`.ui` the Gradio
layer (an optional extra), :mod:`.explore_map` the shipped map of latents for the Explore tab.
"""

from .core import MAX_UPLOAD_SECONDS, AppModels, UploadError, load_models

__all__ = ["MAX_UPLOAD_SECONDS", "AppModels", "UploadError", "load_models"]
