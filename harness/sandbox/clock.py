"""The sandbox clock: real time (or a frozen instant) plus an offset.

Every state transition of the sandbox (provisioning windows, order processing) is computed
from this clock, so tests move it (``POST /_sandbox/clock/advance``) instead of sleeping.
``POST /_sandbox/clock/set`` puts it at a given instant, frozen there (it then moves only
when advanced: a recording against ``harness sandbox serve`` repeats to the millisecond)
or running on in real time. Offset and frozen instant are persisted in the store so that
a restart on the same ``--db`` keeps the sandbox's notion of "now".

Sandbox time stays between ``EARLIEST`` (the epoch) and ``LATEST`` (9999-01-01T00:00:00Z):
every time derived from it (a provisioning window, a processing delay of up to an hour, a
millisecond timestamp under the contracts' maximum, ASM-032) is then representable, so no
move of the clock can make a later answer fail. A move or a set past the range is refused
(``ClockRangeError``) before anything changes; a database holding a clock outside it
(written before the range existed) is brought into it at start (``restore``).
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

#: The earliest and latest sandbox time, epoch seconds (1970-01-01, 9999-01-01 UTC): a year
#: short of the API's largest timestamp (ASM-032), for the times derived from the clock.
EARLIEST = 0.0
LATEST = datetime(9999, 1, 1, tzinfo=UTC).timestamp()


class ClockRangeError(ValueError):
    """A move or a set of the clock that would leave ``EARLIEST``..``LATEST``; says how far
    it may go."""


class SandboxClock:
    """``now() = base + offset``, the base being real time or, once ``set(..., frozen=True)``,
    a fixed instant. ``advanced`` gives the offset of a move forward, never back; ``set``
    puts the clock anywhere in [``EARLIEST``, ``LATEST``]; neither past ``LATEST``."""

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
        """Read ``epoch_seconds`` from now on: frozen there until advanced, or running on.
        ``ClockRangeError`` outside [``EARLIEST``, ``LATEST``]."""
        self.put(*self.setting(epoch_seconds, frozen=frozen))

    def setting(self, epoch_seconds: float, *, frozen: bool = False) -> tuple[float, float | None]:
        """The (offset, frozen_at) that ``set`` would give; changes nothing (a caller stores
        it first, then ``put``s it). ``ClockRangeError`` outside the range."""
        if not math.isfinite(epoch_seconds) or not EARLIEST <= epoch_seconds <= LATEST:
            raise ClockRangeError(
                f"the clock can be set to {EARLIEST:.0f}..{LATEST:.0f} seconds since the "
                f"epoch (up to {iso(LATEST)}), not {epoch_seconds!r}"
            )
        if frozen:
            return 0.0, float(epoch_seconds)
        return float(epoch_seconds) - self._real(), None

    def put(self, offset: float, frozen_at: float | None) -> None:
        """Take a state worked out by ``setting`` or ``advanced`` (in range)."""
        with self._lock:
            self._offset, self._frozen_at = float(offset), frozen_at

    def reading(self, offset: float, frozen_at: float | None) -> float:
        """What the clock would read now in that state."""
        return (self._real() if frozen_at is None else frozen_at) + offset

    def restore(self, offset: Any, frozen_at: Any) -> bool:
        """Take the state a database holds (at start-up, or ``0, None`` on reset). Values
        that are no numbers, or put the clock outside [``EARLIEST``, ``LATEST``] (written
        before the range existed), are brought into range: True when something was."""
        frozen = _number(frozen_at) if frozen_at is not None else None
        if frozen is not None:
            frozen = min(max(frozen, EARLIEST), LATEST)
        moved = _number(offset) or 0.0
        base = self._real() if frozen is None else frozen
        moved = min(max(moved, EARLIEST - base), LATEST - base)
        with self._lock:
            self._offset, self._frozen_at = moved, frozen
        return moved != offset or frozen != frozen_at

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


def _number(value: Any) -> float | None:
    """A stored number as a finite float (an infinite one at the range's end), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if math.isnan(value):
        return None
    return float(value) if math.isfinite(value) else math.copysign(LATEST, value)


def millis(seconds: float) -> int:
    """Seconds since the epoch as the API's millisecond timestamps."""
    return round(seconds * 1000)
