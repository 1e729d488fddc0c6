"""A real sandbox server for tests: ``running_sandbox()`` runs uvicorn in a background thread
on a free loopback port.

    with running_sandbox() as sandbox:
        sandbox.advance(600)   # move the sandbox clock; never sleep
        sandbox.reset()        # the profile's initial state again
        sandbox.now()          # GET /_sandbox/clock (with the org API key, as it needs)

The pytest fixtures ``sandbox_server`` (one per session) and ``sandbox`` (reset for each
test) in ``tests/conftest.py`` are built on it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from ..contracts import Profile, load_profile
from .app import create_app
from .clock import RealTime
from .faults import DroppableH11Protocol
from .remote import RemoteSandbox

#: How long a server may take to start or stop before the test gives up.
_STARTUP_TIMEOUT = 15.0


class SandboxServer:
    """A running sandbox: ``base_url``, ``profile``, and the control endpoints as methods."""

    def __init__(
        self,
        profile: Profile | str | Path | None = None,
        db: str | Path | None = None,
        *,
        clock: RealTime | None = None,
        processing_delay_seconds: float | None = None,
        **settings: Any,
    ) -> None:
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.app = create_app(
            self.profile,
            db,
            clock,
            processing_delay_seconds=processing_delay_seconds,
            **settings,
        )
        self.sandbox = self.app.state.sandbox
        self.db_path: Path = self.sandbox.db_path
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
        # without it every keep-alive response waits ~40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.sandbox.announce(self.base_url)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            # No dictConfig: it would close every handler of the host process (pytest's
            # --log-file among them) and the test run's logs would be lost.
            log_config=None,
            lifespan="off",
            # h11, letting injected faults close a connection (harness.sandbox.faults).
            http=DroppableH11Protocol,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._control = RemoteSandbox(self.base_url, self.profile)
        self._stopped = False

    def __repr__(self) -> str:
        return f"SandboxServer({self.base_url}, org={self.profile.org_id!r})"

    def start(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        # Waiting for the server thread to start listening, not for sandbox state.
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox server on {self.base_url} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop the server, close the database (a temporary one is removed). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._control.stop()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STARTUP_TIMEOUT)
        self._socket.close()
        self.sandbox.close()

    # the control endpoints ----------------------------------------------------------------

    def reset(self) -> None:
        """Restore the profile's initial state and the clock (``POST /_sandbox/reset``)."""
        self._control.reset()

    def set_clock(self, epoch_seconds: float, *, frozen: bool = False) -> float:
        """Put the sandbox clock at ``epoch_seconds`` (``POST /_sandbox/clock/set``), frozen
        there until advanced or running on; returns the sandbox time."""
        return self._control.set_clock(epoch_seconds, frozen=frozen)

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the new sandbox time (epoch seconds)."""
        return self._control.advance(seconds)

    def now(self) -> float:
        """The sandbox time (``GET /_sandbox/clock``), epoch seconds."""
        return self._control.now()


@contextmanager
def running_sandbox(
    profile: Profile | str | Path | None = None,
    db: str | Path | None = None,
    **settings: Any,
) -> Iterator[SandboxServer]:
    """A sandbox server on a free loopback port for the duration of the block.

    ``profile``: a Profile or a profile file (default: the default profile). ``db``: a
    SQLite file that outlives the server (default: a temporary one). ``settings``:
    ``clock`` (real-time source, e.g. a frozen ``lambda: 1.7e9``),
    ``processing_delay_seconds``, ``provisioning_delay_seconds``, ``max_body_bytes``,
    ``max_json_depth``.
    """
    server = SandboxServer(profile, db, **settings).start()
    try:
        yield server
    finally:
        server.stop()
