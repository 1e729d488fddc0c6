"""Side-effect tiers: what a scenario may send, and what a run allows it to send.

Every scenario carries exactly one tier tag, the most a request of it may do to the org
(``SideEffect`` of the contracts, from each operation's ``x-side-effect``):

- ``@read-only``: reads only (the workspaces query is a POST that reads, ASM-033); runs
  anywhere;
- ``@provisioning``: creates sites, product instances or app installations; against a
  host that is not loopback it needs ``--allow-provisioning``;
- ``@orders``: places orders, which cost money; it needs ``--allow-orders`` (which allows
  provisioning too).

Loopback hosts (the sandbox) and replay allow everything. ``check_allowed`` is asked
before a request leaves (``transport.SuiteTransport``): a request beyond what the run
allows, or beyond its scenario's tag, is refused before a byte is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from harness._loopback import is_loopback
from harness.contracts import SideEffect

from .modes import Mode, RunSettings

#: The tier tags of the features, by name.
TIER_TAGS: dict[str, SideEffect] = {effect.label: effect for effect in SideEffect}
#: The flag that allows each tier against a host that is not loopback.
FLAGS: dict[SideEffect, str] = {
    SideEffect.PROVISIONING: "--allow-provisioning",
    SideEffect.ORDERS: "--allow-orders",
}


class NotAllowed(RuntimeError):
    """A request was about to do more than the run or its scenario allows; nothing was sent."""


class ProvisioningNotAllowed(NotAllowed):
    """A provisioning request for a host that is not loopback, without
    ``--allow-provisioning``."""


class OrdersNotAllowed(NotAllowed):
    """An order for a host that is not loopback, without ``--allow-orders``."""


class BeyondScenarioTier(NotAllowed):
    """A request with more side effect than its scenario's tier tag declares."""


class TierTagError(ValueError):
    """A scenario with no tier tag, or more than one."""


def allowed(settings: RunSettings, base_url: str) -> SideEffect:
    """The most a request to ``base_url`` may do in this run."""
    if settings.mode is Mode.REPLAY or is_loopback(base_url) or settings.allow_orders:
        return SideEffect.ORDERS
    if settings.allow_provisioning:
        return SideEffect.PROVISIONING
    return SideEffect.READ_ONLY


def check_allowed(
    settings: RunSettings,
    url: str,
    effect: SideEffect,
    *,
    scenario_tier: SideEffect = SideEffect.ORDERS,
    what: str = "a request",
) -> None:
    """Raise ``NotAllowed`` (a subclass saying why) unless a request with ``effect`` may go
    to ``url``: the run must allow it, and so must the scenario's tier tag."""
    if effect > allowed(settings, url):
        host = urlsplit(url).hostname
        if effect is SideEffect.ORDERS:
            raise OrdersNotAllowed(
                f"stopped before sending an order to {host}: orders on a real org create real "
                "subscriptions and cost money. Run with --allow-orders to place them anyway."
            )
        raise ProvisioningNotAllowed(
            f"stopped before sending a provisioning request ({what}) to {host}: provisioning "
            "creates sites and apps on a real org. Run with --allow-provisioning to send it "
            "(--allow-orders allows it too)."
        )
    if effect > scenario_tier:
        raise BeyondScenarioTier(
            f"stopped before sending {what} ({effect.label}) from a scenario tagged "
            f"@{scenario_tier.label}: tag the scenario @{effect.label}, so that a run that does "
            f"not allow {effect.label} leaves it out"
        )


def tier_of(tags: Iterable[str], scenario: str) -> SideEffect:
    """The one tier among a scenario's tags; ``TierTagError`` naming the scenario when it
    has none or several."""
    found = sorted({TIER_TAGS[t] for t in tags if t in TIER_TAGS})
    if len(found) != 1:
        tags_text = ", ".join(f"@{effect.label}" for effect in SideEffect)
        problem = "no tier tag" if not found else "several tier tags"
        raise TierTagError(
            f"{scenario}: {problem}; tag every scenario with one of {tags_text} (the most "
            "its requests may do to an org)"
        )
    return found[0]


def why_left_out(tier: SideEffect, host: str | None) -> str:
    """The reason a run leaves out the scenarios of ``tier``."""
    what = {SideEffect.PROVISIONING: "provision", SideEffect.ORDERS: "place orders"}[tier]
    return f"they {what} (@{tier.label}) and {host} is not loopback: {FLAGS[tier]} sends them" + (
        " (it allows provisioning too)" if tier is SideEffect.ORDERS else ""
    )
