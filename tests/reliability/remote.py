"""A sandbox posing as a remote API: served on loopback, it records every request it gets.

``posing_remote()`` runs a sandbox org (the default profile) behind a recorder on a free
127.0.0.1 port; tests reach it as ``http://api.atlassian.test:PORT`` through the
``fake_dns`` plugin, so the harness believes it talks to a real host.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from harness.sandbox.app import create_app
from harness.serving import BackgroundServer

from .fake_dns import REMOTE_HOST


@dataclass
class Remote:
    port: int
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path)

    @property
    def base_url(self) -> str:
        return f"http://{REMOTE_HOST}:{self.port}"

    def orders_received(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.seen if "/orders" in p and m != "GET"]


class _Recorder:
    def __init__(self, app: ASGIApp, remote: Remote) -> None:
        self.app = app
        self.remote = remote

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.remote.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@contextmanager
def posing_remote() -> Iterator[Remote]:
    # Items succeed at once: a live run polls in real time.
    app = create_app(processing_delay_seconds=0)
    remote = Remote(0)
    try:
        with BackgroundServer(_Recorder(app, remote)) as server:
            remote.port = server.port
            yield remote
    finally:
        app.state.sandbox.close()
