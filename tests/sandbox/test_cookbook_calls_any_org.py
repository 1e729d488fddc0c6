"""The cookbook's calls, as its text shows them, sent to a sandbox of another org.

``test_cookbook_samples`` sends every request sample to the default org, whose ids are
the cookbook's own. Here each journey of it runs again on an org that shares no value
with that one (``tests/other_org.py``): each of the cookbook's ids is swapped for the id
that plays its role in that org (the Confluence Enterprise offering, Jira's parent
entitlement, the site with Jira only and its family container...), found from the
profile by role, never by value. Every call must then be answered as on the default
org: the same status, the same error codes and errata, and answers that differ only in
that org's ids. One sandbox per org for the module; each journey starts from a reset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from harness.contracts import Profile, profile_from_data
from harness.sandbox.testing import SandboxServer, running_sandbox
from tests.other_org import other_org

from .cookbook_samples import Samples, Sent, compare
from .support import Api
from .test_cookbook_samples import JOURNEYS


def translation(cookbook: Profile, other: Profile) -> dict[str, str]:
    """Each id (and site name) of the cookbook's org -> the one playing its role in
    ``other``, found by role: offerings by product and edition, parents by product,
    accounts in turn, and every site with Jira only -> ``other``'s site with Jira only."""
    swaps: dict[str, str] = {}
    ours, theirs = cookbook.catalogue, other.catalogue
    for offering in ours.offerings.values():
        match = theirs.offerings_of(offering.product, offering.edition)
        if not match:
            continue
        swaps[offering.id] = match[0].id
        swaps.update(zip(offering.pricing_plans, match[0].pricing_plans, strict=False))
        if offering.app_key and match[0].app_key:
            swaps[offering.app_key] = match[0].app_key
    for product, parent in ours.parent_entitlements.items():
        swaps[parent] = theirs.parent_entitlements[product]
    their_accounts = list(theirs.transaction_accounts.items())
    for n, (account, groups) in enumerate(ours.transaction_accounts.items()):
        other_account, other_groups = their_accounts[n % len(their_accounts)]
        swaps[account] = other_account
        swaps[groups[0]] = other_groups[0]
    jira_only = next(s for s in theirs.sites if [p.product for p in s.products] == ["jira"])
    for site in ours.sites:
        if [p.product for p in site.products] != ["jira"]:
            continue
        (product,), (their_product,) = site.products, jira_only.products
        swaps[site.cloud_id] = jira_only.cloud_id
        swaps[site.family_container] = jira_only.family_container
        swaps[product.entitlement_id] = their_product.entitlement_id
        swaps[str(product.billing_anchor)] = str(their_product.billing_anchor)
    # The cookbook's site names: the existing site, and new sites named after it.
    for old, new in (('"acme"', f'"{jira_only.name}"'), ("acme-", f"{jira_only.name}-")):
        swaps[old] = new
    return swaps


class Translated(Samples):
    """Sends each sample with the cookbook's ids swapped for the other org's, before the
    ids of earlier steps are filled in."""

    swaps: Mapping[str, str] = {}

    def send(self, name: str, *, fills: Mapping[str, str] | None = None, **kw: Any) -> Sent:
        return super().send(name, fills={**self.swaps, **(fills or {})}, **kw)


@pytest.fixture(scope="module")
def other_server() -> Iterator[SandboxServer]:
    with running_sandbox(profile_from_data(other_org(), source="another org")) as server:
        yield server


def _run(server: SandboxServer, journey: str, samples_of: type[Samples]) -> dict[str, Sent]:
    server.reset()
    api = Api(server.base_url, server.profile)
    try:
        samples = samples_of(api)
        JOURNEYS[journey](samples)
        return samples.sent
    finally:
        api.close()


def _swapped(value: Any, swaps: Mapping[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in swaps.items():
        text = text.replace(old, new)
    return json.loads(text)


_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _made_up(value: Any, key: str = "") -> Any:
    """``value`` with what a sandbox makes of its clock and of the query (an ISO time, a
    page's opaque cursor) and a site's realm as placeholders: compared by presence."""
    if isinstance(value, dict):
        # A site's realm and regions are its org's data (initech is in the EU).
        return {
            k: f"<{k}>" if k in ("realm", "regions") else _made_up(v, k) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_made_up(v) for v in value]
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return "<time>"
    if key in ("self", "prev", "next") and isinstance(value, str) and "/" not in value:
        return "<cursor>"
    return value


def _refusal(sent: Sent) -> set[tuple[str, str | None]]:
    return {(e["code"], e.get("meta", {}).get("erratum")) for e in sent.json()["errors"]}


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_a_cookbook_journey_is_answered_on_another_org_as_on_the_cookbooks(
    sandbox_server: SandboxServer, other_server: SandboxServer, journey: str
) -> None:
    cookbook = _run(sandbox_server, journey, Samples)
    swaps = translation(sandbox_server.profile, other_server.profile)
    other = _run(other_server, journey, type("Swapped", (Translated,), {"swaps": swaps}))
    assert list(other) == list(cookbook)
    # What an answer says of its org and host, besides the ids of the cookbook's.
    here = {
        **swaps,
        sandbox_server.base_url: other_server.base_url,
        sandbox_server.profile.org_id: other_server.profile.org_id,
    }
    for key, sent in cookbook.items():
        there = other[key]
        assert there.status == sent.status, (key, there.response.text)
        if sent.status >= 400:  # refused alike: the same codes, naming the same errata
            assert _refusal(there) == _refusal(sent), (key, there.response.text)
            continue
        expected = _made_up(_swapped(sent.json(), here))
        found = compare(expected, _made_up(there.json()), org_id=other_server.profile.org_id)
        assert found == [], (key, found)
