"""``SandboxControl``: the one client of a sandbox's control endpoints (``/_sandbox/*``),
whoever started the sandbox: ``SandboxServer`` for its own, the suite for the embedded
one or ``--base-url``'s, ``harness notebook``, the benchmark, a script against
``harness sandbox serve``.

Every call sends the profile's control token (the org API key, else the sandbox admin
token) as a Bearer token and a JSON body, as the sandbox's guard of ``/_sandbox/*``
expects. Only httpx is imported: a control is cheap to load.
"""

from __future__ import annotations

from typing import Any

import httpx

from harness._tls import tls_context_for
from harness.contracts import Profile


class SandboxControl:
    """``base_url``, ``profile``, and the clock, reset and faults of a running sandbox.

    ``close`` (or ``stop``, or leaving a ``with`` block) only closes this handle: the
    server belongs to whoever started it. ``transport``: an httpx transport for its
    requests (default: httpx's own).
    """

    def __init__(
        self,
        base_url: str,
        profile: Profile,
        timeout: float = 10.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        token = profile.control_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            verify=tls_context_for(self.base_url),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"SandboxControl({self.base_url}, org={self.profile.org_id!r})"

    @classmethod
    def probe(
        cls, base_url: str, profile: Profile, *, transport: httpx.BaseTransport | None = None
    ) -> SandboxControl | None:
        """A control of ``base_url`` if it is a harness sandbox that admits the profile's
        control token (``GET /_sandbox/clock`` answers 200), else None."""
        control = cls(base_url, profile, transport=transport)
        try:
            if control._http.get("/_sandbox/clock").status_code == 200:
                return control
        except httpx.HTTPError:
            pass
        control.close()
        return None

    # -- the clock ----------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox time (``GET /_sandbox/clock``), epoch seconds."""
        return self._epoch(self._http.get("/_sandbox/clock"))

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the new sandbox time (epoch seconds)."""
        return self._epoch(self._http.post("/_sandbox/clock/advance", json={"seconds": seconds}))

    def set_clock(self, epoch_seconds: float, *, frozen: bool = False) -> float:
        """Put the sandbox clock at ``epoch_seconds`` (``POST /_sandbox/clock/set``), frozen
        there until advanced or running on; returns the sandbox time."""
        body = {"epochSeconds": epoch_seconds, "frozen": frozen}
        return self._epoch(self._http.post("/_sandbox/clock/set", json=body))

    # -- state and faults ---------------------------------------------------------------

    def reset(self, frozen_at: float | None = None) -> None:
        """The profile's initial state again and the clock back to real time; with
        ``frozen_at``, the clock frozen at that instant first (so the state is seeded
        there and every answer repeats)."""
        body = {} if frozen_at is None else {"clock": {"epochSeconds": frozen_at, "frozen": True}}
        self._http.post("/_sandbox/reset", json=body).raise_for_status()

    def add_fault(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Register one fault (``POST /_sandbox/faults``, ``harness.sandbox.faults`` has
        the spec); returns it as the sandbox stored it."""
        response = self._http.post("/_sandbox/faults", json=spec)
        response.raise_for_status()
        return response.json()["data"]  # type: ignore[no-any-return]

    def clear_faults(self) -> None:
        self._http.request("DELETE", "/_sandbox/faults", json={}).raise_for_status()

    # -- the handle ---------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    stop = close

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _epoch(response: httpx.Response) -> float:
        response.raise_for_status()
        return float(response.json()["epochSeconds"])


#: Its first name, kept working for scripts and notebooks that use it.
RemoteSandbox = SandboxControl
