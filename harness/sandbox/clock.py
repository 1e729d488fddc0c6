"""The sandbox clock: real time plus an offset that only ever grows.

Every state transition of the sandbox (provisioning windows, order processing) is computed
from this clock, so tests move it (``POST /_sandbox/clock/advance``) instead of sleeping.
The offset is persisted in the store so that a restart on the same ``--db`` keeps the
sandbox's notion of "now".
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

#: Source of real time, seconds since the epoch (``time.time``; tests may freeze it).
RealTime = Callable[[], float]


class SandboxClock:
    """``now() = real() + offset``. ``advance`` moves the offset forward, never back."""

    def __init__(self, real: RealTime | None = None, offset: float = 0.0) -> None:
        self._real = real or time.time
        self._offset = float(offset)
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Sandbox time, seconds since the epoch."""
        return self._real() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward (finite, >= 0); returns the new offset."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"the clock moves forward only, by a finite amount: {seconds!r}")
        with self._lock:
            self._offset += seconds
            return self._offset

    def set_offset(self, offset: float) -> None:
        """Restore a persisted offset (at start-up) or zero it (on reset)."""
        with self._lock:
            self._offset = float(offset)

    def describe(self) -> dict[str, Any]:
        """The clock as the control endpoints answer it."""
        now = self.now()
        return {
            "now": iso(now),
            "epochSeconds": now,
            "offsetSeconds": self._offset,
        }


def iso(seconds: float) -> str:
    """An RFC 3339 UTC timestamp with milliseconds."""
    return (
        datetime.fromtimestamp(seconds, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def millis(seconds: float) -> int:
    """Seconds since the epoch as the API's millisecond timestamps."""
    return round(seconds * 1000)
