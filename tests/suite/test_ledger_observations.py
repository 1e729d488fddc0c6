"""What the assumption ledger reads of an org's answers where the suite relies on an
assumption the cookbook does not state: the error envelope (ASM-001), a changed resend
(ASM-002), Retry-After (ASM-016), an unknown provisioning request (ASM-022), a missing
transaction-account header (ASM-061), an id the org does not have (ASM-062), a request
without credentials (ASM-063), and the rules that rest on an assumption (ASM-015,
ASM-017, ASM-019, ASM-044, ASM-045, ASM-047: an order they refuse, refused or accepted),
the lifecycle the journeys go through (a provisioning request IN_PROGRESS until its order,
COMPLETED after it: ASM-035, ASM-004; an entitlement's version, ASM-027; a FAILED item's
reasonCode, ASM-031), a workspace's fields (ASM-051) and the JSM product ARI (ASM-021).

A real sandbox answers each as the harness assumes (agreed); the client tests' fault
server, a loopback server answering from a script, plays an org that answers otherwise
(contradicted); an exchange the assumption is not about tells nothing of it.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.client import (
    Client,
    Exchange,
    HarnessClientError,
    OrderBuilder,
    OrgApiKey,
    RetryPolicy,
)
from harness.contracts import cookbook, load_profile, operations
from harness.suite import assumptions
from tests.client.support import FaultServer, Reply

PROFILE = load_profile()
ACCOUNT = next(iter(PROFILE.catalogue.transaction_accounts))
#: UUIDs no org has.
NOBODY = "00000000-0000-4000-8000-00000000a13e"
REQUEST_ID = "0c8e2f3a-6b1d-4e5f-9a7b-2c3d4e5f6a7b"
ORDER_ID = "1d9f3a4b-7c2e-4f60-8b8c-3d4e5f6a7b8c"


class _NoCredentials(OrgApiKey):
    """Sends no Authorization header (as the suite's 'I send no credentials')."""

    def __init__(self) -> None:
        super().__init__("none")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield request


@pytest.fixture
def org() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


def _exchanges(base_url: str, calls: Callable[[Client], Any], auth: Any = None) -> list[Exchange]:
    """Every exchange ``calls`` makes with a client of ``base_url``; refusals are kept."""
    seen: list[Exchange] = []
    with (
        Client(
            base_url,
            org_id=PROFILE.org_id,
            auth=auth or OrgApiKey(PROFILE.api_key or ""),
            retry=RetryPolicy.never(),
            on_exchange=seen.append,
        ) as client,
        contextlib.suppress(HarnessClientError),
    ):
        calls(client)
    return seen


def _verdicts(seen: list[Exchange], asm_id: str) -> list[str]:
    return [e.verdict for e in assumptions.observe("s", seen, PROFILE) if e.assumption == asm_id]


def _accepted(request_id: str = REQUEST_ID) -> Reply:
    url = (
        f"https://api.atlassian.test/admin/installations/v2/orgs/{PROFILE.org_id}/products/"
        f"status/{request_id}"
    )
    return Reply(200, {"data": {"statusUrl": url}})


def _envelope(status: int) -> Reply:
    return Reply(status, {"errors": [{"status": str(status), "code": "NO", "title": "No."}]})


def _offering(name: str) -> Any:
    return next(o for o in PROFILE.catalogue.offerings.values() if o.name == name)


def _jira_order(client: Client, request_id: str | None = None) -> dict[str, Any]:
    request = client.provision_products(
        [_offering("Jira Enterprise").id], "admin@example.com", "ledger", timezone="UTC"
    )
    body = OrderBuilder.for_profile(PROFILE, request, order_id=ORDER_ID).jira().build()
    if request_id is not None:
        body["metadata"]["provisionRequestId"] = request_id
    client.place_order(body)
    return body


def _placed(order_id: str = ORDER_ID) -> Reply:
    """An order accepted, as a place-order answer has it."""
    return Reply(
        200,
        {
            "orderId": order_id,
            "slug": "R-1",
            "items": [],
            "transactionAccountId": ACCOUNT,
            "invoiceGroupId": PROFILE.catalogue.transaction_accounts[ACCOUNT][0],
            "additionalTriggeredOrders": None,
            "metadata": None,
        },
    )


# -- ASM-001: the error envelope ------------------------------------------------------


def test_asm_001_the_sandbox_answers_errors_in_the_envelope(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, lambda c: c.entitlement_details(NOBODY))
    assert [e.status for e in seen] == [404]
    assert _verdicts(seen, "ASM-001") == [assumptions.AGREES]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, body=b"Not Found", headers={"content-type": "text/plain"}),
        Reply(502, {"message": "bad gateway"}),
        Reply(403, {"errors": []}),
    ],
    ids=["text", "another-shape", "no-error"],
)
def test_asm_001_an_error_in_another_shape_contradicts(org: FaultServer, reply: Reply) -> None:
    org.then(reply)
    seen = _exchanges(org.base_url, lambda c: c.entitlement_details(NOBODY))
    assert _verdicts(seen, "ASM-001") == [assumptions.CONTRADICTS]


