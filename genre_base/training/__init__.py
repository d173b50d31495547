"""The accelerate training loop every stage trains with, and its helpers. Models never import this.

Public: :func:`train` with :class:`LoopConfig` and the :class:`Task` protocol, :func:`train_main`
(the command line of every training script, :mod:`.cli`) and the TensorBoard helpers; the mel
judge's task (:mod:`.judge_task`). Stage one's tasks live in :mod:`autoencoder.training`.
"""

from .common import add_audio, add_mel_images
from .loop import LoopConfig, RunExistsError, Task, latest_checkpoint, require_checkpoint, seed_initial_weights, train

__all__ = [
    "LoopConfig",
    "RunExistsError",
    "Task",
    "add_audio",
    "add_mel_images",
    "latest_checkpoint",
    "require_checkpoint",
    "seed_initial_weights",
    "train",
]
