"""The sandbox clock: real time (or a frozen instant) plus an offset.

Every state transition of the sandbox (provisioning windows, order processing) is computed
from this clock, so tests move it (``POST /_sandbox/clock/advance``) instead of sleeping.
``POST /_sandbox/clock/set`` puts it at a given instant, frozen there (it then moves only
when advanced: a recording against ``harness sandbox serve`` repeats to the millisecond)
or running on in real time. Offset and frozen instant are persisted in the store so that
a restart on the same ``--db`` keeps the sandbox's notion of "now".
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
#: The latest instant the clock may be set to: the API's largest timestamp (ASM-032).
LATEST_EPOCH = 253402300799.0


class SandboxClock:
    """``now() = base + offset``, the base being real time or, once ``set(..., frozen=True)``,
    a fixed instant. ``advance`` moves the offset forward, never back; ``set`` puts the
    clock anywhere in [0, ``LATEST_EPOCH``]."""

    def __init__(self, real: RealTime | None = None, offset: float = 0.0) -> None:
        self._real = real or time.time
        self._offset = float(offset)
        self._frozen_at: float | None = None
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def frozen_at(self) -> float | None:
        """The instant the clock was frozen at (before any advance), or None."""
        return self._frozen_at

    def now(self) -> float:
        """Sandbox time, seconds since the epoch."""
        base = self._real() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    def set(self, epoch_seconds: float, *, frozen: bool = False) -> None:
        """Read ``epoch_seconds`` from now on: frozen there until advanced, or running on."""
        if not math.isfinite(epoch_seconds) or not 0 <= epoch_seconds <= LATEST_EPOCH:
            raise ValueError(
                f"the clock can be set to 0..{LATEST_EPOCH:.0f} seconds since the epoch, "
                f"not {epoch_seconds!r}"
            )
        with self._lock:
            if frozen:
                self._frozen_at, self._offset = float(epoch_seconds), 0.0
            else:
                self._frozen_at, self._offset = None, float(epoch_seconds) - self._real()

    def restore(self, offset: float, frozen_at: float | None) -> None:
        """Restore a persisted state (at start-up)."""
        with self._lock:
            self._offset = float(offset)
            self._frozen_at = None if frozen_at is None else float(frozen_at)

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
            "frozen": self._frozen_at is not None,
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
