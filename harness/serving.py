"""An ASGI app under uvicorn: the one way the harness serves one (the sandbox, its tests'
fault server, the benchmark's servers, a sandbox posing as a remote API).

- ``listen(host, port)``: the listening socket (port 0: a free one), made with
  ``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY`` on accepted connections (without
  it every keep-alive response waits ~40 ms for a delayed ACK);
- ``make_server(app)``: uvicorn as every harness server runs: h11 with connections that
  can be closed on purpose (``harness._compat.uvicorn``), no lifespan, no access log, no
  logging ``dictConfig`` unless the server is the process (it would close the host
  process's handlers, pytest's among them), no proxy headers (the client address is the
  socket's), and requests still running ``GRACEFUL_SHUTDOWN_SECONDS`` after a stop cancelled;
- ``BackgroundServer`` / ``serving(app)``: an app on a free loopback port in a thread,
  started when the socket listens and stopped on leaving the block.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from harness._compat.uvicorn import AbortableH11Protocol, limited_protocol

#: How long a server may take to start or stop before we give up.
STARTUP_TIMEOUT = 15.0
#: How long a stopping server lets its requests finish: then it cancels them, so that a
#: client stalled mid-request (or a ``delay`` fault) cannot keep it from stopping for ever.
GRACEFUL_SHUTDOWN_SECONDS = 3


def listen(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: a free port); ``OSError`` when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int) -> str:
    """``http://host:port``, an IPv6 host in brackets."""
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(
    app: Any,
    *,
    log_level: str = "warning",
    access_log: bool = False,
    own_process: bool = False,
    max_connections: int | None = None,
    busy: Any = None,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` as the harness runs every one (module docstring).
    ``own_process``: the server is the process (``harness sandbox serve``), so uvicorn may
    set up logging its own way, access log and all. ``max_connections`` with ``busy``: a
    request that comes while more connections are open, or as many requests are in
    progress, is answered by the ASGI app ``busy`` (``_compat.uvicorn.limited_protocol``)."""
    logging: dict[str, Any] = {} if own_process else {"log_config": None}
    protocol = AbortableH11Protocol
    if max_connections is not None and busy is not None:
        protocol = limited_protocol(max_connections, busy)
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        **logging,
        lifespan="off",
        http=protocol,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return uvicorn.Server(config)


class BackgroundServer:
    """``app`` served on a free loopback port by a daemon thread: ``base_url``, ``port``."""

    def __init__(
        self,
        app: Any,
        *,
        log_level: str = "warning",
        max_connections: int | None = None,
        busy: Any = None,
    ) -> None:
        self._socket = listen()
        self.port: int = self._socket.getsockname()[1]
        self.base_url = base_url("127.0.0.1", self.port)
        self._server = make_server(
            app, log_level=log_level, max_connections=max_connections, busy=busy
        )
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"server-{self.port}",
            daemon=True,
        )
        self._stopped = False

    def start(self) -> BackgroundServer:
        """Start serving; return once the socket is served (``RuntimeError`` if not)."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:  # waiting for the listener, not for state
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server on {self.base_url} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving (in-flight requests finish) and close the socket. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STARTUP_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(app: Any, *, log_level: str = "warning") -> Iterator[BackgroundServer]:
    """``app`` on a free loopback port for the duration of the block."""
    with BackgroundServer(app, log_level=log_level) as server:
        yield server
