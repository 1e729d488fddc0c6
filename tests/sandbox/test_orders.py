"""Orders over time: idempotency (REL-003), the 10-minute window, processing, tracking.

Timing tests run on the ``frozen`` sandbox, whose clock moves only when told to, so an
edge of exactly 600 s is exactly 600 s.
"""

from __future__ import annotations

import json
import uuid

import pytest

from harness.contracts import error_title
from harness.contracts.rules import PROVISIONING_WINDOW_SECONDS

from .support import CONFLUENCE, JIRA, Api, codes, cookbook_order, errors, rule_ids


def test_same_order_id_and_body_is_the_same_order_and_creates_nothing(api: Api) -> None:
    request_id = api.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    first = api.place(order)
    again = api.place(order)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    api.advance(3)
    # Still one order's worth of entitlements: one Jira workspace on the new site.
    data = api.workspaces(["acme-2"]).json()["data"]
    assert len(data) == 1
    # ... and also when resent after it has been processed.
    assert api.place(order).json() == first.json()
    assert len(api.workspaces(["acme-2"]).json()["data"]) == 1


def test_same_order_id_with_another_body_is_a_conflict(api: Api) -> None:
    request_id = api.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    assert api.place(order).status_code == 200
    changed = cookbook_order("jira-enterprise", request_id)
    changed["items"][1]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
        "quantity"
    ] = 200
    conflict = api.place(changed)
    assert conflict.status_code == 409
    assert codes(conflict) == {"ORDER_CONFLICT"}
    assert rule_ids(conflict) == {"REL-003"}
    # The contracts' title of their code, not one of the sandbox's making ("Order conflict").
    assert errors(conflict)[0]["title"] == error_title("ORDER_CONFLICT")
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    assert (
        tracked["items"][1]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0][
            "quantity"
        ]
        == 100
    )


def test_the_same_body_with_keys_in_another_order_is_the_same_body(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])
    order = cookbook_order("confluence-enterprise", request_id)
    assert api.place(order).status_code == 200
    shuffled = dict(reversed(list(order.items())))
    assert api.place(shuffled).status_code == 200


def test_v1_and_v2_share_orders(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])
    order = cookbook_order("confluence-enterprise", request_id)
    assert api.place(order, version="v1").status_code == 200
    assert api.place(order, version="v2").json()["orderId"] == order["orderId"]


def test_a_second_order_for_the_same_request_is_refused(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])
    assert api.place(cookbook_order("confluence-enterprise", request_id)).status_code == 200
    other = cookbook_order("confluence-enterprise", request_id) | {"orderId": str(uuid.uuid4())}
    refused = api.place(other)
    assert refused.status_code == 422
    assert codes(refused) == {"PROVISIONING_REQUEST_NOT_WAITING"}
    assert rule_ids(refused) == {"REL-015"}


def test_transaction_account_header_must_match_the_body(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])
    order = cookbook_order("confluence-enterprise", request_id)
    refused = api.place(
        order, headers={"X-transaction-account": "6d9cfcbc-0103-4c21-aa8b-462e1ef2d74e"}
    )
    assert refused.status_code == 422
    assert rule_ids(refused) == {"REL-018"}
    assert api.place(order, account_header=False).status_code == 200


def test_a_refused_account_header_stays_refused_when_the_body_is_sent_again(api: Api) -> None:
    """Issue 13, attack 7: idempotency (REL-003) must not let a resend skip the header check
    (REL-018), neither for a refused order nor for one already placed."""
    order = cookbook_order("confluence-enterprise", api.provisioned([CONFLUENCE]))
    wrong = {"X-transaction-account": "6d9cfcbc-0103-4c21-aa8b-462e1ef2d74e"}
    for _ in range(3):
        refused = api.place(order, headers=wrong)
        assert refused.status_code == 422, refused.text
        assert rule_ids(refused) == {"REL-018"}
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404
    assert api.place(order).status_code == 200
    again = api.place(order, headers=wrong)
    assert again.status_code == 422, again.text
    assert again.json() == refused.json()  # the same refusal as before it was placed
    assert api.place(order).status_code == 200  # the right header still gets the order


def test_another_accounts_order_is_the_same_404_as_no_order(api: Api) -> None:
    """Issue 13, attack 8: the answer must not tell that an order exists elsewhere."""
    order = cookbook_order("confluence-enterprise", api.provisioned([CONFLUENCE]))
    assert api.place(order).status_code == 200
    other = "6d9cfcbc-0103-4c21-aa8b-462e1ef2d74e"
    unknown = str(uuid.uuid4())
    for auth in (api.bearer, api.basic()):
        elsewhere = api.order(order["orderId"], other, auth=auth)
        missing = api.order(unknown, other, auth=auth)
        assert elsewhere.status_code == missing.status_code == 404
        assert json.loads(elsewhere.text.replace(order["orderId"], "<id>")) == json.loads(
            missing.text.replace(unknown, "<id>")
        )


