"""What the assumption ledger reads of an org's answers where the suite's steps rely on an
assumption the cookbook does not state: the error envelope (ASM-001), an unknown
provisioning request (ASM-022), a missing transaction-account header (ASM-061), an id the
org does not have (ASM-062), a request without credentials (ASM-063).

A real sandbox answers each as the harness assumes (agreed); the client tests' fault
server, a loopback server answering from a script, plays an org that answers otherwise
(contradicted); an exchange the assumption is not about tells nothing of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx
import pytest

from harness.client import ApiError, Client, Exchange, OrderBuilder, OrgApiKey, RetryPolicy
from harness.contracts import load_profile
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
        contextlib.suppress(ApiError),
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


def _jira_order(client: Client, request_id: str | None = None) -> None:
    jira = next(o for o in PROFILE.catalogue.offerings.values() if o.name == "Jira Enterprise")
    request = client.provision_products(
        [jira.id], "admin@example.com", "ledger", timezone="Australia/Sydney"
    )
    body = OrderBuilder.for_profile(PROFILE, request, order_id=ORDER_ID).jira().build()
    if request_id is not None:
        body["metadata"]["provisionRequestId"] = request_id
    client.place_order(body)


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
            with contextlib.suppress(ApiError):
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