def test_asm_001_a_success_tells_nothing(org: FaultServer) -> None:
    org.then(Reply(200, {"entitlementId": NOBODY}))
    seen = _exchanges(org.base_url, lambda c: c.entitlement_details(NOBODY))
    assert _verdicts(seen, "ASM-001") == []


# -- ASM-022: an order naming a provisioning request the org does not have ------------


def test_asm_022_the_sandbox_refuses_an_unknown_request_with_422(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, lambda c: _jira_order(c, NOBODY))
    assert [e.status for e in seen] == [200, 422]
    assert _verdicts(seen, "ASM-022") == [assumptions.AGREES]


def test_asm_022_an_org_answering_404_contradicts(org: FaultServer) -> None:
    org.then(_accepted(), _envelope(404))
    seen = _exchanges(org.base_url, lambda c: _jira_order(c, NOBODY))
    assert _verdicts(seen, "ASM-022") == [assumptions.CONTRADICTS]


def test_asm_022_an_order_for_the_scenarios_own_request_tells_nothing(org: FaultServer) -> None:
    org.then(_accepted(), _envelope(404))
    seen = _exchanges(org.base_url, _jira_order)
    assert [e.status for e in seen] == [200, 404]
    assert _verdicts(seen, "ASM-022") == []


# -- ASM-061: an order asked for without its transaction account ----------------------


def test_asm_061_the_sandbox_refuses_an_empty_account_header_with_400(sandbox: Any) -> None:
    def calls(client: Client) -> None:
        _jira_order(client)
        client.get_order(ORDER_ID, "")

    seen = _exchanges(sandbox.base_url, calls)
    assert [e.status for e in seen] == [200, 200, 400]
    assert _verdicts(seen, "ASM-061") == [assumptions.AGREES]


def test_asm_061_an_org_answering_404_contradicts(org: FaultServer) -> None:
    org.then(_envelope(404), _envelope(404))
    seen = _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ""))
    seen += _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))
    assert _verdicts(seen, "ASM-061") == [assumptions.CONTRADICTS]  # the first only


# -- ASM-062: an id the org does not have ---------------------------------------------


def test_asm_062_the_sandbox_answers_404_for_each_kind_of_id(sandbox: Any) -> None:
    def calls(client: Client) -> None:
        for call in (
            lambda: client.entitlement_details(NOBODY),
            lambda: client.get_order(NOBODY[:-1] + "f", ACCOUNT),
            lambda: client.provisioning_status(NOBODY[:-1] + "d"),
        ):
            with contextlib.suppress(HarnessClientError):
                call()

    seen = _exchanges(sandbox.base_url, calls)
    assert [e.status for e in seen] == [404, 404, 404]
    assert _verdicts(seen, "ASM-062") == [assumptions.AGREES] * 3


def test_asm_062_an_org_answering_403_contradicts_and_known_ids_tell_nothing(
    org: FaultServer,
) -> None:
    known = next(iter(PROFILE.catalogue.sites)).products[0].entitlement_id
    org.then(_envelope(403), _envelope(403), _accepted(), _envelope(403))
    seen = _exchanges(org.base_url, lambda c: c.entitlement_details(NOBODY))
    seen += _exchanges(org.base_url, lambda c: c.entitlement_details(known))
    # A provisioning request the scenario made is no unknown id, whatever the answer.
    seen += _exchanges(
        org.base_url,
        lambda c: c.provisioning_status(
            c.provision_products(["x"], "admin@example.com", "ledger", timezone="UTC")
        ),
    )
    assert [e.status for e in seen] == [403, 403, 200, 403]
    assert _observed(seen, "ASM-062") == [("entitlements.details", assumptions.CONTRADICTS)]