def test_tracking_needs_the_orders_transaction_account(api: Api) -> None:
    request_id = api.provisioned([CONFLUENCE])
    order = cookbook_order("confluence-enterprise", request_id)
    api.place(order)
    missing = api.order(order["orderId"], None)
    assert missing.status_code == 400
    assert errors(missing)[0]["source"] == {"header": "X-transaction-account"}
    other = api.order(order["orderId"], "6d9cfcbc-0103-4c21-aa8b-462e1ef2d74e")
    assert other.status_code == 404
    assert codes(other) == {"ORDER_NOT_FOUND"}
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 200


def test_unknown_order_is_404(api: Api) -> None:
    unknown = api.order(str(uuid.uuid4()), "2666852d-2296-4c24-a999-8949db3bbf1f")
    assert unknown.status_code == 404
    assert errors(unknown)[0]["source"] == {"parameter": "orderId"}


# -- on the sandbox clock -------------------------------------------------------------


@pytest.mark.parametrize(
    ("wait", "accepted"),
    [(599, True), (599.999, True), (600, True), (600.001, False), (601, False)],
)
def test_the_ten_minute_window(frozen: Api, wait: float, accepted: bool) -> None:
    """600 s of sandbox time, the end included (ASM-053); the status says the same."""
    request_id = frozen.provisioned([CONFLUENCE])
    frozen.advance(wait)
    status = frozen.status(request_id).json()["data"]["status"]
    assert status == ("IN_PROGRESS" if accepted else "FAILED")
    response = frozen.place(cookbook_order("confluence-enterprise", request_id))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 422
        assert codes(response) == {"PROVISIONING_WINDOW_CLOSED"}
        assert rule_ids(response) == {"REL-015"}
        assert errors(response)[0]["source"] == {"pointer": "/metadata/provisionRequestId"}


def test_provisioning_fails_when_no_order_comes_in_time(frozen: Api) -> None:
    request_id = frozen.provisioned([CONFLUENCE])
    frozen.advance(PROVISIONING_WINDOW_SECONDS)
    assert frozen.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
    frozen.advance(1)
    data = frozen.status(request_id).json()["data"]
    assert data["status"] == "FAILED"
    assert "10 minutes" in data["reason"]
    # A later order naming it is refused even after a reset of nothing else.
    refused = frozen.place(cookbook_order("confluence-enterprise", request_id))
    assert codes(refused) == {"PROVISIONING_WINDOW_CLOSED"}


def test_an_order_in_time_keeps_the_request_from_failing(frozen: Api) -> None:
    request_id = frozen.provisioned([CONFLUENCE])
    frozen.advance(599)
    frozen.place(cookbook_order("confluence-enterprise", request_id))
    frozen.advance(2)  # past the window, still processing
    assert frozen.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
    frozen.advance(1)
    assert frozen.status(request_id).json()["data"]["status"] == "COMPLETED"


def test_items_succeed_only_after_the_processing_delay(frozen: Api) -> None:
    request_id = frozen.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    frozen.place(order)
    frozen.advance(2.5)
    tracked = frozen.order(order["orderId"], order["transactionAccountId"]).json()
    assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"PROCESSING"}
    assert frozen.workspaces(["acme-2"]).json()["data"] == []
    assert frozen.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
    frozen.advance(0.5)
    tracked = frozen.order(order["orderId"], order["transactionAccountId"]).json()
    assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"SUCCESS"}
    assert all(i["processingInfo"]["entitlement"]["version"] for i in tracked["items"])
    # Stamped with the time the item was due, not the time it was looked at.
    assert {i["updatedDate"] for i in tracked["items"]} == {tracked["createdDate"] + 3000}


def test_reset_restores_the_profile_and_the_clock(frozen: Api) -> None:
    request_id = frozen.provisioned([CONFLUENCE])
    frozen.place(cookbook_order("confluence-enterprise", request_id))
    frozen.advance(1000)
    assert frozen.control("POST", "/_sandbox/reset").status_code == 200
    clock = frozen.control("GET", "/_sandbox/clock").json()
    assert clock["offsetSeconds"] == 0
    assert frozen.workspaces(["acme-2"]).json()["data"] == []
    assert frozen.status(request_id).status_code == 404
