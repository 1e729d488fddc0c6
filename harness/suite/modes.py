"""How a run reaches an org: the four modes, and the guard that keeps orders off real orgs.

- ``local`` (default): the embedded sandbox on a free loopback port;
- ``replay``: cassettes only, the network blocked;
- ``record``: against ``--base-url`` (or the embedded sandbox), writing cassettes;
- ``live``: a real org from the environment (``ATLASSIAN_*``), no cassettes.

Orders cost real money on a real org: against anything but loopback, no order is sent
unless the run was started with ``--allow-orders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from harness._loopback import is_loopback


class Mode(StrEnum):
    LOCAL = "local"
    REPLAY = "replay"
    RECORD = "record"
    LIVE = "live"


class OrdersNotAllowed(RuntimeError):
    """An order was about to go to a host that is not loopback without ``--allow-orders``."""


@dataclass(frozen=True)
class RunSettings:
    """What ``--mode``, ``--base-url``, ``--allow-orders``, ``--profile``,
    ``--cassette-dir`` and ``--record-mode`` said (``record_mode``: vcrpy's record mode of
    the cassettes, ``harness.suite.record_mode``; None when none are used)."""

    mode: Mode = Mode.LOCAL
    base_url: str | None = None
    allow_orders: bool = False
    profile_path: str | None = None
    cassette_dir: Path = Path("cassettes")
    record_mode: str | None = None

    @property
    def uses_cassettes(self) -> bool:
        return self.mode in (Mode.REPLAY, Mode.RECORD)

    @property
    def embeds_sandbox(self) -> bool:
        """Local mode always, and record mode when no ``--base-url`` is given."""
        return self.mode is Mode.LOCAL or (self.mode is Mode.RECORD and not self.base_url)


def base_url_problem(url: str) -> str | None:
    """What is wrong with an API root URL, or None: an http(s) URL with a host, a valid
    port, no credentials (they would travel into logs and reports), no query or fragment."""
    import httpx

    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not one
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        return f"not a URL ({exc})"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "not a URL (it holds a space or a control character)"
    if parts.scheme not in ("http", "https"):
        return "not an http:// or https:// URL"
    if not parts.hostname:
        return "no host"
    if parts.username is not None or parts.password is not None:
        return "holds credentials: give them as ATLASSIAN_API_KEY, never in the URL"
    if parts.query or parts.fragment:
        return "an API root takes no query or fragment"
    return None


def check_order_allowed(settings: RunSettings, base_url: str) -> None:
    """Raise ``OrdersNotAllowed`` unless an order may be sent to ``base_url``.

    Replay sends nothing; loopback is always allowed; anything else needs
    ``--allow-orders``.
    """
    if settings.mode is Mode.REPLAY or is_loopback(base_url) or settings.allow_orders:
        return
    host = urlsplit(base_url).hostname
    raise OrdersNotAllowed(
        f"stopped before sending an order to {host}: orders on a real org create real "
        "subscriptions and cost money. Run with --allow-orders to place them anyway."
    )
