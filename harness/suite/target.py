"""Where a run's scenarios send their requests, and with which profile.

- the embedded sandbox (local mode; record mode without ``--base-url``), served for the
  session on a free loopback port, its clock frozen at the suite's epoch;
- ``RECORDED_BASE_URL`` (replay: the cassettes answer, nothing is sent);
- ``--base-url``, else ``$ATLASSIAN_BASE_URL``, else the live API; in live mode the org
  and its key come from the environment, never from a file (``live_profile``).

``control(base_url, profile)`` is the sandbox control of a target that is a harness
sandbox (None for any other org); ``secrets`` lists what a cassette must never hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from harness._tls import tls_context_for
from harness.contracts import Profile
from harness.sandbox import SandboxControl

from .cassettes import RECORDED_BASE_URL
from .modes import Mode, RunSettings
from .run import FROZEN_EPOCH, LIVE_BASE_URL
from .transport import NetworkTransport, Resolver


class TargetError(RuntimeError):
    """The run's target cannot be used; the message says why."""


@dataclass(frozen=True)
class JourneyTarget:
    """Where the scenarios send requests, and the org's profile."""

    base_url: str
    profile: Profile
    embedded: Any = None  # the embedded SandboxServer, when there is one


def control(
    base_url: str, profile: Profile, resolve: Resolver | None = None
) -> SandboxControl | None:
    """A control of ``base_url`` when it is a harness sandbox that admits the profile's
    control token, else None (``resolve``: as the scenarios' transport resolves)."""
    transport = (
        NetworkTransport(verify=tls_context_for(base_url), resolve=resolve, markers=False)
        if resolve is not None
        else None
    )
    return SandboxControl.probe(base_url, profile, transport=transport)


def is_sandbox(base_url: str, profile: Profile, resolve: Resolver | None = None) -> bool:
    """Whether ``base_url`` is a harness sandbox (asked with ``GET /_sandbox/clock``)."""
    found = control(base_url, profile, resolve)
    if found is None:
        return False
    found.close()
    return True


def journey_targets(
    settings: RunSettings,
    profile: Profile,
    *,
    sandbox: Mapping[str, Any] | None = None,
    resolve: Resolver | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[JourneyTarget]:
    """Yields the run's one target, serving the embedded sandbox (``sandbox``: keywords of
    ``create_app``) until the generator is closed."""
    if settings.reset_sandbox and not is_sandbox(settings.base_url or "", profile, resolve):
        raise TargetError(
            f"--reset-sandbox: {settings.base_url} is not a harness sandbox (GET "
            "/_sandbox/clock did not answer 200 to the profile's API key)"
        )
    if settings.embeds_sandbox:
        from harness.sandbox import running_sandbox

        frozen: Callable[[], float] = lambda: FROZEN_EPOCH  # noqa: E731
        with running_sandbox(profile, clock=frozen, **(sandbox or {})) as server:
            yield JourneyTarget(server.base_url, profile, server)
        return
    if settings.mode is Mode.REPLAY:
        yield JourneyTarget(RECORDED_BASE_URL, profile)
        return
    env = os.environ if environ is None else environ
    base_url = settings.base_url or env.get("ATLASSIAN_BASE_URL", LIVE_BASE_URL)
    if settings.mode is Mode.LIVE:
        profile = live_profile(profile, env)
    yield JourneyTarget(base_url, profile)


def live_profile(profile: Profile, environ: Mapping[str, str] | None = None) -> Profile:
    """A live run's credentials and org come from the environment, never from a file."""
    env = os.environ if environ is None else environ
    return replace(profile, org_id=env["ATLASSIAN_ORG_ID"], api_key=env["ATLASSIAN_API_KEY"])


def secrets(profile: Profile, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every credential a run may send: none may reach a cassette."""
    env = os.environ if environ is None else environ
    found = list(profile.credentials())
    found += [env.get(name, "") for name in ("ATLASSIAN_API_KEY", "ATLASSIAN_SITE_ADMIN_TOKEN")]
    return [s for s in found if s]
