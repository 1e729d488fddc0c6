"""A sandbox server that runs elsewhere (``harness sandbox serve``, ``harness notebook``),
driven through its control endpoints like ``SandboxServer`` drives its own.

Every control call sends the org API key as a Bearer token and a JSON body, as a sandbox
that requires authentication on ``/_sandbox/*`` expects.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from harness._tls import tls_context
from harness.contracts import Profile


class RemoteSandbox:
    """``base_url``, ``profile``, and ``advance``/``now``/``reset`` of a running sandbox.

    ``stop`` only closes this handle: the server belongs to whoever started it.
    """

    def __init__(self, base_url: str, profile: Profile, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        token = profile.control_token  # the org API key, else the sandbox admin token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, verify=tls_context()
        )

    def __repr__(self) -> str:
        return f"RemoteSandbox({self.base_url}, org={self.profile.org_id!r})"

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the new sandbox time (epoch seconds)."""
        response = self._client.post("/_sandbox/clock/advance", json={"seconds": seconds})
        response.raise_for_status()
        return float(response.json()["epochSeconds"])

    def set_clock(self, epoch_seconds: float, *, frozen: bool = False) -> float:
        """Put the sandbox clock at ``epoch_seconds`` (``POST /_sandbox/clock/set``), frozen
        there until advanced or running on; returns the sandbox time."""
        response = self._client.post(
            "/_sandbox/clock/set", json={"epochSeconds": epoch_seconds, "frozen": frozen}
        )
        response.raise_for_status()
        return float(response.json()["epochSeconds"])

    def now(self) -> float:
        """The sandbox time, epoch seconds."""
        response = self._client.get("/_sandbox/clock")
        response.raise_for_status()
        return float(response.json()["epochSeconds"])

    def reset(self) -> None:
        """Restore the profile's initial state and the clock."""
        self._client.post("/_sandbox/reset", json={}).raise_for_status()

    def stop(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteSandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
