"""The waiters: to a final state or a deadline, honouring Retry-After, on fake time."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from harness.client import (
    OrderFailed,
    ProvisioningFailed,
    RetryPolicy,
    ServerError,
    WaitTimeout,
    wait_for_order,
    wait_for_provisioning,
)
from harness.contracts import load_profile

from .support import FakeTime, FaultServer, Reply, site

PROFILE = load_profile()
REQUEST_ID = str(uuid.uuid4())
ORDER_ID = str(uuid.uuid4())
ACCOUNT = next(iter(PROFILE.catalogue.transaction_accounts))


def status(state: str, reason: str | None = None, **headers: str) -> Reply:
    data: dict[str, Any] = {"requestId": REQUEST_ID, "status": state}
    if reason:
        data["reason"] = reason
    return Reply(200, {"data": data}, headers=headers)


def order(*states: str | None, reason: str | None = None) -> Reply:
    items = []
    for n, state in enumerate(states, start=1):
        info = None
        if state is not None:
            entitlement = {"id": str(uuid.uuid4()), "version": "1"} if state == "SUCCESS" else None
            info = {"status": state, "entitlement": entitlement}
        items.append(
            {
                "itemId": f"O{n}",
                "orderItemId": f"{ORDER_ID}-{n}",
                "offeringId": "39605741-b92f-4763-8229-7bba2d16433c",
                "type": "CREATION_ORDER",
                "processingInfo": info,
                "reasonCode": reason if state == "FAILED" else None,
            }
        )
    return Reply(200, {"orderId": ORDER_ID, "transactionAccountId": ACCOUNT, "items": items})


def busy(code: int, retry_after: str) -> Reply:
    body = {"errors": [{"status": str(code), "code": "BUSY", "title": "Busy"}]}
    return Reply(code, body, headers={"Retry-After": retry_after})


# -- provisioning ---------------------------------------------------------------------


def test_polls_provisioning_until_completed(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(status("IN_PROGRESS"), status("IN_PROGRESS"), status("COMPLETED"))
    done = wait_for_provisioning(fault_client(), REQUEST_ID, poll_interval=5)
    assert done.status == "COMPLETED" and fake_time.sleeps == [5, 5]


def test_provisioning_failed_says_why(fault_server: FaultServer, fault_client: Any) -> None:
    fault_server.then(status("IN_PROGRESS"), status("FAILED", "no order within 10 minutes"))
    with pytest.raises(ProvisioningFailed) as caught:
        wait_for_provisioning(fault_client(), REQUEST_ID, poll_interval=1)
    assert str(caught.value) == (
        f"provisioning request {REQUEST_ID} FAILED: no order within 10 minutes"
    )
    assert caught.value.status.status == "FAILED"


def test_provisioning_times_out_with_a_last_poll_at_the_deadline(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(*[status("IN_PROGRESS")] * 4)
    with pytest.raises(WaitTimeout) as caught:
        wait_for_provisioning(fault_client(), REQUEST_ID, timeout=12, poll_interval=5)
    assert fake_time.sleeps == [5, 5, 2]
    assert len(fault_server.received) == 4
    assert str(caught.value) == (
        f"provisioning request {REQUEST_ID} not final after 12 s: last status IN_PROGRESS"
    )
    assert caught.value.last.status == "IN_PROGRESS"


def test_a_retry_after_on_a_status_response_stretches_the_poll(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(status("IN_PROGRESS", **{"Retry-After": "9"}), status("COMPLETED"))
    wait_for_provisioning(fault_client(), REQUEST_ID, poll_interval=2)
    assert fake_time.sleeps == [9]


@pytest.mark.parametrize("code", [429, 503])
def test_throttling_past_the_clients_retries_is_waited_out(
    code: int, fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(code, "20"), status("COMPLETED"))
    client = fault_client(retry=RetryPolicy.never())
    assert wait_for_provisioning(client, REQUEST_ID, poll_interval=2).status == "COMPLETED"
    assert fake_time.sleeps == [20]


def test_a_retry_after_past_the_deadline_ends_the_wait(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(busy(429, "120"))
    with pytest.raises(WaitTimeout, match="no status received"):
        wait_for_provisioning(
            fault_client(retry=RetryPolicy.never()), REQUEST_ID, timeout=60, poll_interval=2
        )
    assert fake_time.sleeps == []


def test_other_errors_end_the_wait(fault_server: FaultServer, fault_client: Any) -> None:
    fault_server.then(busy(500, "1"))
    with pytest.raises(ServerError):
        wait_for_provisioning(fault_client(), REQUEST_ID)


def test_provisioning_without_an_order_fails_in_the_sandbox(make_client: Any) -> None:
    client = make_client()
    offering = PROFILE.catalogue.offerings_of("jsm", "enterprise")[0].id
    request = client.provision_products([offering], PROFILE.defaults["adminEmail"], "acme")
    with pytest.raises(ProvisioningFailed, match="within 600 seconds") as caught:
        wait_for_provisioning(client, request, timeout=900, poll_interval=60)
    assert caught.value.request_id == request.request_id
    assert sum(client.time.sleeps) >= 600  # the sandbox clock moved with every sleep


# -- orders ---------------------------------------------------------------------------


def test_polls_the_order_until_every_item_succeeded(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(
        order(None, None), order("SUCCESS", "PROCESSING"), order("SUCCESS", "SUCCESS")
    )
    done = wait_for_order(fault_client(), ORDER_ID, ACCOUNT, poll_interval=3)
    assert done.status == "SUCCESS" and set(done.entitlement_ids) == {"O1", "O2"}
    assert fake_time.sleeps == [3, 3]
    assert {r.headers["x-transaction-account"] for r in fault_server.received} == {ACCOUNT}


def test_a_failed_item_is_named_with_its_reason(
    fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(order("SUCCESS", "FAILED", reason="PARENT_ENTITLEMENT_SUSPENDED"))
    with pytest.raises(OrderFailed) as caught:
        wait_for_order(fault_client(), ORDER_ID, ACCOUNT)
    error = caught.value
    assert [item.item_id for item in error.failed_items] == ["O2"]
    assert str(error) == (
        f"order {ORDER_ID}: item O2 (offering 39605741-b92f-4763-8229-7bba2d16433c) "
        "FAILED: PARENT_ENTITLEMENT_SUSPENDED"
    )


def test_an_order_not_done_in_time_lists_what_is_pending(
    fault_server: FaultServer, fault_client: Any, fake_time: FakeTime
) -> None:
    fault_server.then(*[order("SUCCESS", "PROCESSING", None)] * 3)
    with pytest.raises(WaitTimeout) as caught:
        wait_for_order(fault_client(), ORDER_ID, ACCOUNT, timeout=5, poll_interval=3)
    assert str(caught.value) == (
        f"order {ORDER_ID} not final after 5 s: items not done: O2 PROCESSING, O3 not started"
    )
    assert fake_time.sleeps == [3, 2]


def test_wait_for_order_takes_the_placed_order(make_client: Any) -> None:
    client = make_client()
    catalogue = PROFILE.catalogue
    request = client.provision_products(
        [catalogue.offerings_of("jsm", "enterprise")[0].id], PROFILE.defaults["adminEmail"], "acme"
    )
    from harness.client import OrderBuilder

    body = OrderBuilder.for_profile(PROFILE, request).on_site(site("acme")).jsm().build()
    placed = client.place_order(body)
    done = wait_for_order(client, placed, poll_interval=1)
    assert done.status == "SUCCESS" and client.time.sleeps  # waited on the sandbox clock
    with pytest.raises(ValueError, match="transaction account"):
        wait_for_order(client, placed.order_id)
