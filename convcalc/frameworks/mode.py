"""The mode a network's layers run in, as torch's `model.train()` / `model.eval()` set it: a
spec's `mode:` (train, the default: modules as built; eval: as after `model.eval()`, what an
imported model was traced in). One rule depends on it: PyTorch's BatchNorm normalizes with the
batch's statistics while training (or without running statistics), and those need more than one
value per channel. The engine sets it for the run; the layers' rules read it, nested ones too.

Held per thread: a run is synchronous, so nothing else runs in its thread while it is set
(threading is loaded with click already; contextvars would cost an import of every command).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_state = threading.local()


def training() -> bool:
    """Whether the layers being computed run in training mode (True outside any run).

    >>> with running("eval"):
    ...     training()
    False
    >>> training()
    True
    """
    return getattr(_state, "training", True)


@contextlib.contextmanager
def running(mode: str) -> Iterator[None]:
    """The layers computed inside run in `mode` ("train" or "eval": spec/model.py's MODES)."""
    before = training()
    _state.training = mode != "eval"
    try:
        yield
    finally:
        _state.training = before
