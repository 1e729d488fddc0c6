"""Test support of the client tests: fake time, a recording client, a loopback fault server.

- ``FakeTime``: a clock and a sleep that only count (``.sleeps`` lists every sleep); when
  given ``on_sleep`` (a sandbox's ``advance``), a sleep also moves the sandbox clock.
- ``FaultServer``: a tiny Starlette app on a free loopback port that answers from a
  script (429 with Retry-After, 5xx, dropped connections, stalls, a body dripped a byte at
  a time, truncated or non-JSON bodies) and records what it received.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from harness.client import Client, Exchange
from harness.contracts import Site, load_profile
from harness.serving import BackgroundServer


class FakeTime:
    """A monotonic clock that moves only when slept on (or ``advance``d)."""

    def __init__(self, on_sleep: Callable[[float], Any] | None = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds
        if self._on_sleep is not None and seconds > 0:
            self._on_sleep(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingClient(Client):
    """A client that keeps every exchange it makes."""

    recorded: list[Exchange]


# -- the fault server -----------------------------------------------------------------


@dataclass
class Reply:
    """Answer with this status, headers and body (``json`` is serialised; ``body`` is sent
    as is, so it can be truncated or not JSON at all)."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        if self.body is not None:
            return self.body
        return b"" if self.json is None else json.dumps(self.json).encode()


@dataclass
class Drop:
    """Send the status line and headers promising a body, then close the connection."""


@dataclass
class Stall:
    """Answer only after ``seconds`` (longer than the client's read timeout)."""

    seconds: float


@dataclass
class Drip:
    """Promise ``size`` bytes of body, then send one every ``every`` seconds: each read
    is well within the read timeout, the whole body is not."""

    size: int
    every: float


Action = Reply | Drop | Stall | Drip


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """Answers each request with the next scripted action (404 when the script is empty)
    and records what it received."""

    def __init__(self) -> None:
        self.script: deque[Action] = deque()
        self.received: list[Received] = []
        app = Starlette(routes=[Route("/{path:path}", _Asgi(self))])
        self._server = BackgroundServer(app, log_level="critical")
        self.base_url = self._server.base_url

    def start(self) -> FaultServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def then(self, *actions: Action) -> FaultServer:
        self.script.extend(actions)
        return self

    def reset(self) -> None:
        self.script.clear()
        self.received.clear()

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.received.append(
            Received(
                scope["method"],
                scope["raw_path"].decode("latin-1"),
                scope["query_string"].decode("latin-1"),
                {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                body,
            )
        )
        action: Action = self.script.popleft() if self.script else Reply(404, {"errors": []})
        if isinstance(action, Stall):
            await asyncio.sleep(action.seconds)
            action = Reply(200, {"late": True})
        if isinstance(action, Drip):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", str(action.size).encode())],
                }
            )
            for _ in range(action.size):
                await send({"type": "http.response.body", "body": b" ", "more_body": True})
                await asyncio.sleep(action.every)
            return
        if isinstance(action, Drop):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"500"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"data": ', "more_body": True})
            raise ConnectionAbortedError("the fault server drops this connection")
        content = action.content()
        headers = {"content-type": "application/json", **action.headers}
        headers["content-length"] = str(len(content))
        await send(
            {
                "type": "http.response.start",
                "status": action.status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": content})


class _Asgi:
    """The fault server as a raw ASGI endpoint (a Route treats a function as request/response)."""

    def __init__(self, server: FaultServer) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.server._endpoint(scope, receive, send)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def site(name: str) -> Site:
    """A site of the default profile (the sandbox's), which must have it."""
    found = load_profile().catalogue.site(name)
    assert found is not None, f"the default profile has no site {name!r}"
    return found


#: The default profile's org API key (the sandbox's).
SANDBOX_API_KEY: str = load_profile().api_key or ""
