"""uvicorn: close a request's connection without a response (the sandbox's ``drop`` faults,
and a stopping server's requests still waiting for their body).

ASGI has no message for "drop the connection", and uvicorn has no public hook for it. What
is public: ``uvicorn.Config(http=...)`` takes an asyncio protocol class, and the ASGI scope
names the connection's two ends (``scope["server"]``, ``scope["client"]``). So
``AbortableH11Protocol``, uvicorn's h11 protocol with nothing changed but asyncio's own
``connection_made`` / ``connection_lost``, keeps each open connection's
``transport.abort`` by those two addresses, and ``abort_connection(scope)`` calls it.

A stopping uvicorn lets each request finish; one whose client sent its headers and never
its body would wait until the graceful-shutdown timeout cancels it (with a traceback in the
log). ``AbortableH11Protocol.shutdown`` closes such a connection at once instead: the app
is told the client left (``http.disconnect``), and nothing half-received is acted on.

When h11 cannot parse what follows a request's headers (a bad chunk size), uvicorn answers
400 itself while the app may be answering too; h11 then refuses the app's answer and
uvicorn logs 'Exception in ASGI application' with a traceback. ``send_400_response`` first
tells the request's cycle its client is gone, so the app's answer is dropped quietly.

uvicorn's ``limit_concurrency`` answers a request beyond it with its own plain-text 503.
``limited_protocol(limit, busy)`` is the protocol with a limit of its own instead: a
request that comes while more than ``limit`` connections are open, or ``limit`` requests
are in progress, is answered by the ASGI app ``busy`` (the sandbox's: its error envelope).
uvicorn reads ``self.app`` once per request, where it checks ``limit_concurrency``; the
protocol's ``app`` makes the same check there.

Relies on: ``uvicorn.protocols.http.h11_impl.H11Protocol`` (a module uvicorn does not
document; its ``conn``, ``cycle``, ``app``, ``connections``, ``tasks``, ``shutdown`` and
``send_400_response`` too) and on uvicorn
filling ``scope["server"]`` / ``scope["client"]`` from the socket's own addresses
(``proxy_headers`` off: ``harness.serving`` turns it off). ``tests/compat/test_uvicorn.py``
checks both against the installed uvicorn (``tests/sandbox/test_raw_http.py`` the stop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import h11
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

Address = tuple[str, int]
#: (server address, client address) -> abort of that open connection, process-wide.
_OPEN: dict[tuple[Address, Address], Callable[[], None]] = {}


def _address(found: Any) -> Address | None:
    if isinstance(found, list | tuple) and len(found) >= 2 and isinstance(found[1], int):
        return str(found[0]), found[1]
    return None


def _key(transport: asyncio.BaseTransport) -> tuple[Address, Address] | None:
    server = _address(transport.get_extra_info("sockname"))
    client = _address(transport.get_extra_info("peername"))
    return (server, client) if server and client else None


class AbortableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol whose connections ``abort_connection`` can close."""

    #: At most this many open connections and requests in progress (None: no limit), a
    #: request beyond answered by ``busy_app`` (``limited_protocol``).
    max_connections: int | None = None
    busy_app: ASGIApp | None = None

    @property  # type: ignore[override]
    def app(self) -> ASGIApp:
        """The app to answer the request being read: ``busy_app`` beyond the limit."""
        limit, busy = self.max_connections, self.busy_app
        # This connection is one of the open ones; this request is not yet a task.
        over = limit is not None and (len(self.connections) > limit or len(self.tasks) >= limit)
        return busy if over and busy is not None else self._app

    @app.setter
    def app(self, value: ASGIApp) -> None:
        self._app = value

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        key = _key(transport)
        if key is not None:
            _OPEN[key] = transport.abort
            self._harness_key = key

    def shutdown(self) -> None:
        """Close at once a connection whose request still waits for its body; others as
        uvicorn does (in-flight answers finish)."""
        cycle = self.cycle
        if (
            cycle is not None
            and not cycle.response_started
            and self.conn.their_state is h11.SEND_BODY
        ):
            self.transport.close()
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's 400 for what h11 cannot parse, the request underway told its client
        is gone first (its answer could no longer be sent)."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:  # too late for a 400: h11 would refuse it
                self.transport.close()
                return
        super().send_400_response(msg)

    def connection_lost(self, exc: Exception | None) -> None:
        _OPEN.pop(getattr(self, "_harness_key", None), None)  # type: ignore[arg-type]
        super().connection_lost(exc)


def limited_protocol(limit: int, busy: ASGIApp) -> type[AbortableH11Protocol]:
    """``AbortableH11Protocol`` serving at most ``limit`` open connections and ``limit``
    requests in progress; a request beyond is answered by ``busy``."""
    if limit < 1:
        raise ValueError(f"a connection limit is 1 or more, not {limit}")
    attributes = {"max_connections": limit, "busy_app": staticmethod(busy)}
    return type("LimitedH11Protocol", (AbortableH11Protocol,), attributes)


def abort_of(scope: dict[str, Any]) -> Callable[[], None] | None:
    """The abort of the connection a request came on; None when its server cannot close
    connections on purpose (not served with ``AbortableH11Protocol``)."""
    server, client = _address(scope.get("server")), _address(scope.get("client"))
    if server is None or client is None:
        return None
    return _OPEN.get((server, client))
