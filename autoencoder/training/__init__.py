"""Training for stage one, and the shared accelerate loop stage two trains with. Models never import this.

Public: :func:`train` with :class:`LoopConfig` and the :class:`Task` protocol, :func:`train_main`
(the command line of every training script) and the TensorBoard helpers.
"""

from .common import add_audio, add_mel_images
from .loop import LoopConfig, RunExistsError, Task, latest_checkpoint, train

__all__ = ["LoopConfig", "RunExistsError", "Task", "add_audio", "add_mel_images", "latest_checkpoint", "train"]
