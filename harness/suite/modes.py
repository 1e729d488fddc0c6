"""How a run reaches an org: the four modes, and what the run allows itself to send.

- ``local`` (default): the embedded sandbox on a free loopback port, reset before each
  scenario;
- ``replay``: cassettes only, the network blocked;
- ``record``: against ``--base-url`` (or the embedded sandbox), writing cassettes; an
  external sandbox is reset before each scenario only with ``--reset-sandbox``;
- ``live``: a real org from the environment (``ATLASSIAN_*``), no cassettes.

Against anything but loopback, provisioning needs ``--allow-provisioning`` and orders
``--allow-orders`` (``tiers``). Where the org is not reset before each scenario, names
and ids are fresh per run (``fresh``, ``naming``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from harness._loopback import is_loopback

__all__ = ["Mode", "RunSettings", "is_loopback"]


class Mode(StrEnum):
    LOCAL = "local"
    REPLAY = "replay"
    RECORD = "record"
    LIVE = "live"


@dataclass(frozen=True)
class RunSettings:
    """What the suite's command-line options said (``harness.pytest_plugin``)."""

    mode: Mode = Mode.LOCAL
    base_url: str | None = None
    allow_orders: bool = False
    profile_path: str | None = None
    cassette_dir: Path = Path("cassettes")
    allow_provisioning: bool = False
    #: Reset the external sandbox of ``--base-url`` before each scenario, its clock frozen.
    reset_sandbox: bool = False
    #: ``--site-prefix``; None: the profile's ``defaults.sitePrefix``.
    site_prefix: str | None = None
    #: The run id of a fresh run (names and ids); None in a deterministic run.
    run_id: str | None = None
    #: vcrpy's record mode of the cassettes (``harness.suite.record_mode``); None when
    #: none are used.
    record_mode: str | None = None
    #: Scenarios run at once (pytest-xdist with more than one worker).
    concurrent: bool = False

    @property
    def uses_cassettes(self) -> bool:
        return self.mode in (Mode.REPLAY, Mode.RECORD)

    @property
    def embeds_sandbox(self) -> bool:
        """Local mode always, and record mode when no ``--base-url`` is given."""
        return self.mode is Mode.LOCAL or (self.mode is Mode.RECORD and not self.base_url)

    @property
    def resets_org(self) -> bool:
        """Whether every scenario starts from the profile's state: the embedded sandbox,
        replay, or an external sandbox with ``--reset-sandbox``."""
        return self.embeds_sandbox or self.mode is Mode.REPLAY or self.reset_sandbox

    @property
    def shares_sandbox(self) -> bool:
        """Whether the sandbox's clock and faults are shared with scenarios running at the
        same time: an external sandbox that is not reset before each scenario, under
        ``-n``. A scenario then neither moves that clock nor registers faults on it: one
        worker's 601 s past a window, or its fault, would hit another's scenario."""
        return self.concurrent and not self.resets_org

    @property
    def fresh(self) -> bool:
        """Whether names and ids must be fresh per run (ASM-034): live mode, and record
        mode against a host that is not loopback or not reset before each scenario."""
        if self.mode is Mode.LIVE:
            return True
        if self.mode is Mode.RECORD and self.base_url:
            return not is_loopback(self.base_url) or not self.reset_sandbox
        return False


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