def _observed(seen: list[Exchange], asm_id: str) -> list[tuple[str, str]]:
    """Each verdict of ``asm_id`` with the operation of its exchange."""
    return [
        (e.exchange["operation"], e.verdict)
        for e in assumptions.observe("s", seen, PROFILE)
        if e.assumption == asm_id
    ]


# -- ASM-063: no credentials ----------------------------------------------------------


def test_asm_063_the_sandbox_answers_a_request_without_credentials_401(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, lambda c: c.query_workspaces("acme"), auth=_NoCredentials())
    assert [e.status for e in seen] == [401]
    assert _verdicts(seen, "ASM-063") == [assumptions.AGREES]


def test_asm_063_an_org_answering_403_contradicts(org: FaultServer) -> None:
    org.then(_envelope(403), _envelope(403))
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces("acme"), auth=_NoCredentials())
    assert _verdicts(seen, "ASM-063") == [assumptions.CONTRADICTS]
    # The org's key: a 403 then is ASM-025's or ASM-040's business, not this one's.
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces("acme"))
    assert _verdicts(seen, "ASM-063") == []


# -- ASM-002: the same orderId with another body --------------------------------------


def _twice(client: Client, *, change: bool) -> None:
    body = _jira_order(client)
    if change:
        body["items"][1]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
            "quantity"
        ] *= 2
    client.place_order(body)


def test_asm_002_the_sandbox_refuses_a_changed_resend_with_409(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, lambda c: _twice(c, change=True))
    assert [e.status for e in seen] == [200, 200, 409]
    assert _verdicts(seen, "ASM-002") == [assumptions.AGREES]


def test_asm_002_an_org_taking_a_changed_resend_contradicts(org: FaultServer) -> None:
    org.then(_accepted(), _placed(), _placed())
    seen = _exchanges(org.base_url, lambda c: _twice(c, change=True))
    assert _verdicts(seen, "ASM-002") == [assumptions.CONTRADICTS]
    org.then(_accepted(), _placed(), _placed())
    seen = _exchanges(org.base_url, lambda c: _twice(c, change=False))
    assert _verdicts(seen, "ASM-002") == []  # the same body again is REL-003's resend


# -- ASM-016: Retry-After -------------------------------------------------------------


def test_asm_016_the_sandbox_throttles_with_whole_seconds(sandbox: Any) -> None:
    sandbox.add_fault({"operation": "workspaces.query", "fault": "429", "retryAfter": 2})
    seen = _exchanges(sandbox.base_url, lambda c: c.query_workspaces("acme"))
    assert [e.status for e in seen] == [429]
    assert _verdicts(seen, "ASM-016") == [assumptions.AGREES]


def test_asm_016_a_date_contradicts_and_no_header_tells_nothing(org: FaultServer) -> None:
    org.then(
        Reply(429, _envelope(429).json, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
        _envelope(503),
    )
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces("acme"))
    seen += _exchanges(org.base_url, lambda c: c.query_workspaces("acme"))
    assert [e.status for e in seen] == [429, 503]
    assert _verdicts(seen, "ASM-016") == [assumptions.CONTRADICTS]


# -- the rules that rest on an assumption ---------------------------------------------


def _premium_with_plan(plan: str, *, and_a_promotion: bool = False) -> Callable[[Client], Any]:
    """A Jira Premium order naming ``plan`` (REL-017 when it is another offering's)."""

    def calls(client: Client) -> None:
        premium = _offering("Jira Premium (Open Source)")
        request = client.provision_products(
            [premium.id], "admin@example.com", "ledger", timezone="UTC"
        )
        builder = OrderBuilder.for_profile(PROFILE, request, order_id=ORDER_ID)
        body = builder.jira_premium(ends_at=4102444800000).build()
        body["items"][1]["optedUsageOptions"]["chargingDetails"]["pricingPlanId"] = plan
        if and_a_promotion:  # REL-021 as well
            body["items"][1]["promotions"] = [{"promotionDefinition": {"promotionCode": "P"}}]
        client.place_order(body)

    return calls


APP_PLAN = _offering("Cookbook sample app").pricing_plans[0]


def test_a_rule_that_rests_on_an_assumption_refused_by_the_sandbox_agrees(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, _premium_with_plan(APP_PLAN))
    assert [e.status for e in seen] == [200, 422]
    assert _verdicts(seen, "ASM-019") == [assumptions.AGREES]


