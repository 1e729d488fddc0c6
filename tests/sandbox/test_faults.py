"""Fault injection over real HTTP: each fault answers (or closes the connection) as
``harness.sandbox.faults`` documents, for as many requests as ``times`` says, and
``reset`` clears them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness._tls import tls_context
from harness.sandbox.app import create_app

from .support import JIRA, Api, codes, cookbook_order, errors

FAULTS = "/_sandbox/faults"


def add(api: Api, **spec: Any) -> dict[str, Any]:
    response = api.control("POST", FAULTS, spec)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def listed(api: Api) -> list[dict[str, Any]]:
    return list(api.control("GET", FAULTS).json()["data"])


def order_for(api: Api) -> dict[str, Any]:
    return cookbook_order("jira-enterprise", api.provisioned([JIRA]))


@pytest.fixture
def raw(api: Api) -> Iterator[httpx.Client]:
    """A plain httpx client of the same sandbox, without the Api's no-5xx hook."""
    with httpx.Client(
        verify=tls_context(), base_url=api.base_url, headers=api.bearer, timeout=10.0
    ) as client:
        yield client


def test_faults_are_listed_cleared_and_reset(api: Api) -> None:
    first = add(api, operation="orders.get", fault="503", times=2, retryAfter=3)
    second = add(api, operation="orders.place", fault="drop-response")
    assert first == {
        "id": 1,
        "operation": "orders.get",
        "fault": "503",
        "times": 2,
        "hits": 0,
        "retryAfter": 3,
        "remaining": 2,
    }
    assert [f["id"] for f in listed(api)] == [first["id"], second["id"]]
    assert api.control("DELETE", FAULTS).json() == {"data": []}
    assert listed(api) == []
    add(api, operation="orders.get", fault="500")
    assert api.control("POST", "/_sandbox/reset").status_code == 200
    assert listed(api) == []


@pytest.mark.parametrize(
    ("spec", "pointer"),
    [
        ({"operation": "orders.nope", "fault": "503"}, "/operation"),
        ({"operation": "orders.get", "fault": "418"}, "/fault"),
        ({"operation": "orders.get", "fault": "fail-item"}, "/fault"),
        ({"operation": "orders.process", "fault": "503"}, "/fault"),
        ({"operation": "orders.get", "fault": "503", "times": 0}, "/times"),
        ({"operation": "orders.get", "fault": "503", "times": True}, "/times"),
        ({"operation": "orders.get", "fault": "500", "retryAfter": 1}, "/retryAfter"),
        ({"operation": "orders.get", "fault": "delay"}, "/seconds"),
        ({"operation": "orders.get", "fault": "delay", "seconds": 61}, "/seconds"),
        ({"operation": "orders.get", "fault": "503", "seconds": 1}, "/seconds"),
        ({"operation": "orders.process", "fault": "fail-item", "item": ""}, "/item"),
        ({"operation": "orders.get", "fault": "503", "colour": "red"}, "/colour"),
        (["orders.get", "503"], ""),
    ],
)
def test_a_wrong_fault_spec_is_400_naming_the_field(api: Api, spec: Any, pointer: str) -> None:
    response = api.control("POST", FAULTS, spec)
    assert response.status_code == 400
    assert errors(response)[0]["source"] == {"pointer": pointer}
    assert listed(api) == []


def test_429_carries_retry_after_for_as_many_requests_as_times(api: Api) -> None:
    order = order_for(api)
    assert api.place(order).status_code == 200
    add(api, operation="orders.get", fault="429", times=2, retryAfter=7)
    for _ in range(2):
        throttled = api.order(order["orderId"], order["transactionAccountId"])
        assert throttled.status_code == 429
        assert throttled.headers["retry-after"] == "7"
        assert codes(throttled) == {"RATE_LIMITED"}
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 200
    assert listed(api)[0]["remaining"] == 0


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("500", "INTERNAL_ERROR"),
        ("502", "BAD_GATEWAY"),
        ("503", "UNAVAILABLE"),
        ("504", "GATEWAY_TIMEOUT"),
    ],
)
def test_a_status_fault_is_not_acted_on(api: Api, raw: httpx.Client, fault: str, code: str) -> None:
    order = order_for(api)
    add(api, operation="orders.place", fault=fault)
    refused = raw.post("/commerce/api/v2/orders", json=order)
    assert refused.status_code == int(fault)
    assert codes(refused) == {code}
    assert "retry-after" not in refused.headers
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404
    assert api.place(order).status_code == 200


def test_drop_closes_the_connection_before_acting(api: Api, raw: httpx.Client) -> None:
    order = order_for(api)
    add(api, operation="orders.place", fault="drop")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        raw.post("/commerce/api/v2/orders", json=order)
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404
    assert api.place(order).status_code == 200


