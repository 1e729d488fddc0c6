"""ASM-060: how a live run reads an org's refusal of an order that breaks a rule.

Rule ids (REL-nnn), error codes and the words of a refusal are the harness sandbox's own:
against an org the steps hold a refusal to its status and to pointing at the broken field,
and the assumption ledger records whether the org's refusal pointed there. A real sandbox
shows an org that agrees; the client tests' fault server (a loopback server answering from
a script) plays an org that refuses in its own words, or points elsewhere.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from features.steps.common import refusal_names_that_site, refusal_says
from features.steps.orders import order_refused_naming_rule, order_refused_with_code
from harness.client import ApiError, Client, Exchange, OrderBuilder, OrgApiKey, RetryPolicy
from harness.contracts import load_profile
from harness.suite import assumptions
from harness.suite.modes import Mode, RunSettings
from harness.suite.world import RealClock, World
from tests.client.support import FaultServer, Reply

PROFILE = load_profile()
#: Where the order of ``_jsm_without_container`` breaks REL-006.
BROKEN_AT = "/items/1/relatesFromEntitlements"


@pytest.fixture
def org() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


def _client(base_url: str, seen: list[Exchange]) -> Client:
    return Client(
        base_url,
        org_id=PROFILE.org_id,
        auth=OrgApiKey(PROFILE.api_key or ""),
        retry=RetryPolicy.never(),
        on_exchange=seen.append,
    )


def _jsm_without_container(client: Client) -> dict[str, Any]:
    """A new site's JSM Enterprise order whose JSM item relates to no family container
    (REL-006), placed on a provisioning request of its own."""
    jsm = next(o for o in PROFILE.catalogue.offerings.values() if o.name.startswith("Jira Service"))
    request = client.provision_products(
        [jsm.id], "admin@example.com", "refusal-check", timezone="Australia/Sydney"
    )
    body = OrderBuilder.for_profile(PROFILE, request).jsm().build()
    body["items"][1]["relatesFromEntitlements"] = [
        rel
        for rel in body["items"][1]["relatesFromEntitlements"]
        if rel["relationshipType"] != "FAMILY_CONTAINER"
    ]
    return body


def _place(client: Client, body: dict[str, Any]) -> Any:
    try:
        return client.place_order(body)
    except ApiError as refused:
        return refused


def _verdicts(seen: list[Exchange], asm_id: str = "ASM-060") -> list[str]:
    return [e.verdict for e in assumptions.observe("s", seen, PROFILE) if e.assumption == asm_id]


def _status_url(request_id: str) -> dict[str, Any]:
    return {
        "data": {
            "statusUrl": f"https://api.atlassian.test/admin/installations/v2/orgs/"
            f"{PROFILE.org_id}/products/status/{request_id}"
        }
    }


def _refusal(status: int, pointer: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": str(status), "code": "BAD_ORDER", "title": "No."}
    if pointer is not None:
        entry["source"] = {"pointer": pointer}
    return {"errors": [entry]}


REQUEST_ID = "0c8e2f3a-6b1d-4e5f-9a7b-2c3d4e5f6a7b"


def test_the_sandbox_refusing_at_the_broken_field_agrees(sandbox: Any) -> None:
    seen: list[Exchange] = []
    with _client(sandbox.base_url, seen) as client:
        refused = _place(client, _jsm_without_container(client))
    assert isinstance(refused, ApiError) and refused.status == 422
    assert _verdicts(seen) == [assumptions.AGREES]


@pytest.mark.parametrize(
    ("status", "pointer"),
    [(422, "/orderId"), (422, None), (400, BROKEN_AT), (422, "/items/1")],
    ids=["elsewhere", "nowhere", "400-not-422", "above-the-field"],
)
def test_an_org_refusing_elsewhere_or_otherwise_contradicts(
    org: FaultServer, status: int, pointer: str | None
) -> None:
    seen: list[Exchange] = []
    org.then(Reply(200, _status_url(REQUEST_ID)), Reply(status, _refusal(status, pointer)))
    with _client(org.base_url, seen) as client:
        refused = _place(client, _jsm_without_container(client))
    assert isinstance(refused, ApiError)
    assert _verdicts(seen) == [assumptions.CONTRADICTS]


def test_an_order_the_rules_accept_is_not_looked_at(org: FaultServer) -> None:
    """Neither a valid order refused, nor a REL-005 'unknown entitlement' the scenario
    learnt of from an earlier answer (a site made for the scenario), tells of ASM-060."""
    seen: list[Exchange] = []
    made = "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a"  # unknown to the profile
    org.then(
        Reply(200, _status_url(REQUEST_ID)),
        Reply(422, _refusal(422, "/orderId")),
        Reply(200, {"entitlementId": made}),
        Reply(200, _status_url(REQUEST_ID)),
        Reply(422, _refusal(422, "/orderId")),
    )
    with _client(org.base_url, seen) as client:
        jira = next(o for o in PROFILE.catalogue.offerings.values() if o.name == "Jira Enterprise")
        request = client.provision_products(
            [jira.id], "admin@example.com", "valid", timezone="Australia/Sydney"
        )
        _place(client, OrderBuilder.for_profile(PROFILE, request).jira().build())
        client.entitlement_details(made)
        request = client.provision_products(
            [jira.id], "admin@example.com", "made", timezone="Australia/Sydney"
        )
        body = OrderBuilder.for_profile(PROFILE, request).jira().build()
        body = copy.deepcopy(body)
        body["items"][1]["relatesFromEntitlements"][1]["entitlementId"] = made
        _place(client, body)
    assert len(seen) == 5
    assert _verdicts(seen) == []


# -- the steps against an org ---------------------------------------------------------


def _world(mode: Mode, outcome: Any) -> World:
    world = World(RunSettings(mode=mode), PROFILE, "http://org.invalid", RealClock(), "s")
    world.outcome = outcome
    world.site = PROFILE.catalogue.sites[0]
    return world


def _org_refusal(org: FaultServer, pointer: str) -> ApiError:
    org.then(Reply(200, _status_url(REQUEST_ID)), Reply(422, _refusal(422, pointer)))
    with _client(org.base_url, []) as client:
        refused = _place(client, _jsm_without_container(client))
    assert isinstance(refused, ApiError) and refused.rule_id is None
    return refused


def test_against_an_org_a_rule_step_checks_the_status_and_the_field(org: FaultServer) -> None:
    """An org names no REL-nnn: the step passes on a 422 at (or within) the broken field,
    and fails naming ASM-060 when the refusal points elsewhere."""
    live = _world(Mode.LIVE, _org_refusal(org, BROKEN_AT + "/0"))
    order_refused_naming_rule(live, 422, "REL-006", BROKEN_AT)
    order_refused_with_code(live, 422, "RULE_VIOLATION")
    elsewhere = _world(Mode.LIVE, _org_refusal(org, "/orderId"))
    with pytest.raises(AssertionError, match=r"points at \['/orderId'\].*ASM-060"):
        order_refused_naming_rule(elsewhere, 422, "REL-006", BROKEN_AT)
    with pytest.raises(AssertionError, match="expected 409"):
        order_refused_naming_rule(live, 409, "REL-006", BROKEN_AT)


def test_against_an_org_the_sandbox_words_are_not_asked_for(org: FaultServer) -> None:
    refused = _org_refusal(org, "/orderId")
    refusal_says(_world(Mode.LIVE, refused), "group")
    refusal_names_that_site(_world(Mode.LIVE, refused))


def test_against_the_sandbox_rule_ids_codes_and_words_are_still_asked_for(
    org: FaultServer,
) -> None:
    refused = _org_refusal(org, BROKEN_AT)
    for mode in (Mode.LOCAL, Mode.REPLAY):
        world = _world(mode, refused)
        with pytest.raises(AssertionError, match="REL-006"):
            order_refused_naming_rule(world, 422, "REL-006", BROKEN_AT)
        with pytest.raises(AssertionError):
            order_refused_with_code(world, 422, "RULE_VIOLATION")
        with pytest.raises(AssertionError, match="is not in"):
            refusal_says(world, "group")
        with pytest.raises(AssertionError, match="no site named"):
            refusal_names_that_site(world)
