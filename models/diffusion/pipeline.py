# Lets diffusers load this folder on its own:
#   DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)
# The class lives in the installed genre-ldm package (pip install -e . in its repository).
from diffusion.pipeline import GenreLatentPipeline  # noqa: F401