def test_drop_response_acts_then_loses_the_answer(api: Api, raw: httpx.Client) -> None:
    order = order_for(api)
    add(api, operation="orders.place.v1", fault="drop-response")
    with pytest.raises(httpx.RemoteProtocolError):
        raw.post("/commerce/api/v1/orders", json=order)
    stored = api.order(order["orderId"], order["transactionAccountId"])
    assert stored.status_code == 200
    again = api.place(order, version="v1")
    assert again.status_code == 200
    assert again.json()["orderId"] == order["orderId"]


def test_a_fault_for_every_time_stays_until_cleared(api: Api, raw: httpx.Client) -> None:
    """times null: every request of the operation (and only of it) until cleared."""
    order = order_for(api)
    assert api.place(order).status_code == 200
    add(api, operation="orders.get", fault="502", times=None)
    path = f"/commerce/api/v2/orders/{order['orderId']}"
    headers = {"X-transaction-account": order["transactionAccountId"]}
    assert [raw.get(path, headers=headers).status_code for _ in range(5)] == [502] * 5
    assert api.place(order).status_code == 200  # orders.place is not hit
    api.control("DELETE", FAULTS)
    assert raw.get(path, headers=headers).status_code == 200


def test_faults_registered_one_after_another_hit_in_order(api: Api, raw: httpx.Client) -> None:
    order = order_for(api)
    add(api, operation="orders.place", fault="503", retryAfter=2)
    add(api, operation="orders.place", fault="429")
    add(api, operation="orders.place", fault="drop")
    seen: list[Any] = []
    for _ in range(4):
        try:
            seen.append(raw.post("/commerce/api/v2/orders", json=order).status_code)
        except httpx.RemoteProtocolError:
            seen.append("dropped")
    assert seen == [503, 429, "dropped", 200]


def test_a_delay_past_the_clients_patience_is_not_acted_on(api: Api) -> None:
    order = order_for(api)
    add(api, operation="orders.place", fault="delay", seconds=30)
    with (
        httpx.Client(
            verify=tls_context(), base_url=api.base_url, headers=api.bearer, timeout=0.2
        ) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        impatient.post("/commerce/api/v2/orders", json=order)
    # The sandbox saw the client hang up and dropped the request.
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404


def test_a_short_delay_is_answered(api: Api) -> None:
    order = order_for(api)
    add(api, operation="orders.place", fault="delay", seconds=0.05)
    assert api.place(order).status_code == 200
    assert listed(api)[0]["remaining"] == 0


def test_fail_item_fails_one_item_with_a_reason(frozen: Api) -> None:
    request_id = frozen.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    add(frozen, operation="orders.process", fault="fail-item", item="O1", reason="NO_CAPACITY")
    assert frozen.place(order).status_code == 200
    frozen.advance(3)
    items = frozen.order(order["orderId"], order["transactionAccountId"]).json()["items"]
    states = {i["itemId"]: (i["processingInfo"]["status"], i["reasonCode"]) for i in items}
    assert states == {"O1": ("FAILED", "NO_CAPACITY"), "O2": ("SUCCESS", None)}
    status = frozen.status(request_id).json()["data"]
    assert status["status"] == "FAILED"
    assert "item O1" in status["reason"] and "NO_CAPACITY" in status["reason"]
    # O2 relates to O1's family container by ORDER_ITEM: with O1 failed, no entitlement.
    jira = items[1]["processingInfo"]["entitlement"]["id"]
    relations = frozen.details(jira).json()["relatesFromEntitlements"]
    assert [r["relationshipType"] for r in relations] == ["ENTERPRISE"]


def test_fail_item_defaults_to_the_last_item_and_hits_times_orders(frozen: Api) -> None:
    add(frozen, operation="orders.process", fault="fail-item")
    seen = []
    for name in ("acme-2", "acme-3"):
        order = cookbook_order("jira-enterprise", frozen.provisioned([JIRA], name))
        order["orderId"] = str(uuid.uuid4())
        assert frozen.place(order).status_code == 200
        frozen.advance(3)
        items = frozen.order(order["orderId"], order["transactionAccountId"]).json()["items"]
        seen.append([(i["processingInfo"]["status"], i["reasonCode"]) for i in items])
    assert seen == [
        [("SUCCESS", None), ("FAILED", "PROVISIONING_FAILED")],
        [("SUCCESS", None), ("SUCCESS", None)],
    ]


def test_a_server_that_cannot_drop_refuses_drop_faults() -> None:
    """Served without harness.serving (here: in-process ASGI), drop faults are 400."""
    app = create_app()

    async def post(spec: dict[str, Any]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        key = {"Authorization": f"Bearer {app.state.sandbox.profile.api_key}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", headers=key
        ) as client:
            return await client.post(FAULTS, json=spec)

    try:
        refused = asyncio.run(post({"operation": "orders.get", "fault": "drop"}))
        assert refused.status_code == 400
        assert "harness.serving" in refused.json()["errors"][0]["detail"]
        added = asyncio.run(post({"operation": "orders.get", "fault": "503"}))
        assert added.status_code == 201
    finally:
        app.state.sandbox.close()
