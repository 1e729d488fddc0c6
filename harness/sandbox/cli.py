"""``harness sandbox serve`` and ``harness sandbox profile``.

Kept light at import time (``harness --help`` must not load the web stack).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .._usage import Seconds

if TYPE_CHECKING:
    from ..contracts import Profile


@click.group("sandbox")
def sandbox() -> None:
    """The local sandbox org: a server that behaves like the cookbook's API."""


_PROFILE_OPTION = click.option(
    "--profile",
    "profile_path",
    type=click.Path(dir_okay=False),
    help="Profile file of the org (default: the built-in sandbox profile).",
)


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="SQLite file for the org's state; it survives restarts (default: a temporary file).",
)
@_PROFILE_OPTION
@click.option(
    "--processing-seconds",
    "--processing-delay",  # its first name, kept working
    "processing_delay",
    # 0 is for load and crash runs (orders done when placed); a profile, which describes
    # a real org, says more than 0: the suite's tracking scenario expects PROCESSING first.
    type=Seconds(0, 3600),
    help="Seconds from an order to its items' SUCCESS (default: the profile's, else 3); "
    "0: done when placed, for load runs (the suite's tracking scenario then fails).",
)
@click.option(
    "--provisioning-seconds",
    "provisioning_delay",
    type=Seconds(0, 3600),
    help="Least seconds from a provisioning request to its COMPLETED (default: the "
    "profile's, else 0). With --processing-seconds, rehearse a real org's pace.",
)
@click.option(
    "--max-connections",
    default=256,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Open connections (and requests in progress) served at once; a request beyond "
    "is answered 503 UNAVAILABLE with Retry-After, its connection closed.",
)
def serve_command(
    host: str,
    port: int,
    db: str | None,
    profile_path: str | None,
    processing_delay: float | None,
    provisioning_delay: float | None,
    max_connections: int,
) -> None:
    """Serve the sandbox org until Ctrl-C or SIGTERM, printing its base URL.

    Point the cookbook's curl commands at the printed URL instead of
    https://api.atlassian.com, with the credentials of `harness sandbox profile`.
    Its clock is real time until moved: POST /_sandbox/clock/advance {"seconds": N},
    /_sandbox/clock/set {"epochSeconds": N, "frozen": true}.
    """
    from .._usage import UserError
    from .server import ServeError, serve

    if not host.strip():
        # The socket would listen on every interface, and the banner show http://:PORT.
        raise UserError(
            f"--host {host!r}: give an interface: 127.0.0.1 (this machine only, the default) or "
            "0.0.0.0 (every interface; the sandbox's credentials are public)"
        )
    try:
        serve(
            _profile(profile_path),
            host,
            port,
            db,
            processing_delay_seconds=processing_delay,
            provisioning_delay_seconds=provisioning_delay,
            max_connections=max_connections,
            echo=lambda line: click.echo(line),
        )
    except ServeError as exc:
        raise UserError(str(exc)) from None


@sandbox.command("profile")
@_PROFILE_OPTION
def profile_command(profile_path: str | None) -> None:
    """Print the sandbox org's profile as JSON: org id, credentials, catalogue ids."""
    click.echo(json.dumps(_profile(profile_path).public(), indent=2))


def _profile(path: str | None) -> Profile:
    from .._usage import UserError
    from ..contracts import ProfileError, load_profile

    try:
        return load_profile(path)
    except ProfileError as exc:
        raise UserError(str(exc)) from None
