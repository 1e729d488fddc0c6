"""A real sandbox server for tests: ``running_sandbox()`` serves it on a free loopback port
in a background thread (``harness.serving``).

    with running_sandbox() as sandbox:
        sandbox.advance(600)   # move the sandbox clock; never sleep
        sandbox.reset()        # the profile's initial state again
        sandbox.now()          # GET /_sandbox/clock (with the org API key, as it needs)

A ``SandboxServer`` is the ``SandboxControl`` of the server it runs. The pytest fixtures
``sandbox_server`` (one per session) and ``sandbox`` (reset for each test) in
``tests/conftest.py`` are built on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.serving import BackgroundServer

from ..contracts import Profile, load_profile
from .app import MAX_CONNECTIONS, busy, create_app
from .clock import RealTime
from .control import SandboxControl


class SandboxServer(SandboxControl):
    """A running sandbox: ``base_url``, ``port``, ``profile``, ``sandbox`` (the app's
    ``Sandbox``, its state) and the control endpoints as methods (``SandboxControl``).

    ``settings``: keywords of ``create_app`` (``processing_delay_seconds``, ``checks``,
    ``handlers``, ``control_routes``...). ``max_connections``: open connections and
    requests in progress served at once, a request beyond answered 503 (``busy``)."""

    def __init__(
        self,
        profile: Profile | str | Path | None = None,
        db: str | Path | None = None,
        *,
        clock: RealTime | None = None,
        max_connections: int = MAX_CONNECTIONS,
        **settings: Any,
    ) -> None:
        profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.app = create_app(profile, db, clock, **settings)
        self.sandbox = self.app.state.sandbox
        self.db_path: Path = self.sandbox.db_path
        self._server = BackgroundServer(self.app, max_connections=max_connections, busy=busy)
        self.port: int = self._server.port
        super().__init__(self._server.base_url, profile)
        self.sandbox.announce(self.base_url)
        self._stopped = False

    def __repr__(self) -> str:
        return f"SandboxServer({self.base_url}, org={self.profile.org_id!r})"

    def start(self) -> SandboxServer:
        try:
            self._server.start()
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"the sandbox server on {self.base_url} did not start") from None
        return self

    def stop(self) -> None:
        """Stop the server, close the database (a temporary one is removed). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        super().close()
        self._server.stop()
        self.sandbox.close()

    close = stop


@contextmanager
def running_sandbox(
    profile: Profile | str | Path | None = None,
    db: str | Path | None = None,
    **settings: Any,
) -> Iterator[SandboxServer]:
    """A sandbox server on a free loopback port for the duration of the block.

    ``profile``: a Profile or a profile file (default: the default profile). ``db``: a
    SQLite file that outlives the server (default: a temporary one). ``settings``:
    ``clock`` (real-time source, e.g. a frozen ``lambda: 1.7e9``), ``max_connections``
    (``SandboxServer``) and the keywords of
    ``create_app``: ``processing_delay_seconds``, ``provisioning_delay_seconds``,
    ``max_body_bytes``, ``max_json_depth``, ``body_timeout_seconds``, ``checks``,
    ``handlers``, ``control_routes``.
    """
    server = SandboxServer(profile, db, **settings).start()
    try:
        yield server
    finally:
        server.stop()