def test_an_org_accepting_what_such_a_rule_refuses_contradicts(org: FaultServer) -> None:
    """Only an order broken for that rule alone tells of its assumption: one that breaks
    REL-021 too tells of neither."""
    org.then(_accepted(), _placed())
    seen = _exchanges(org.base_url, _premium_with_plan(APP_PLAN))
    assert _verdicts(seen, "ASM-019") == [assumptions.CONTRADICTS]
    org.then(_accepted(), _placed())
    seen = _exchanges(org.base_url, _premium_with_plan(APP_PLAN, and_a_promotion=True))
    assert _verdicts(seen, "ASM-019") == _verdicts(seen, "ASM-045") == []
    premium_plan = _offering("Jira Premium (Open Source)").pricing_plans[0]
    org.then(_accepted(), _placed())
    seen = _exchanges(org.base_url, _premium_with_plan(premium_plan))
    assert _verdicts(seen, "ASM-019") == []  # a valid order


def test_every_observation_names_operations_and_a_selector_there_are() -> None:
    """A misspelt selector or rule would fail only at the end of a live run."""
    known = {op.id for op in operations()}
    for item in cookbook.observed_assumptions():
        assert item.observation is not None
        assert set(item.observation.operations) <= known, item.id
        assert assumptions.selector(item.observation.sent), item.id
        assert item.section is None or item.section in cookbook.SECTIONS, item.id
    with pytest.raises(KeyError, match="REL-999"):
        assumptions.selector("breaks:REL-999")


# -- ASM-065: workspace type names ----------------------------------------------------


def test_asm_065_the_sandbox_names_each_products_workspaces(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, lambda c: c.query_workspaces())
    types = {w["type"] for w in seen[0].response_json["data"]}
    assert {"Jira Software", "Jira Service Management"} <= types
    assert set(_verdicts(seen, "ASM-065")) == {assumptions.AGREES}


def test_asm_065_another_name_contradicts_and_another_product_tells_nothing(
    org: FaultServer,
) -> None:
    def workspace(ari: str, kind: str) -> dict[str, Any]:
        return {"id": ari, "type": kind, "attributes": {"name": "acme"}}

    cloud = "4745a76c-290c-49d4-aa23-04d5ccb3c52d"
    org.then(
        Reply(
            200,
            {
                "data": [
                    workspace(f"ari:cloud:jira-software::site/{cloud}", "Jira Software"),
                    workspace(f"ari:cloud:jira-servicedesk::site/{cloud}", "Jira Service Desk"),
                    workspace(f"ari:cloud:jira-work-management::site/{cloud}", "Jira Work"),
                ],
                "links": {"next": None},
            },
        )
    )
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces("acme"))
    assert sorted(_verdicts(seen, "ASM-065")) == [assumptions.AGREES, assumptions.CONTRADICTS]


# -- ASM-005: an item read back has a processing status -------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"


def test_asm_005_the_sandbox_reads_every_item_back_with_its_status(sandbox: Any) -> None:
    def calls(client: Client) -> None:
        body = _jira_order(client)
        client.get_order(body["orderId"], body["transactionAccountId"])

    seen = _exchanges(sandbox.base_url, calls)
    assert [e.status for e in seen] == [200, 200, 200]
    assert _verdicts(seen, "ASM-005") == [assumptions.AGREES]


def test_asm_005_an_item_not_yet_processing_contradicts(org: FaultServer) -> None:
    order = json.loads((FIXTURES / "order.response.json").read_text())
    org.then(Reply(200, order))
    order = copy.deepcopy(order)
    order["items"][1]["processingInfo"] = None
    org.then(Reply(200, order))
    seen = _exchanges(org.base_url, lambda c: c.get_order(order["orderId"], ACCOUNT))
    seen += _exchanges(org.base_url, lambda c: c.get_order(order["orderId"], ACCOUNT))
    assert _verdicts(seen, "ASM-005") == [assumptions.AGREES, assumptions.CONTRADICTS]


# -- ASM-010: the next page by the body's cursor --------------------------------------


def test_asm_010_the_sandbox_takes_the_cursor_in_the_body(sandbox: Any) -> None:
    def calls(client: Client) -> None:
        first = client.query_workspaces(limit=1)
        assert first.next_cursor
        client.query_workspaces(cursor=first.next_cursor)

    seen = _exchanges(sandbox.base_url, calls)
    assert [e.status for e in seen] == [200, 200]
    assert _verdicts(seen, "ASM-010") == [assumptions.AGREES]


