"""The servers under load, each in a process of its own: ``python -m harness.bench.servers KIND``.

``KIND`` is ``sandbox`` (the sandbox org of the default profile, its clock frozen so that
nothing settles behind the measurement's back) or ``bare`` (the ceiling: a minimal
Starlette app with one JSON route). Both are served as every harness server is
(``harness.serving``: h11, no lifespan, no access log, ``TCP_NODELAY``), in the main
thread of their own process, so no client shares their GIL.

The process prints ``PORT <n>`` once it listens and serves until stdin closes.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.serving import listen, make_server

#: The sandbox's frozen time (the cookbook suite's: 2026-01-01T00:00:00Z).
FROZEN_EPOCH = 1_767_225_600.0
#: The ceiling's one route.
BARE_PATH = "/bare"


def bare_app() -> Starlette:
    """One JSON route, nothing else: what the server stack alone costs."""

    async def bare(request: Request) -> JSONResponse:
        return JSONResponse({"data": {"ok": True}})

    return Starlette(routes=[Route(BARE_PATH, bare)])


def sandbox_app() -> Starlette:
    from harness.sandbox import create_app

    return create_app(None, None, lambda: FROZEN_EPOCH)


def serve(kind: str) -> None:
    app: Any = bare_app() if kind == "bare" else sandbox_app()
    sock = listen()
    server = make_server(app)
    # The parent closes our stdin to stop us (or dies, which closes it too).
    threading.Thread(target=_stop_on_eof, args=(server,), daemon=True).start()
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        sandbox = getattr(app.state, "sandbox", None)
        if sandbox is not None:
            sandbox.close()


def _stop_on_eof(server: Any) -> None:
    sys.stdin.read()
    server.should_exit = True


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("sandbox", "bare"):
        sys.exit("usage: python -m harness.bench.servers sandbox|bare")
    serve(sys.argv[1])
