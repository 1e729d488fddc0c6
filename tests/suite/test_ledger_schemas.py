"""What the assumption ledger reads of an answer that breaks a response schema citing an
assumption ("ASSUMED (ASM-050): ..."): GET order without a field the order-status sample
shows contradicts ASM-050, naming the pointer; a timestamp past the year 9999 ASM-032; a
provisioning status of another name ASM-004. The sandbox's own answers keep the schemas
and agree. An open value (``Assumption.takes_any``: ASM-064, ASM-012) is judged neither
way: a breach there counts against the next citation up, or nothing.

The loopback server answering otherwise is the one ``test_ledger_observations`` uses.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from harness.client import Client, OrderBuilder
from harness.suite import assumptions
from harness.suite.ledger_report import table
from tests.client.support import FaultServer, Reply
from tests.suite.test_ledger_observations import (
    ACCOUNT,
    ORDER_ID,
    PROFILE,
    REQUEST_ID,
    _exchanges,
    _offering,
    _order_read_back,
    _verdicts,
)


@pytest.fixture
def org() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


def _evidence(seen: list[Any], asm_id: str) -> list[assumptions.Evidence]:
    return [e for e in assumptions.observe("s", seen, PROFILE) if e.assumption == asm_id]


def _read_back(org: FaultServer, order: dict[str, Any]) -> list[Any]:
    org.then(Reply(200, order))
    return _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))


def test_the_sandbox_reads_an_order_back_as_the_sample_shows_it(sandbox: Any) -> None:
    def calls(client: Client) -> None:
        request = client.provision_products(
            [_offering("Jira Enterprise").id], "admin@example.com", "ledger", timezone="UTC"
        )
        body = OrderBuilder.for_profile(PROFILE, request, order_id=ORDER_ID).jira().build()
        client.place_order(body)
        sandbox.advance(60)
        client.get_order(ORDER_ID, ACCOUNT)
        client.provisioning_status(request)

    seen = _exchanges(sandbox.base_url, calls)
    assert [e.operation for e in seen][-2:] == ["orders.get", "provisioning.status"]
    assert [e.status for e in seen] == [200] * 4
    # Only the order read back is judged: the place-order answer's schema cites neither.
    assert _verdicts(seen, "ASM-050") == [assumptions.AGREES]
    assert _verdicts(seen, "ASM-032") == [assumptions.AGREES]
    ledger = assumptions.Ledger()
    ledger.add(assumptions.observe("s", seen, PROFILE))
    entries = {e["id"]: e for e in ledger.entries()}
    assert entries["ASM-050"]["verdict"] == assumptions.AGREED
    assert "orders.get" in entries["ASM-050"]["observed"]
    assert ledger.as_json({})["contradicted"] == []


def test_an_order_read_back_without_a_sample_field_contradicts_asm_050(org: FaultServer) -> None:
    order = _order_read_back()
    del order["slug"]
    seen = _read_back(org, order)
    found = _evidence(seen, "ASM-050")
    assert [e.verdict for e in found] == [assumptions.CONTRADICTS]
    assert [b["pointer"] for b in found[0].breaches] == ["/slug"]
    assert "missing required field 'slug'" in found[0].breaches[0]["message"]
    ledger = assumptions.Ledger()
    ledger.add(assumptions.observe("s", seen, PROFILE))
    data = ledger.as_json({"baseUrl": org.base_url})
    assert "ASM-050" in data["contradicted"]
    entry = next(e for e in data["assumptions"] if e["id"] == "ASM-050")
    assert entry["verdict"] == assumptions.CONTRADICTED
    assert entry["evidence"]["contradicted"]["breaches"][0]["pointer"] == "/slug"
    assert entry["evidence"]["contradicted"]["operation"] == "orders.get"
    assert "orders.get GET" in table(data) and "at /slug" in table(data)


def test_a_field_that_cites_its_own_assumption_is_judged_by_it(org: FaultServer) -> None:
    """A missing required field counts against its own node's citation: the entitlement's
    version ASM-050's, an item's reasonCode ASM-005's (whose observation, a status
    on every item, agrees with the same answer)."""
    order = _order_read_back()
    del order["items"][0]["processingInfo"]["entitlement"]["version"]
    del order["items"][1]["reasonCode"]
    seen = _read_back(org, order)
    assert [b["pointer"] for e in _evidence(seen, "ASM-050") for b in e.breaches] == [
        "/items/0/processingInfo/entitlement/version"
    ]
    found = _evidence(seen, "ASM-005")
    assert [e.verdict for e in found] == [assumptions.AGREES, assumptions.CONTRADICTS]
    assert [b["pointer"] for b in found[1].breaches] == ["/items/1/reasonCode"]


def test_a_timestamp_past_9999_contradicts_asm_032_only(org: FaultServer) -> None:
    order = _order_read_back()
    order["createdDate"] = 253402300800000  # 10000-01-01
    seen = _read_back(org, order)
    found = _evidence(seen, "ASM-032")
    assert [e.verdict for e in found] == [assumptions.CONTRADICTS]
    assert [b["pointer"] for b in found[0].breaches] == ["/createdDate"]
    # The answer broke the schema: it agrees with nothing the schema cites.
    assert _verdicts(seen, "ASM-050") == []


def test_a_provisioning_status_of_another_name_contradicts_asm_004(org: FaultServer) -> None:
    org.then(Reply(200, {"data": {"requestId": REQUEST_ID, "status": "DONE"}}))
    seen = _exchanges(org.base_url, lambda c: c.provisioning_status(REQUEST_ID))
    found = _evidence(seen, "ASM-004")
    assert [e.verdict for e in found] == [assumptions.CONTRADICTS]
    assert [b["pointer"] for b in found[0].breaches] == ["/data/status"]
    # Kept, it tells nothing: ASM-004's observation says what agrees (COMPLETED after
    # the order succeeded), not the schema.
    org.then(Reply(200, {"data": {"requestId": REQUEST_ID, "status": "IN_PROGRESS"}}))
    seen = _exchanges(org.base_url, lambda c: c.provisioning_status(REQUEST_ID))
    assert _verdicts(seen, "ASM-004") == []


def test_an_open_value_is_judged_neither_way(org: FaultServer) -> None:
    """ASM-064 (a relationship's type: any name) takes what an org answers: a type that is
    no name breaks the order's own citation, ASM-050; an entitlement's details without
    their fields break nothing ASM-012 (open beyond them) could be contradicted by."""
    order = _order_read_back()
    relationship = copy.deepcopy(order["items"][1]["relatesFromEntitlements"][0])
    order["items"][1]["relatesFromEntitlements"] = [{**relationship, "relationshipType": 5}]
    seen = _read_back(org, order)
    found = _evidence(seen, "ASM-050")
    assert [b["pointer"] for e in found for b in e.breaches] == [
        "/items/1/relatesFromEntitlements/0/relationshipType"
    ]
    org.then(Reply(200, {"entitlementId": REQUEST_ID}))
    seen += _exchanges(org.base_url, lambda c: c.entitlement_details(REQUEST_ID))
    judged = {e.assumption for e in assumptions.observe("s", seen, PROFILE)}
    assert not judged & {"ASM-012", "ASM-064"}