def test_asm_010_an_org_refusing_the_body_cursor_contradicts(org: FaultServer) -> None:
    org.then(_envelope(400))
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces(cursor="eyJwYWdlIjoyfQ=="))
    seen += _exchanges(org.base_url, lambda c: c.query_workspaces("acme"))  # no cursor
    assert _verdicts(seen, "ASM-010") == [assumptions.CONTRADICTS]


# -- the lifecycle: ASM-004, ASM-027, ASM-031, ASM-035 --------------------------------


def _status(state: str, request_id: str = REQUEST_ID) -> Reply:
    data = {"requestId": request_id, "status": state}
    if state == "FAILED":
        data["reason"] = "No."
    return Reply(200, {"data": data})


def _order_read_back() -> dict[str, Any]:
    """The cookbook's order-status sample as the order ``ORDER_ID`` (every item SUCCESS)."""
    order = json.loads((FIXTURES / "order.response.json").read_text())
    order["orderId"] = ORDER_ID
    return order


def _lifecycle(sandbox: Any = None) -> Callable[[Client], Any]:
    """Provision, read the status, order, read the order back, read the status again."""

    def calls(client: Client) -> None:
        request = client.provision_products(
            [_offering("Jira Enterprise").id], "admin@example.com", "ledger", timezone="UTC"
        )
        client.provisioning_status(request)
        body = OrderBuilder.for_profile(PROFILE, request, order_id=ORDER_ID).jira().build()
        client.place_order(body)
        if sandbox is not None:
            sandbox.advance(60)
        client.get_order(ORDER_ID, ACCOUNT)
        client.provisioning_status(request)

    return calls


def test_the_sandbox_agrees_with_the_lifecycle_assumptions(sandbox: Any) -> None:
    seen = _exchanges(sandbox.base_url, _lifecycle(sandbox))
    assert [e.status for e in seen] == [200, 200, 200, 200, 200]
    assert seen[1].response_json["data"]["status"] == "IN_PROGRESS"
    assert seen[-1].response_json["data"]["status"] == "COMPLETED"
    assert _observed(seen, "ASM-035") == [("provisioning.status", assumptions.AGREES)]
    assert _observed(seen, "ASM-004") == [("provisioning.status", assumptions.AGREES)]
    # The family container's entitlement is version 1, the Jira instance's 2.
    versions = [
        i["processingInfo"]["entitlement"]["version"] for i in seen[3].response_json["items"]
    ]
    assert sorted(versions) == ["1", "2"]
    assert _verdicts(seen, "ASM-027") == [assumptions.AGREES] * 2


def test_a_request_completed_before_its_order_contradicts_asm_035(org: FaultServer) -> None:
    org.then(_accepted(), _status("COMPLETED"), _placed(), Reply(200, _order_read_back()))
    org.then(_status("COMPLETED"))
    seen = _exchanges(org.base_url, _lifecycle())
    assert [e.status for e in seen] == [200] * 5
    assert _observed(seen, "ASM-035") == [("provisioning.status", assumptions.CONTRADICTS)]
    assert _observed(seen, "ASM-004") == [("provisioning.status", assumptions.AGREES)]


def test_a_request_failed_after_its_order_succeeded_contradicts_asm_004(org: FaultServer) -> None:
    org.then(_accepted(), _status("IN_PROGRESS"), _placed(), Reply(200, _order_read_back()))
    org.then(_status("FAILED"))
    seen = _exchanges(org.base_url, _lifecycle())
    assert _observed(seen, "ASM-004") == [("provisioning.status", assumptions.CONTRADICTS)]
    # Still in progress after the order: provisioning may take longer (ASM-035), nothing.
    org.then(_accepted(), _status("IN_PROGRESS"), _placed(), Reply(200, _order_read_back()))
    org.then(_status("IN_PROGRESS"))
    seen = _exchanges(org.base_url, _lifecycle())
    assert _observed(seen, "ASM-004") == []
    assert _observed(seen, "ASM-035") == [("provisioning.status", assumptions.AGREES)]


