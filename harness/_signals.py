"""``stop_signals(stop)``: while inside, SIGINT (Ctrl-C) and SIGTERM call ``stop``.

The commands that run until stopped (``harness sandbox serve``, ``harness report
--serve``, ``harness notebook``) take both signals the same way: the handler only asks the
work to stop (a flag, a child told to end), and the work ends where it chooses. A
``KeyboardInterrupt`` raised wherever the main thread happened to be could leave half a
request or a child behind. The previous handlers are put back on the way out.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_signals(stop: Callable[[], object]) -> Iterator[None]:
    """SIGINT and SIGTERM call ``stop()`` until the block ends."""

    def handle(signum: int, frame: FrameType | None) -> None:
        stop()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
