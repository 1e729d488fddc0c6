"""The sandbox org as an ASGI app: ``create_app(profile, db_path=None, clock=None)``.

Routing is data. The cookbook's operations are found through the contracts' own
operation table (``harness.contracts.find_operation`` on the raw, percent-encoded path,
so a product ARI is one segment) and answered by ``operations.HANDLERS[op.name]``; the
sandbox's own control endpoints are ``CONTROL_ROUTES`` below.

Every request goes the same way, and every refusal is the error envelope:

1. route: unknown path 404, known path with another method 405 (with ``Allow``); HEAD
   is routed as GET (``ANSWERED_AS``);
2. authenticate and authorize (401, 403; ``auth``);
3. read the body: at most ``max_body_bytes`` (413), UTF-8 JSON, not too deep (400);
4. ``validate_request`` of the contracts (400, JSON pointer of each violation);
5. settle the state to the sandbox clock (``lifecycle.settle``), then run the operation
   (its refusals: 403, 404, 409, 422 with the rule id), in the settling transaction
   when that wrote nothing (the usual case), else in one of its own after it.

Transport refusals (404, 405, 413, malformed bodies) use the envelope too (ASM-029).
Nothing is ever answered with a 500 unless the sandbox itself has a bug.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..contracts import (
    MAX_JSON_DEPTH,
    JsonError,
    Profile,
    bundled_openapi,
    find_operation,
    load_profile,
    operations,
    parse_json,
    path_allows,
    validate_order,
    validate_request,
)
from . import faults, lifecycle
from .auth import Principal, admit_control, authenticate, authorize, require_json
from .clock import LATEST, ClockRangeError, RealTime, SandboxClock, iso
from .encoding import JSONResponse
from .errors import ApiError, error
from .grouping import GroupCommit
from .operations import HANDLERS, Call, Handler
from .store import Store, storage_failure

log = logging.getLogger("harness.sandbox")

#: Bodies above this size are refused with 413 (1 MiB; the cookbook's largest is ~3 KiB).
MAX_BODY_BYTES = 1 << 20
#: An oversized body is read and dropped up to this size, so the client sees the 413.
_DRAIN_LIMIT = 64 << 20
#: A body not wholly received this long after its request began is refused with 408: a
#: client that sends its headers and then nothing would otherwise hold its request for ever.
BODY_TIMEOUT_SECONDS = 30.0
#: Open connections, and requests in progress, a sandbox server serves at once (``harness
#: sandbox serve --max-connections``): a request beyond is answered 503 UNAVAILABLE
#: (``busy``) and its connection closed. Far above a suite's needs (a few per xdist
#: worker) and the benchmark's 32 clients, and far below the file descriptors a process
#: usually has (1024), so a runaway client cannot starve the server or the machine.
MAX_CONNECTIONS = 256
#: Default delay between placing an order and its items reaching SUCCESS.
DEFAULT_PROCESSING_DELAY = 3.0
#: Default least time from a provisioning request to its COMPLETED (ASM-035).
DEFAULT_PROVISIONING_DELAY = 0.0

_NO_BODY: Any = object()


def _order_rules(order: Any, catalogue: Any, context: Any = None) -> list[Any]:
    """``validate_order`` without its schema check: ``Checks.request`` has validated the
    body against that same schema already (a second pass was a fifth of the rules' cost)."""
    return validate_order(order, catalogue, context, schema=False)


@dataclass(frozen=True)
class Checks:
    """The contract checks the sandbox makes: of every request before its operation
    (``request``, 400 on a breach) and of an order's relationship rules in orders.place
    (``order``, 422, on a body ``request`` found valid). A benchmark may time them; they
    are behaviour, never switched off."""

    request: Callable[..., list[Any]] = validate_request
    order: Callable[..., list[Any]] = _order_rules


@dataclass(frozen=True)
class Settings:
    """Knobs of one sandbox server. ``None`` means: the profile's ``sandbox`` section
    (delays), ``operations.HANDLERS`` (handlers), ``CONTROL_ROUTES`` (control routes)."""

    processing_delay_seconds: float | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    provisioning_delay_seconds: float | None = None
    checks: Checks = field(default_factory=Checks)
    #: Operation name -> handler, to answer an operation another way (tests).
    handlers: Mapping[str, Handler] | None = None
    #: The control endpoints; each path must be under ``CONTROL_PREFIX``.
    control_routes: tuple[tuple[str, str, ControlHandler], ...] | None = None
    #: A body not all received this long after its request began: 408.
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS


class Sandbox:
    """One sandbox org: profile, store, clock and settings, and how it answers a request."""

    def __init__(
        self,
        profile: Profile,
        db_path: str | Path | None = None,
        clock: RealTime | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.profile = profile
        self.settings = settings or Settings()
        delay = self.settings.processing_delay_seconds
        if delay is None:
            delay = profile.sandbox.get("processingDelaySeconds", DEFAULT_PROCESSING_DELAY)
        self.processing_delay = float(delay)
        provisioning = self.settings.provisioning_delay_seconds
        if provisioning is None:
            provisioning = profile.sandbox.get(
                "provisioningDelaySeconds", DEFAULT_PROVISIONING_DELAY
            )
        self.provisioning_delay = float(provisioning)
        # Without --db: a fresh database in a temporary directory, removed on close().
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="harness-sandbox-")
            db_path = Path(self._tmp.name) / "sandbox.db"
        self.db_path = Path(db_path)
        self._routes = _route_table(self.settings.control_routes or CONTROL_ROUTES)
        self._handlers = {**HANDLERS, **(self.settings.handlers or {})}
        self.clock = SandboxClock(clock)
        try:
            self.store = Store(self.db_path)
        except BaseException:
            self._cleanup_tmp()
            raise
        self._group_commit = GroupCommit(self.store)
        try:
            self.store.open_for(profile, self.clock.now())
            with self.store.transaction() as tx:
                stored = tx.control("clock_offset", 0.0), tx.control("clock_frozen_at")
                if self.clock.restore(*stored):
                    # Written before the clock had a range: keep the database usable.
                    tx.set_controls(_clock_controls(self.clock.offset, self.clock.frozen_at))
                    log.warning(
                        "%s: the stored clock was outside the sandbox's range; it is now at %s",
                        self.db_path,
                        self.clock.describe()["now"],
                    )
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"Sandbox(org={self.profile.org_id!r}, db={str(self.db_path)!r})"

    def announce(self, base_url: str) -> None:
        """Say where this sandbox listens: a second one started on its database is told."""
        self.store.announce(base_url)

    def close(self) -> None:
        """Close the database (and remove it when it was a temporary one). Idempotent."""
        self.store.close()
        self._cleanup_tmp()

    def _cleanup_tmp(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # control --------------------------------------------------------------------------

    # Each clock change is committed first and only then read by the server: a commit that
    # fails (a full disk) leaves the clock as it was, in memory as on disk.

    def advance(self, seconds: float) -> None:
        """Move the clock forward; ``ClockRangeError`` (nothing stored) past its range."""
        with self.store.transaction() as tx:
            offset = self.clock.advanced(seconds)
            tx.set_control("clock_offset", offset)
        self.clock.put(offset, self.clock.frozen_at)

    def set_clock(self, epoch_seconds: float, *, frozen: bool = False) -> None:
        """Put the clock at ``epoch_seconds``, frozen there or running on (``clock.set``)."""
        state = self.clock.setting(epoch_seconds, frozen=frozen)
        with self.store.transaction() as tx:
            tx.set_controls(_clock_controls(*state))
        self.clock.put(*state)

    def reset(self, clock: tuple[float, bool] | None = None) -> None:
        """The profile's initial state; the clock back to real time, or first set to
        ``clock`` = (epoch seconds, frozen), so the state is seeded at that instant: in one
        transaction."""
        state = (0.0, None) if clock is None else self.clock.setting(clock[0], frozen=clock[1])
        self.store.reset(self.profile, self.clock.reading(*state), _clock_controls(*state))
        self.clock.put(*state)

    def _settle(self, tx: Any, now: float) -> None:
        lifecycle.settle(
            tx, now, self.profile.catalogue, self.profile.org_id, self.provisioning_delay
        )

    # answering ----------------------------------------------------------------------------

    async def respond(self, request: Request) -> Response | None:
        """The response to one request; every refusal in the error envelope. None: an
        injected fault or the client closed the connection, so nothing is to be answered.
        Sent only once what it answers is committed (``grouping``)."""
        try:
            response = await self._respond(request)
        except ApiError as exc:
            response = JSONResponse(exc.body, exc.status, headers=exc.headers)
        except ClientDisconnect:
            # The client left (or the server is stopping): no one is left to answer.
            log.info(
                "%s %s: the connection closed before the whole body came",
                request.method,
                request.url.path[:200],
            )
            return None
        except Exception as exc:
            return self._failure(request, exc)
        try:
            await self._group_commit.durable()
        except Exception as exc:
            return self._failure(request, exc)
        return response

    def _failure(self, request: Request, exc: Exception) -> Response:
        storage = storage_failure(exc)
        if storage is not None:
            # The file or the disk failed under a running server: say so, not "a bug".
            log.error("database %s failed: %s", self.db_path, exc)
            failure = error(
                503,
                "UNAVAILABLE",
                f"the sandbox's database failed ({storage}); restart the sandbox "
                "(a damaged --db file is refused at start)",
            )
        else:
            # Log the path only: headers may hold credentials.
            log.exception("sandbox bug answering %s %s", request.method, request.url.path)
            failure = error(500, "INTERNAL_ERROR", "the sandbox failed; see its log")
        return JSONResponse(failure.body, failure.status)

    async def _respond(self, request: Request) -> Response | None:
        """Route a request: the sandbox's own routes, else an operation of the contracts
        (404 for an unknown path, 405 for a known path with another method)."""
        path = _raw_path(request.scope)
        method = request.scope["method"].upper()
        headers = _headers(request.scope)
        control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        if control:
            # Admitted before routing: every route under the prefix, unknown paths too.
            admit_control(headers, _base_url(request), self.profile)
        # HEAD is answered as GET; the server sends its headers only (RFC 9110 9.3.2).
        routed = ANSWERED_AS.get(method, method)
        own = self._routes.get(path)
        if own is not None:
            handler = own.get(routed)
            if handler is None:
                raise _not_allowed(method, path, tuple(own))
            if control:
                require_json(routed, headers)
            body = self._parse(await self._read(request, headers))
            return handler(self, request, None if body is _NO_BODY else body)
        match = find_operation(routed, path)
        if match is None:
            allowed = path_allows(path)
            if allowed:
                raise _not_allowed(method, path, allowed)
            raise error(404, "NOT_FOUND", f"no such path: {path[:200]}{_near(method, path)}")
        return await self._answer(request, match, path, headers)

    async def _answer(
        self, request: Request, match: Any, path: str, headers: dict[str, str]
    ) -> Response | None:
        """Answer an operation: authenticate and authorize, read and check the body, settle
        the state (taking an injected fault, if one is registered), then operate."""
        op = match.operation
        principal = authenticate(headers, self.profile, op.name)
        authorize(op, principal, self.profile.readings)
        body = self._parse(await self._read(request, headers))
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = f"{path}?{query}" if query else path
        sent = () if body is _NO_BODY else (body,)
        violations = self.settings.checks.request(op.method, url, headers, *sent)
        if violations:
            raise ApiError.of(violations)

        def operate_in(tx: Any, at: float) -> Response:
            return self._operate(
                tx, request, op.name, principal, match.path_params, headers, body, at
            )

        def operate(at: float, grouped: bool = False) -> Response:
            with self.store.transaction(grouped=grouped) as tx:
                return operate_in(tx, at)

        # A fault is taken in the settling transaction: no extra transaction per request.
        now = self.clock.now()
        with self.store.transaction(grouped=True) as tx:
            fault = faults.take(tx, op.id, op.name)
            self._settle(tx, now)
            if fault is None and not tx.written:
                # Nothing due and no fault: the operation runs in this very transaction,
                # since a refusal rolling it back undoes nothing but the operation's own.
                return operate_in(tx, now)
        # What the fault or the settling wrote stays, whatever the operation does.
        if fault is None:
            return operate(now, grouped=True)
        # A fault may close the connection before any answer: its use is stored first.
        self.store.flush()
        return await faults.act_out(fault, request, now, operate, self._settle_now)

    def _settle_now(self) -> float:
        """Settle the state to the sandbox clock's time now; that time."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            self._settle(tx, now)
        return now

    def _operate(
        self,
        tx: Any,
        request: Request,
        name: str,
        principal: Principal,
        params: Mapping[str, str],
        headers: dict[str, str],
        body: Any,
        now: float,
    ) -> Response:
        """Run the operation in ``tx`` (its refusals, raised, roll the transaction back)."""
        call = Call(
            tx=tx,
            profile=self.profile,
            principal=principal,
            params=params,
            # Starlette parses even an empty query string: most requests have none.
            query=dict(request.query_params) if request.scope.get("query_string") else {},
            headers=headers,
            body=None if body is _NO_BODY else body,
            base_url=_base_url(request),
            now=now,
            processing_delay=self.processing_delay,
            check_order=self.settings.checks.order,
        )
        status, payload = self._handlers[name](call)
        # Encoded before the commit: an answer that cannot be sent stores nothing.
        return JSONResponse(payload, status)

    async def _read(self, request: Request, headers: Mapping[str, str]) -> bytes:
        """The body, read from the ASGI messages themselves (Starlette's stream costs a
        tenth of a read); 413 past ``max_body_bytes``, after draining what was sent; 408
        when it is not all there ``body_timeout_seconds`` after the request began."""
        limit = self.settings.max_body_bytes
        timeout = self.settings.body_timeout_seconds
        declared = headers.get("content-length", "")
        # No body can come (a GET): its one message is there already, so no timer (one
        # costs ~7 us, a few percent of a read).
        bodiless = declared in ("", "0") and "transfer-encoding" not in headers
        deadline = None if bodiless else asyncio.get_running_loop().time() + timeout
        too_large = declared.isdigit() and int(declared) > limit
        if too_large and headers.get("expect", "").strip().lower() == "100-continue":
            # The client waits to be asked for the body: refused before it is sent.
            raise _too_large(limit, closing=True)
        chunks: list[bytes] = []
        size = 0
        receive = request.receive
        while True:
            if deadline is None:
                message = await receive()
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise _timed_out(timeout, size, declared) from None
            if message["type"] != "http.request":
                raise ClientDisconnect()  # as Starlette's stream says it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                too_large = True
            if too_large:
                chunks.clear()
                if size > _DRAIN_LIMIT:
                    break
            elif chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if too_large:
            raise _too_large(limit)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if body:
            _require_plain(headers)
        return body

    def _parse(self, raw: bytes) -> Any:
        """The JSON body, or _NO_BODY for an empty one; 400 for anything else, read as the
        contracts read JSON (``parse_json``: depth, duplicate keys, numbers, surrogates)."""
        if not raw.strip():
            return _NO_BODY
        try:
            return parse_json(raw, max_depth=self.settings.max_json_depth)
        except JsonError as exc:
            # The cookbook's samples carry // comments (ERR-003) and elide with ... (ERR-020).
            erratum = None
            if exc.problem.startswith("not JSON"):
                erratum = "ERR-003" if b"//" in raw else "ERR-020" if b"..." in raw else None
            raise error(
                400, "MALFORMED_BODY", exc.about("the body"), pointer="", erratum=erratum
            ) from None


# -- control endpoints ----------------------------------------------------------------

ControlHandler = Callable[[Sandbox, Request, Any], Response]


def _openapi(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """The contracts' OpenAPI document, self-contained, with this server as servers[0]."""
    return JSONResponse(bundled_openapi(_base_url(request)))


def _clock(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return JSONResponse(sandbox.clock.describe())


def _advance(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """``{"seconds": N}``: move the sandbox clock N >= 0 seconds forward."""
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or set(body) != {"seconds"}
        or not _finite_number(seconds)
        or seconds < 0
    ):
        raise error(
            400,
            "SCHEMA_VIOLATION",
            'expected {"seconds": N} with N a number >= 0: the clock only moves forward',
            pointer="/seconds" if isinstance(body, dict) else "",
        )
    try:
        sandbox.advance(float(seconds))
    except ClockRangeError as exc:
        raise error(400, "CLOCK_OUT_OF_RANGE", str(exc), pointer="/seconds") from None
    return JSONResponse(sandbox.clock.describe())


def _set_clock(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """``{"epochSeconds": N, "frozen": true|false}``: put the clock at N (0 to year 9999),
    frozen there until advanced or set again, or running on in real time (the default)."""
    epoch, frozen = _clock_spec(body, "")
    sandbox.set_clock(epoch, frozen=frozen)
    return JSONResponse(sandbox.clock.describe())


def _reset(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """The profile's initial state and the clock back to real time; with
    ``{"clock": {"epochSeconds": N, "frozen": true}}`` the clock is first set as
    ``/_sandbox/clock/set`` would, and the state seeded at that instant."""
    clock = None
    if body is not None:
        if not isinstance(body, dict) or not set(body) <= {"clock"}:
            raise error(
                400,
                "SCHEMA_VIOLATION",
                'expected no body, {} or {"clock": {"epochSeconds": N, "frozen": true}}',
                pointer="",
            )
        if "clock" in body:
            clock = _clock_spec(body["clock"], "/clock")
    sandbox.reset(clock)
    return JSONResponse({"reset": True, "clock": sandbox.clock.describe()})


def _clock_spec(body: Any, at: str) -> tuple[float, bool]:
    """(epoch seconds, frozen) of ``{"epochSeconds": N, "frozen": bool}``, or 400 naming
    the field."""
    if not isinstance(body, dict) or not set(body) <= {"epochSeconds", "frozen"}:
        raise error(
            400,
            "SCHEMA_VIOLATION",
            'expected {"epochSeconds": N, "frozen": true|false} (frozen is optional)',
            pointer=at,
        )
    epoch = body.get("epochSeconds")
    if not _finite_number(epoch):
        raise error(
            400,
            "SCHEMA_VIOLATION",
            "epochSeconds must be a number of seconds since the epoch",
            pointer=f"{at}/epochSeconds",
        )
    if not 0 <= epoch <= LATEST:
        raise error(
            400,
            "CLOCK_OUT_OF_RANGE",
            f"epochSeconds must be 0 to {LATEST:.0f} (up to {iso(LATEST)}), the times the "
            "sandbox keeps",
            pointer=f"{at}/epochSeconds",
        )
    frozen = body.get("frozen", False)
    if not isinstance(frozen, bool):
        raise error(400, "SCHEMA_VIOLATION", "frozen must be true or false", pointer=f"{at}/frozen")
    return float(epoch), frozen


def _faults(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """The registered faults, with the uses each has left (``faults``)."""
    with sandbox.store.transaction() as tx:
        return JSONResponse({"data": [f.as_json() for f in faults.registered(tx)]})


def _add_fault(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """Register one fault (``faults`` documents the spec); 201 with it."""
    with sandbox.store.transaction() as tx:
        fault = faults.register(tx, body, can_drop=faults.can_drop(request))
    return JSONResponse({"data": fault.as_json()}, 201)


def _clear_faults(sandbox: Sandbox, request: Request, body: Any) -> Response:
    with sandbox.store.transaction() as tx:
        faults.clear(tx)
    return JSONResponse({"data": []})


#: A method answered as another one: HEAD as GET, whose headers it gets without the body
#: (RFC 9110 9.3.2; uvicorn sends no body to a HEAD), on every GET route, the cookbook's
#: operations' and the sandbox's own. A route table names GET only.
ANSWERED_AS: dict[str, str] = {"HEAD": "GET"}

#: The sandbox's own public endpoint: the contracts, for the tools users point at it.
PUBLIC_ROUTES: tuple[tuple[str, str, ControlHandler], ...] = (("GET", "/openapi.json", _openapi),)

#: Every path under this prefix is a control endpoint: ``auth.admit_control`` admits a
#: call (org API key or sandbox admin token, same origin) before it is routed, and
#: ``auth.require_json`` wants JSON for any method but GET.
CONTROL_PREFIX = "/_sandbox"

#: The sandbox's control endpoints (not the cookbook's), top to bottom; each path is
#: under ``CONTROL_PREFIX``, and so guarded, whoever adds it.
CONTROL_ROUTES: tuple[tuple[str, str, ControlHandler], ...] = (
    ("GET", "/_sandbox/clock", _clock),
    ("POST", "/_sandbox/clock/advance", _advance),
    ("POST", "/_sandbox/clock/set", _set_clock),
    ("POST", "/_sandbox/reset", _reset),
    ("GET", "/_sandbox/faults", _faults),
    ("POST", "/_sandbox/faults", _add_fault),
    ("DELETE", "/_sandbox/faults", _clear_faults),
)


def _route_table(
    control_routes: tuple[tuple[str, str, ControlHandler], ...],
) -> dict[str, dict[str, ControlHandler]]:
    """path -> method -> handler of the sandbox's own routes."""
    table: dict[str, dict[str, ControlHandler]] = {}
    control = {path for _, path, _ in control_routes}
    for method, path, handler in (*PUBLIC_ROUTES, *control_routes):
        if (path in control) != path.startswith(CONTROL_PREFIX + "/"):
            raise RuntimeError(f"{path}: only control routes are under {CONTROL_PREFIX}/")
        table.setdefault(path, {})[method] = handler
    return table


# -- the app --------------------------------------------------------------------------


class _Dispatch:
    """Answers every HTTP request with ``Sandbox.respond``.

    A middleware rather than a route: Starlette's router matches the *decoded* path, on
    which a percent-encoded ARI (or an encoded newline, ERR-004) would miss every route
    and get a plain-text 404. Lifespan messages go on to Starlette.
    """

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response = await self.sandbox.respond(Request(scope, receive))
        if response is not None:  # None: a fault closed the connection
            await response(scope, receive, send)


def create_app(
    profile: Profile | str | Path | None = None,
    db_path: str | Path | None = None,
    clock: RealTime | None = None,
    *,
    processing_delay_seconds: float | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_json_depth: int = MAX_JSON_DEPTH,
    provisioning_delay_seconds: float | None = None,
    checks: Checks | None = None,
    handlers: Mapping[str, Handler] | None = None,
    control_routes: tuple[tuple[str, str, ControlHandler], ...] | None = None,
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS,
) -> Starlette:
    """A Starlette app serving the sandbox org of ``profile`` (default: the default profile).

    ``db_path``: the SQLite file (created and seeded when new; kept across restarts);
    ``None`` uses a fresh temporary file. ``clock``: the real-time source (``time.time``);
    tests may freeze it. ``processing_delay_seconds``: order to items' SUCCESS;
    ``provisioning_delay_seconds``: provisioning request to its earliest COMPLETED (both:
    default the profile's ``sandbox`` section, else 3 and 0). ``body_timeout_seconds``: a
    body not all received that long after its request began is refused (408).
    ``checks``, ``handlers``, ``control_routes``: see ``Settings``. ``app.state.sandbox``
    is the ``Sandbox``; whoever creates the app calls ``app.state.sandbox.close()`` when
    done.
    """
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    missing = {op.name for op in operations()} - set(HANDLERS) - set(handlers or {})
    if missing:  # a new operation in the contracts needs a handler before it is served
        raise RuntimeError(f"no sandbox handler for {', '.join(sorted(missing))}")
    sandbox = Sandbox(
        profile,
        db_path,
        clock,
        Settings(
            processing_delay_seconds,
            max_body_bytes,
            max_json_depth,
            provisioning_delay_seconds,
            checks or Checks(),
            handlers,
            control_routes,
            body_timeout_seconds,
        ),
    )
    app = Starlette(middleware=[Middleware(_Dispatch, sandbox=sandbox)])
    app.state.sandbox = sandbox
    return app


async def busy(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a request beyond the server's connection limit (``MAX_CONNECTIONS``):
    503 in the error envelope, worth a retry a second later, the connection closed so that
    it frees its place."""
    refusal = error(
        503,
        "UNAVAILABLE",
        "the sandbox has as many connections or requests in progress as it serves at once "
        "(harness sandbox serve --max-connections); retry after Retry-After seconds",
        headers={"Retry-After": "1", "Connection": "close"},
    )
    await JSONResponse(refusal.body, refusal.status, headers=refusal.headers)(scope, receive, send)


# -- helpers --------------------------------------------------------------------------


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(scope["path"], safe="/:@!$&'()*+,;=-._~")


def _base_url(request: Request) -> str:
    """The request's base URL, as Starlette's ``request.base_url`` (without the final /)."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    server = scope.get("server")
    return _base_url_of(
        scope.get("scheme", "http"),
        host,
        tuple(server) if server else None,
        scope.get("app_root_path", scope.get("root_path", "")),
    )


@functools.lru_cache(maxsize=256)
def _base_url_of(
    scheme: str, host: bytes | None, server: tuple[Any, ...] | None, root_path: str
) -> str:
    # Worked out by Starlette once per Host header: on every request it was ~3% of a read.
    scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host)],
    }
    return str(Request(scope).base_url).rstrip("/")


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; 400 naming a header that may appear once
    but came twice (the last would silently win, ASM-036), or Transfer-Encoding sent with
    Content-Length."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        if name in headers and name in _SINGLE_HEADERS:
            shown = _SINGLE_HEADERS[name]
            raise error(
                400,
                "DUPLICATE_HEADER",
                f"the {shown} header came more than once; send it once",
                header=shown,
            )
        headers[name] = raw_value.decode("latin-1")
    if "transfer-encoding" in headers and "content-length" in headers:
        # A request-smuggling shape: RFC 9112 6.1 has the connection closed after it.
        raise error(
            400,
            "CONFLICTING_HEADERS",
            "the request has both Transfer-Encoding and Content-Length, so the length of "
            "its body is ambiguous; send one of them",
            header="Transfer-Encoding",
            headers={"Connection": "close"},
        )
    return headers


#: Headers that may appear once (lower-case name -> as shown): credentials, the body's
#: media type and origin, and every header parameter of the contracts.
_SINGLE_HEADERS: dict[str, str] = {
    "authorization": "Authorization",
    "content-type": "Content-Type",
    "origin": "Origin",
    **{p.name.lower(): p.name for op in operations() for p in op.parameters if p.where == "header"},
}


def _timed_out(timeout: float, size: int, declared: str) -> ApiError:
    return error(
        408,
        "REQUEST_TIMEOUT",
        f"the body did not all come within {timeout:g} s ({size} bytes came"
        f"{', Content-Length said ' + declared if declared else ''}); send it whole",
        header="Content-Length" if declared else None,
        # The rest of the body may still come: the connection cannot be reused.
        headers={"Connection": "close"},
    )


def _clock_controls(offset: float, frozen_at: float | None) -> dict[str, Any]:
    """The control rows a clock state is stored as (read back at start-up)."""
    return {"clock_offset": offset, "clock_frozen_at": frozen_at}


def _too_large(limit: int, *, closing: bool = False) -> ApiError:
    return error(
        413,
        "PAYLOAD_TOO_LARGE",
        f"the body is larger than the sandbox's limit of {limit} bytes",
        # Its body was never read: the connection cannot carry another request.
        headers={"Connection": "close"} if closing else None,
    )


def _require_plain(headers: Mapping[str, str]) -> None:
    """415 for a body the sandbox would not read as declared: one under a Content-Encoding
    (read as plain, gzip would be 'not UTF-8' and plain bytes claimed gzip accepted), or
    in a charset other than UTF-8, the only one JSON has (RFC 8259)."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"the body is sent with Content-Encoding {encoding[:40]!r}; the sandbox reads "
            "bodies as they are: send it unencoded",
            header="Content-Encoding",
        )
    for parameter in headers.get("content-type", "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise error(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"the body is declared charset={charset[:40]!r}; JSON is UTF-8: send it so, "
                "with charset=utf-8 or none",
                header="Content-Type",
            )


def _near(method: str, path: str) -> str:
    """A hint for a path that is an operation's but for a final '/' (the API's paths end
    in none)."""
    if len(path) > 1 and path.endswith("/"):
        found = find_operation(method, path.rstrip("/"))
        if found is not None:
            return f" (without the final '/' it is {found.operation.id})"
    return ""


def _not_allowed(method: str, path: str, allowed: tuple[str, ...]) -> ApiError:
    also = {alias for alias, routed in ANSWERED_AS.items() if routed in allowed}
    methods = ", ".join(sorted({*allowed, *also}))
    return error(
        405,
        "METHOD_NOT_ALLOWED",
        f"{path[:200]} takes {methods}, not {method[:20]}",
        headers={"Allow": methods},
    )


def _finite_number(value: Any) -> bool:
    """A JSON number (not a bool) that is finite as a float (a huge int is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
