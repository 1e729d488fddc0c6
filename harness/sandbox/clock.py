"""The sandbox clock: real time plus an offset that only ever grows.

Every state transition of the sandbox (provisioning windows, order processing) is computed
from this clock, so tests move it (``POST /_sandbox/clock/advance``) instead of sleeping.
The offset is persisted in the store so that a restart on the same ``--db`` keeps the
sandbox's notion of "now".

Sandbox time stays between ``EARLIEST`` (the epoch) and ``LATEST`` (9999-01-01T00:00:00Z):
every time derived from it (a provisioning window, a processing delay of up to an hour, a
millisecond timestamp under the contracts' maximum, ASM-032) is then representable, so no
move of the clock can make a later answer fail. A move past the range is refused
(``ClockRangeError``) before anything changes.
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

#: The earliest and latest sandbox time, epoch seconds (1970-01-01, 9999-01-01 UTC).
EARLIEST = 0.0
LATEST = datetime(9999, 1, 1, tzinfo=UTC).timestamp()


class ClockRangeError(ValueError):
    """A move of the clock that would leave ``EARLIEST``..``LATEST``; says how far it may go."""


class SandboxClock:
    """``now() = real() + offset``. ``advance`` moves the offset forward, never back, and
    never past ``LATEST``."""

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

    def advanced(self, seconds: float) -> float:
        """The offset after moving ``seconds`` (finite, >= 0) forward; changes nothing.

        ``ClockRangeError`` when that would pass ``LATEST``, naming how far it may go.
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"the clock moves forward only, by a finite amount: {seconds!r}")
        now = self.now()
        if seconds > LATEST - now:
            raise ClockRangeError(
                f"moving the clock {seconds:g} s would pass {iso(LATEST)}, the latest time "
                f"the sandbox keeps; at most {max(0.0, LATEST - now):.0f} s are left "
                "(reset to start again from real time)"
            )
        return self._offset + seconds

    def set_offset(self, offset: float) -> None:
        """Set the offset (a checked move, a reset to zero)."""
        with self._lock:
            self._offset = float(offset)

    def restore(self, stored: Any) -> float | None:
        """Take the offset a database holds. A value that is no number, or would put the
        clock outside ``EARLIEST``..``LATEST`` (written before the range existed), is
        brought into range: returns the offset used then, else None."""
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            offset = 0.0
        elif not math.isfinite(stored):
            offset = 0.0 if math.isnan(stored) else math.copysign(LATEST, stored)
        else:
            offset = float(stored)
        real = self._real()
        offset = min(max(offset, EARLIEST - real), LATEST - real)
        self.set_offset(offset)
        return None if offset == stored else offset

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
