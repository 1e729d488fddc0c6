"""``harness sandbox serve``: the sandbox org under uvicorn until Ctrl-C or SIGTERM."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness._command import harness_command
from harness.serving import base_url as url_of
from harness.serving import listen, make_server

from .._loopback import is_loopback_host
from .._signals import stop_signals
from ..contracts import Profile
from ..contracts.profile import DEFAULT_PROFILE
from .app import MAX_CONNECTIONS, busy, create_app


class ServeError(Exception):
    """Why the server cannot start (port taken, unusable database): one line for a person."""


def serve(
    profile: Profile,
    host: str = "127.0.0.1",
    port: int = 8080,
    db: str | Path | None = None,
    *,
    processing_delay_seconds: float | None = None,
    provisioning_delay_seconds: float | None = None,
    max_connections: int = MAX_CONNECTIONS,
    log_level: str = "info",
    echo: Callable[[str], Any] = print,
) -> None:
    """Serve the sandbox org of ``profile`` on ``host:port`` until interrupted.

    Prints the base URL once the socket listens. Ctrl-C and SIGTERM shut down gracefully
    (in-flight requests finish, the database is closed) and the function returns, so the
    process exits 0. ``port`` 0 picks a free port. Beyond ``max_connections`` open
    connections or requests in progress, a request is answered 503 (``app.busy``).
    """
    from .store import StoreError

    try:
        app = create_app(
            profile,
            db,
            processing_delay_seconds=processing_delay_seconds,
            provisioning_delay_seconds=provisioning_delay_seconds,
        )
    except StoreError as exc:
        raise ServeError(str(exc)) from None
    sandbox = app.state.sandbox
    try:
        sock = listen(host, port)
    except OSError as exc:
        sandbox.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    base_url = url_of(host, sock.getsockname()[1])
    sandbox.announce(base_url)
    server = make_server(
        app,
        log_level=log_level,
        access_log=True,
        own_process=True,
        max_connections=max_connections,
        busy=busy,
    )

    def stop() -> None:
        server.should_exit = True

    # Taken before uvicorn takes the signals over (a stop right after the banner still
    # shuts down cleanly), and kept after it re-raises the one that stopped it (exit 0,
    # not death by SIGTERM).
    with stop_signals(stop):
        for line in banner(profile, sandbox, base_url, temporary=db is None):
            echo(line)
        if not is_loopback_host(host):
            print(
                f"warning: {host} is not loopback; the sandbox's credentials are public",
                file=sys.stderr,
            )
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            sandbox.close()
    echo("Sandbox stopped.")


def banner(profile: Profile, sandbox: Any, base_url: str, *, temporary: bool) -> list[str]:
    """What ``harness sandbox serve`` says once it listens: where, its state, its
    credentials, its pace, its contracts."""
    return [
        f"Sandbox org {profile.org_id} listening on {base_url}",
        f"  state:       {sandbox.db_path}{' (temporary)' if temporary else ''}",
        f"  credentials: {harness_command('sandbox', 'profile', *_profile_option(profile))}",
        f"  pace:        items SUCCESS {sandbox.processing_delay:g} s after their order, "
        f"provisioning COMPLETED {sandbox.provisioning_delay:g} s after its request at the "
        "earliest",
        f"  contracts:   {base_url}/openapi.json",
        "Press Ctrl-C to stop.",
    ]


def _profile_option(profile: Profile) -> tuple[str, ...]:
    """``--profile FILE`` of a profile read from a file other than the default one, so that
    the printed command shows the served org's credentials, not the default org's."""
    source = Path(profile.source)
    if not source.is_file() or source.resolve() == DEFAULT_PROFILE:
        return ()
    return ("--profile", shlex.quote(str(source)))
