"""Seeded kill points: a test harness's way to kill a command at the k-th event of a kind, not at a random time.

``GENRE_LDM_KILL_AT=write:3`` kills the process (SIGKILL, as a power cut or the OOM killer would) at the third
file it is about to move into place, after the temporary file is written and before the rename;
``checkpoint:2`` after the second training checkpoint is written and before it is renamed; ``step:40`` after
optimiser step 40. Unset (always, outside ``scripts/dev/killpoints.py``), :func:`reached` only reads a variable.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "GENRE_LDM_KILL_AT"
EVENTS = ("write", "checkpoint", "step")
_seen: Counter = Counter()


def reached(event: str) -> None:
    """Count one ``event``; kill this process if it is the one ``GENRE_LDM_KILL_AT`` names."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    kind, _, nth = spec.partition(":")
    if kind != event:
        return
    _seen[event] += 1
    if _seen[event] == int(nth):
        os.kill(os.getpid(), signal.SIGKILL)
