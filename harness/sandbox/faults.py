"""Fault injection: make the sandbox misbehave on purpose, per operation, a given number of
times, so tests can prove how the client and the suite recover.

``POST /_sandbox/faults`` registers one fault (``GET`` lists them, ``DELETE`` clears them,
``POST /_sandbox/reset`` clears them too)::

    {"operation": "orders.get", "fault": "503", "times": 2, "retryAfter": 1}

- ``operation``: an operation of the contracts by name (``orders.place`` is both order
  paths) or operationId (``orders.place.v1``), or ``orders.process``: the processing of
  an order's items (no HTTP request of its own);
- ``fault``:

  ============== ===============================================================
  ``429``        answered 429 ``RATE_LIMITED`` with ``Retry-After`` (``retryAfter``
                 seconds, default 1); the request is not acted on (ASM-030)
  ``500``        answered 500 ``INTERNAL_ERROR``, not acted on
  ``502``        answered 502 ``BAD_GATEWAY``, not acted on
  ``503``        answered 503 ``UNAVAILABLE`` (``Retry-After`` when ``retryAfter``
                 is given), not acted on
  ``504``        answered 504 ``GATEWAY_TIMEOUT``, not acted on
  ``drop``       the connection is closed before the request is acted on
  ``drop-response`` the request is acted on (an order is stored), then the
                 connection is closed: the response is lost
  ``delay``      the answer comes ``seconds`` later; a client that gives up first
                 gets nothing and the request is not acted on
  ``fail-item``  (``orders.process`` only) when the next order's items are processed,
                 item ``item`` (default: the order's last) ends FAILED with
                 ``reasonCode`` ``reason``; the others succeed (ASM-031)
  ============== ===============================================================

- ``times``: how many matching requests (or processed orders) the fault hits, default 1;
  ``null`` hits every one until the faults are cleared. A request hits the first fault
  registered for its operation that has uses left, so faults registered one after the
  other make a sequence.

Faults live in the store's ``control`` table (key ``faults``), so a fault is taken in a
transaction and ``reset`` clears them with the rest of the state. ``act_out`` answers a
request a fault hit. Closing a connection needs the server's help
(``harness._compat.uvicorn``, which every harness server uses: ``harness.serving``); a
server without it refuses ``drop``, ``drop-response`` and ``delay`` faults (400).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .._compat.uvicorn import abort_of
from ..contracts import operations
from .encoding import JSONResponse
from .errors import ApiError, error
from .store import Tx

#: The pseudo-operation of processing an order's items (settled with the clock).
PROCESSING = "orders.process"

STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "429": (429, "RATE_LIMITED", "too many requests: retry after the Retry-After seconds"),
    "500": (500, "INTERNAL_ERROR", "the server failed (injected fault)"),
    "502": (502, "BAD_GATEWAY", "an upstream service answered badly (injected fault)"),
    "503": (503, "UNAVAILABLE", "the service is unavailable (injected fault)"),
    "504": (504, "GATEWAY_TIMEOUT", "an upstream service timed out (injected fault)"),
}
CONNECTION_FAULTS = ("drop", "drop-response", "delay")
ITEM_FAULTS = ("fail-item",)
FAULTS = (*STATUS_FAULTS, *CONNECTION_FAULTS, *ITEM_FAULTS)
#: reasonCode of an item failed by ``fail-item`` unless the fault names another.
DEFAULT_REASON = "PROVISIONING_FAILED"
#: The longest delay a fault may ask for (the sandbox must stay responsive).
MAX_DELAY_SECONDS = 60.0
#: Bounds of ``times`` and ``retryAfter``.
MAX_TIMES = 1_000_000
MAX_RETRY_AFTER = 86_400
_KEYS = {"operation", "fault", "times", "retryAfter", "seconds", "item", "reason"}


@dataclass(frozen=True)
class Fault:
    """One registered fault and how often it has hit."""

    id: int
    operation: str
    fault: str
    times: int | None
    hits: int = 0
    retryAfter: int | None = None  # the JSON field's name
    seconds: float | None = None
    item: str | None = None
    reason: str | None = None

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, names: tuple[str, ...]) -> bool:
        return self.operation in names and not self.spent

    def as_json(self) -> dict[str, Any]:
        shown = {k: v for k, v in asdict(self).items() if v is not None or k == "times"}
        shown["remaining"] = None if self.times is None else self.times - self.hits
        return shown


# -- registry (in the store) --------------------------------------------------------------


def registered(tx: Tx) -> list[Fault]:
    return [Fault(**f) for f in tx.control("faults", [])]


def register(tx: Tx, spec: Any, *, can_drop: bool) -> Fault:
    """Check a fault spec (400 naming the field when wrong) and store it."""
    fault = _parse(spec, can_drop=can_drop)
    number = int(tx.control("fault_sequence", 0)) + 1
    tx.set_control("fault_sequence", number)
    fault = Fault(**{**asdict(fault), "id": number})
    _store(tx, [*registered(tx), fault])
    return fault


def clear(tx: Tx) -> None:
    _store(tx, [])


def take(tx: Tx, *names: str) -> Fault | None:
    """The first fault with uses left for any of ``names``, counted as one hit."""
    faults = registered(tx)
    for i, fault in enumerate(faults):
        if fault.matches(names):
            hit = Fault(**{**asdict(fault), "hits": fault.hits + 1})
            faults[i] = hit
            _store(tx, faults)
            return hit
    return None


def _store(tx: Tx, faults: list[Fault]) -> None:
    tx.set_control("faults", [asdict(f) for f in faults])


def _parse(spec: Any, *, can_drop: bool) -> Fault:
    if not isinstance(spec, dict):
        raise _bad("", 'expected {"operation": ..., "fault": ...}')
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise _bad(f"/{unknown[0]}", f"unknown field {unknown[0]!r}; known: {sorted(_KEYS)}")
    op, kind = spec.get("operation"), spec.get("fault")
    known_ops = {PROCESSING} | {o.id for o in operations()} | {o.name for o in operations()}
    if op not in known_ops:
        raise _bad("/operation", f"no operation {op!r}; known: {', '.join(sorted(known_ops))}")
    if kind not in FAULTS:
        raise _bad("/fault", f"no fault {kind!r}; known: {', '.join(FAULTS)}")
    if (op == PROCESSING) != (kind in ITEM_FAULTS):
        raise _bad(
            "/fault",
            f"{kind} does not apply to {op} ({', '.join(ITEM_FAULTS)} applies "
            f"to {PROCESSING} only, and only it)",
        )
    if kind in ("drop", "drop-response", "delay") and not can_drop:
        raise _bad(
            "/fault",
            "this server cannot close connections on purpose: serve the "
            "sandbox with harness.serving (harness sandbox serve does)",
        )
    times = spec.get("times", 1)
    if times is not None and not _whole(times, 1, MAX_TIMES):
        raise _bad("/times", f"times is a whole number from 1 to {MAX_TIMES}, or null for always")
    retry_after = spec.get("retryAfter", 1 if kind == "429" else None)
    if retry_after is not None and (
        kind not in ("429", "503") or not _whole(retry_after, 0, MAX_RETRY_AFTER)
    ):
        raise _bad(
            "/retryAfter",
            f"retryAfter is whole seconds from 0 to {MAX_RETRY_AFTER}, for 429 and 503 only",
        )
    seconds = spec.get("seconds")
    if kind == "delay":
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_DELAY_SECONDS  # also refuses NaN, inf and huge ints
        ):
            raise _bad("/seconds", f"a delay needs seconds, > 0 and <= {MAX_DELAY_SECONDS:g}")
        seconds = float(seconds)
    elif seconds is not None:
        raise _bad("/seconds", "seconds is for delay faults only")
    item, reason = spec.get("item"), spec.get("reason")
    for name, value in (("item", item), ("reason", reason)):
        if value is not None and (kind != "fail-item" or not isinstance(value, str) or not value):
            raise _bad(f"/{name}", f"{name} is a non-empty string, for fail-item only")
    if kind == "fail-item":
        reason = reason or DEFAULT_REASON
    return Fault(0, op, kind, times, 0, retry_after, seconds, item, reason)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _bad(pointer: str, detail: str) -> ApiError:
    return error(400, "SCHEMA_VIOLATION", f"fault spec: {detail}", pointer=pointer)


# -- acting out a fault ---------------------------------------------------------------


def status_response(fault: Fault) -> Response:
    """The injected error answer of a status fault, in the error envelope."""
    status, code, detail = STATUS_FAULTS[fault.fault]
    headers = {"Retry-After": str(fault.retryAfter)} if fault.retryAfter is not None else {}
    answer = error(status, code, detail, headers=headers)
    return JSONResponse(answer.body, answer.status, headers=answer.headers)


def can_drop(request: Request) -> bool:
    return abort_of(request.scope) is not None


async def drop(request: Request) -> None:
    """Close the request's connection without a response, and wait until the server has
    seen it closed (so it does not answer in its place)."""
    abort = abort_of(request.scope)
    assert abort is not None, "a drop fault was registered on a server that cannot drop"
    abort()
    await _disconnected(request)


async def delay(request: Request, seconds: float) -> bool:
    """Wait ``seconds``; False when the client hung up first (then nothing is answered)."""
    try:
        await asyncio.wait_for(_disconnected(request), timeout=seconds)
    except TimeoutError:
        return True
    return False


async def _disconnected(request: Request) -> None:
    # The body has been read: the next message is the disconnect, whenever it comes.
    while (await request.receive())["type"] != "http.disconnect":
        pass


def failing_item(fault: Fault, item_ids: list[str]) -> str | None:
    """The itemId a fail-item fault fails in an order with these items."""
    if fault.item is None:
        return item_ids[-1] if item_ids else None
    return fault.item if fault.item in item_ids else None


#: Runs the operation at a sandbox time (epoch seconds): its answer, or ``ApiError``.
Operate = Callable[[float], Response]


async def act_out(
    fault: Fault,
    request: Request,
    now: float,
    operate: Operate,
    settle: Callable[[], float],
) -> Response | None:
    """The answer to a request that ``fault`` hit (None: the connection was closed, nothing
    is answered). ``operate(now)`` acts on the request; ``settle()`` brings the state to
    the sandbox clock again and returns its time (after a delay)."""
    if fault.fault in STATUS_FAULTS:
        return status_response(fault)  # not acted on
    if fault.fault == "drop":
        await drop(request)  # not acted on
        return None
    if fault.fault == "delay":
        assert fault.seconds is not None
        if not await delay(request, fault.seconds):
            return None  # the client gave up first: the request is not acted on
        return operate(settle())
    if fault.fault == "drop-response":
        with contextlib.suppress(ApiError):  # a refusal is lost the same way
            operate(now)
        await drop(request)  # acted on and committed; the answer is lost
        return None
    return operate(now)
