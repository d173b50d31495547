"""Training for stage one (and the shared loop used by stage two). Models never import this."""

from .loop import LoopConfig, RunExistsError, Task, latest_checkpoint, train

__all__ = ["LoopConfig", "RunExistsError", "Task", "latest_checkpoint", "train"]
