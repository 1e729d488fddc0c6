"""Retries against a loopback fault server, on fake time: what is retried, how long the
client waits, and where it stops. Nothing really sleeps."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from harness.client import (
    ApiError,
    BadRequestError,
    ContractViolationError,
    RateLimitedError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
    parse_retry_after,
)
from harness.contracts import load_profile

from .support import Drop, FakeTime, FaultServer, Reply, Stall, closed_port_url

PROFILE = load_profile()
ENTITLEMENT = "f5050916-617d-49d5-9aa8-382185a0c0b3"
DETAILS = Reply(200, {"entitlementId": ENTITLEMENT})
ACCEPTED = Reply(
    200,
    {
        "data": {
            "statusUrl": f"https://x/admin/installations/v2/orgs/o/products/status/{uuid.uuid4()}"
        }
    },
)
OFFERING = PROFILE.catalogue.offerings_of("jsm", "enterprise")[0].id


def envelope(status: int, code: str = "UNAVAILABLE") -> dict[str, Any]:
    return {"errors": [{"status": str(status), "code": code, "title": code.title()}]}


def busy(status: int, retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(status, envelope(status), headers=headers)


def order_body() -> dict[str, Any]:
    from harness.client import OrderBuilder

    return OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).confluence().build()


def provision(client: Any) -> Any:
    return client.provision_products([OFFERING], "a@example.com", "acme")


# -- what is retried ------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_wait_retry_after(
    status: int, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(status, "7"), DETAILS)
    client = fault_client()
    assert client.entitlement_details(ENTITLEMENT).entitlement_id == ENTITLEMENT
    assert fake_time.sleeps == [7.0]
    assert [(e.attempt, e.status) for e in client.recorded] == [(1, status), (2, 200)]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_back_off_exponentially(
    status: int, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(status), busy(status), busy(status), DETAILS)
    fault_client().entitlement_details(ENTITLEMENT)
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped_and_jittered(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(*[busy(502)] * 5, DETAILS)
    policy = RetryPolicy(max_attempts=6, backoff_initial=0.5, backoff_max=1.5, jitter=0.25)
    fault_client(retry=policy).entitlement_details(ENTITLEMENT)
    bases = [0.5, 1.0, 1.5, 1.5, 1.5]
    assert len(fake_time.sleeps) == 5
    for slept, base in zip(fake_time.sleeps, bases, strict=True):
        assert base <= slept <= min(base + 0.25, 1.5)


def test_order_posts_are_retried_with_the_same_body(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    body = order_body()
    placed = {"orderId": body["orderId"], "items": [{"itemId": "O1", "orderItemId": "x-1"}]}
    fault_server.then(busy(503), Drop(), busy(502), Reply(200, placed))
    order = fault_client().place_order(body)
    assert order.order_id == body["orderId"]
    sent = [r.body for r in fault_server.received]
    assert len(sent) == 4 and len(set(sent)) == 1
    assert json.loads(sent[0]) == body
    assert {r.headers["x-transaction-account"] for r in fault_server.received} == {
        body["transactionAccountId"]
    }


def test_a_dropped_connection_is_retried_for_reads(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(Drop(), DETAILS)
    client = fault_client()
    client.entitlement_details(ENTITLEMENT)
    first = client.recorded[0]
    assert first.status is None and "RemoteProtocolError" in (first.error or "")
    assert fake_time.sleeps == [0.5]


def test_a_read_timeout_is_retried_for_reads(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(Stall(1.0), DETAILS)
    client = fault_client(timeout=httpx.Timeout(0.1))
    client.entitlement_details(ENTITLEMENT)
    assert "ReadTimeout" in (client.recorded[0].error or "")
    assert len(fault_server.received) == 2


@pytest.mark.parametrize("fault", [busy(503, "1"), busy(502), busy(504), Drop()])
def test_provisioning_posts_are_not_retried_blindly(
    fault: Any, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(fault, ACCEPTED)
    with pytest.raises((ServerError, TransportError)) as caught:
        provision(fault_client())
    assert len(fault_server.received) == 1 and fake_time.sleeps == []
    assert getattr(caught.value, "operation", None) == "products.provision"


def test_provisioning_posts_are_retried_on_429(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(429, "3"), ACCEPTED)
    request = provision(fault_client())
    assert request.request_id and fake_time.sleeps == [3.0]
    assert len(fault_server.received) == 2


def test_provisioning_is_retried_when_nothing_was_sent(
    fault_client: Any, fake_time: FakeTime
) -> None:
    client = fault_client(base_url=closed_port_url())
    with pytest.raises(TransportError) as caught:
        provision(client)
    error = caught.value
    assert error.sent is False and error.attempts == 4
    assert "ConnectError" in str(error) and "[after 4 attempts]" in str(error)
    assert len(client.recorded) == 4 and fake_time.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, BadRequestError), (404, ApiError), (409, ApiError), (422, ApiError), (500, ServerError)],
)
def test_other_errors_are_not_retried(
    status: int,
    kind: type[ApiError],
    fault_server: FaultServer,
    fault_client: Any,
    fake_time: FakeTime,
) -> None:
    fault_server.then(busy(status, "1"), DETAILS)
    with pytest.raises(kind) as caught:
        fault_client().entitlement_details(ENTITLEMENT)
    assert caught.value.status == status and caught.value.attempts == 1
    assert len(fault_server.received) == 1 and fake_time.sleeps == []


# -- where retrying stops -------------------------------------------------------------


def test_attempts_are_bounded(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(*[busy(503)] * 4)
    with pytest.raises(ServerError) as caught:
        fault_client().entitlement_details(ENTITLEMENT)
    assert caught.value.attempts == 4 and "[after 4 attempts]" in str(caught.value)
    assert len(fault_server.received) == 4


def test_total_time_is_bounded(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(429, "6"), busy(429, "6"), DETAILS)
    with pytest.raises(RateLimitedError) as caught:
        fault_client(retry=RetryPolicy(max_elapsed=10, jitter=0)).entitlement_details(ENTITLEMENT)
    assert fake_time.sleeps == [6.0]  # a second 6 s wait would cross the 10 s budget
    assert caught.value.retry_after == 6 and caught.value.attempts == 2


def test_a_retry_after_beyond_the_cap_is_not_waited(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(429, "3600"), DETAILS)
    with pytest.raises(RateLimitedError, match=r"\[Retry-After 3600 s\]"):
        fault_client().entitlement_details(ENTITLEMENT)
    assert fake_time.sleeps == []


def test_never_retries_nothing(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(503, "1"), DETAILS)
    with pytest.raises(ServerError):
        fault_client(retry=RetryPolicy.never()).entitlement_details(ENTITLEMENT)
    assert fake_time.sleeps == []
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


# -- unreadable responses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "body is empty"),
        (b"<html>Bad gateway</html>", "body is not JSON"),
        (b'{"entitlementId": "f5050916-617d', "body is truncated"),
        (b'{"data": [1, 2', "body is truncated"),
    ],
)
def test_unreadable_success_bodies_name_the_operation(
    body: bytes, problem: str, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(Reply(200, body=body))
    with pytest.raises(ResponseFormatError) as caught:
        fault_client().entitlement_details(ENTITLEMENT)
    error = caught.value
    assert str(error).startswith(f"entitlements.details: HTTP 200 response {problem}")
    assert error.operation == "entitlements.details" and len(fault_server.received) == 1


def test_a_success_body_without_what_the_cookbook_promises(
    fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(200, {"data": {}}))
    with pytest.raises(
        ResponseFormatError, match=r"products.provision: .*missing field at /data/statusUrl"
    ):
        provision(fault_client())


def test_an_error_status_with_a_non_envelope_body(
    fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(502, body=b"<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as caught:
        fault_client(retry=RetryPolicy.never()).entitlement_details(ENTITLEMENT)
    assert caught.value.code is None
    assert "HTTP 502 (body is not JSON" in str(caught.value)
    assert "Bad gateway" in str(caught.value)


def test_every_envelope_entry_is_in_the_message(
    fault_server: FaultServer, fault_client: Any
) -> None:
    errors = [
        {
            "status": "422",
            "code": "RULE_VIOLATION",
            "title": "t",
            "detail": "first",
            "source": {"pointer": "/items/0"},
            "meta": {"ruleId": "REL-006"},
        },
        {
            "status": "422",
            "code": "RULE_VIOLATION",
            "title": "t",
            "detail": "second",
            "source": {"pointer": "/items/1"},
            "meta": {"ruleId": "REL-009"},
        },
    ]
    fault_server.then(Reply(422, {"errors": errors}))
    with pytest.raises(ApiError) as caught:
        fault_client().entitlement_details(ENTITLEMENT)
    error = caught.value
    assert (error.rule_id, error.pointer, error.detail) == ("REL-006", "/items/0", "first")
    assert [e.rule_id for e in error.errors] == ["REL-006", "REL-009"]
    assert str(error) == (
        "entitlements.details: HTTP 422 RULE_VIOLATION (REL-006) at /items/0: first; "
        "RULE_VIOLATION (REL-009) at /items/1: second"
    )


def test_a_response_breaking_the_contracts_is_reported(
    fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(200, {"data": {"requestId": str(uuid.uuid4()), "status": "DONE"}}))
    with pytest.raises(ContractViolationError) as caught:
        fault_client(validate_contracts=True).provisioning_status(str(uuid.uuid4()))
    error = caught.value
    assert (error.direction, error.status) == ("response", 200)
    assert error.violations[0].pointer == "/data/status"
    assert "provisioning.status: HTTP 200 response breaks the contracts: /data/status" in str(error)


def test_a_paging_loop_is_refused(fault_server: FaultServer, fault_client: Any) -> None:
    page = {"data": [], "links": {"next": "same"}}
    fault_server.then(Reply(200, page), Reply(200, page))
    with pytest.raises(ResponseFormatError, match="repeats the cursor 'same'"):
        list(fault_client().iter_workspaces())
    assert [json.loads(r.body) for r in fault_server.received] == [{}, {"cursor": "same"}]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("0", 0.0), ("12", 12.0), (" 3 ", 3.0), ("-4", 0.0), ("soon", None), (None, None)]
    # What float() reads but no Retry-After is (nan was 0: "retry at once"; 1_000 a wait).
    + [(v, None) for v in ("nan", "-inf", "Infinity", "1e3", "1_000", "\u0663", "0x10")]
    + [("9" * 400, float("inf")), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("32 Jan x", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_an_http_date_without_a_zone_is_gmt(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP dates are GMT; one without a zone (or -0000) was read in the machine's zone,
    hours off (here Tokyo's: 9 h less than asked)."""
    import time as clock
    from email.utils import formatdate

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    clock.tzset()
    try:
        parsed = parse_retry_after(formatdate(clock.time() + 120).replace("-0000", ""))
    finally:
        monkeypatch.undo()
        clock.tzset()
    assert parsed is not None and 100 < parsed <= 121


@pytest.mark.parametrize("value", ["9" * 400, "Fri, 31 Dec 9999 23:59:59 GMT", "nan", "-1"])
def test_an_odd_retry_after_neither_crashes_nor_sleeps_long(
    value: str, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    """A huge or far-future Retry-After is refused at once (no wait of hours); a negative
    or garbage one retries after no wait or the backoff."""
    fault_server.then(busy(429, value), DETAILS)
    client = fault_client()
    try:
        client.entitlement_details(ENTITLEMENT)
    except RateLimitedError as error:
        assert error.retry_after is not None and error.retry_after > 60
    assert sum(fake_time.sleeps) <= 1.0


def test_parse_retry_after_http_date() -> None:
    from email.utils import formatdate
    from time import time

    parsed = parse_retry_after(formatdate(time() + 120, usegmt=True))
    assert parsed is not None and 100 < parsed <= 121