def test_an_order_not_all_succeeded_tells_nothing_of_asm_004(org: FaultServer) -> None:
    order = _order_read_back()
    order["items"][1]["processingInfo"]["status"] = "PROCESSING"
    order["items"][1]["processingInfo"]["entitlement"] = None
    org.then(_accepted(), _status("IN_PROGRESS"), _placed(), Reply(200, order))
    org.then(_status("FAILED"))
    seen = _exchanges(org.base_url, _lifecycle())
    assert _observed(seen, "ASM-004") == []


def test_the_cookbook_sample_agrees_and_another_version_contradicts_asm_027(
    org: FaultServer,
) -> None:
    order = _order_read_back()
    org.then(Reply(200, order))
    changed = copy.deepcopy(order)
    changed["items"][0]["processingInfo"]["entitlement"]["version"] = "3"  # the container
    org.then(Reply(200, changed))
    seen = _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))
    seen += _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))
    assert _verdicts(seen, "ASM-027") == [
        assumptions.AGREES,
        assumptions.AGREES,
        assumptions.CONTRADICTS,  # the family container's version 3
        assumptions.AGREES,
    ]


def test_asm_031_the_sandbox_fails_an_item_with_its_reason(sandbox: Any) -> None:
    sandbox.add_fault({"operation": "orders.process", "fault": "fail-item"})

    def calls(client: Client) -> None:
        _jira_order(client)
        sandbox.advance(60)
        client.get_order(ORDER_ID, ACCOUNT)

    seen = _exchanges(sandbox.base_url, calls)
    statuses = [i["processingInfo"]["status"] for i in seen[-1].response_json["items"]]
    assert statuses.count("FAILED") == 1
    assert _verdicts(seen, "ASM-031") == [assumptions.AGREES]


def test_asm_031_a_failed_item_without_a_reason_contradicts(org: FaultServer) -> None:
    order = _order_read_back()
    order["items"][1]["processingInfo"] = {"status": "FAILED", "entitlement": None}
    order["items"][1]["reasonCode"] = None
    org.then(Reply(200, order))
    seen = _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))
    assert _verdicts(seen, "ASM-031") == [assumptions.CONTRADICTS]
    org.then(Reply(200, _order_read_back()))  # no item failed: nothing
    seen = _exchanges(org.base_url, lambda c: c.get_order(ORDER_ID, ACCOUNT))
    assert _verdicts(seen, "ASM-031") == []


# -- a workspace's fields (ASM-051) and the JSM product ARI (ASM-021) ------------------

HOOLI = PROFILE.catalogue.site("hooli")


def test_the_sandbox_answers_a_workspaces_fields_and_the_jsm_ari(sandbox: Any) -> None:
    assert HOOLI is not None and {p.product for p in HOOLI.products} >= {"jsm"}
    seen = _exchanges(sandbox.base_url, lambda c: c.query_workspaces("hooli"))
    assert len(seen[0].response_json["data"]) == len(HOOLI.products)
    assert _verdicts(seen, "ASM-051") == [assumptions.AGREES] * len(HOOLI.products)
    assert _verdicts(seen, "ASM-021") == [assumptions.AGREES]


def test_a_workspace_without_its_fields_or_another_jsm_ari_contradicts(org: FaultServer) -> None:
    assert HOOLI is not None

    def workspace(product: str, part: str, **attributes: Any) -> dict[str, Any]:
        ent = next(p.entitlement_id for p in HOOLI.products if p.product == product)
        fields = {"usage": 0, "capacity": 0, "createdAt": "2026-01-01T00:00:00Z"}
        fields |= {"createdBy": PROFILE.org_id, "updatedAt": "2026-01-01T00:00:00Z"}
        return {
            "id": f"ari:cloud:{part}::site/{HOOLI.cloud_id}",
            "type": "Jira Software" if product == "jira" else "Jira Service Management",
            "attributes": {"name": "hooli", **fields, **attributes},
            "relationships": {"entitlement": [{"id": ent}]},
        }

    org.then(
        Reply(
            200,
            {
                "data": [
                    workspace("jira", "jira-software", createdAt=None),
                    workspace("jsm", "jira-service-management"),
                ],
                "links": {"next": None},
            },
        )
    )
    seen = _exchanges(org.base_url, lambda c: c.query_workspaces("hooli"))
    # The JSM workspace's id is no product ARI the harness knows: ASM-051 passes it by.
    assert _verdicts(seen, "ASM-051") == [assumptions.CONTRADICTS]
    assert _verdicts(seen, "ASM-021") == [assumptions.CONTRADICTS]
