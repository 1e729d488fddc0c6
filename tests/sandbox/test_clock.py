"""The sandbox clock set to an instant (frozen or running), a reset at an instant, and the
real pace of provisioning (``--provisioning-seconds``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.sandbox.testing import running_sandbox

from .support import JIRA, Api, cookbook_order

#: 2026-01-01T00:00:00Z, the suite's frozen epoch.
EPOCH = 1_767_225_600.0


def test_a_frozen_clock_reads_the_instant_until_advanced(api: Api) -> None:
    response = api.control("POST", "/_sandbox/clock/set", {"epochSeconds": EPOCH, "frozen": True})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "now": "2026-01-01T00:00:00.000Z",
        "epochSeconds": EPOCH,
        "offsetSeconds": 0.0,
        "frozen": True,
    }
    time.sleep(0.05)
    assert api.control("GET", "/_sandbox/clock").json()["epochSeconds"] == EPOCH
    moved = api.control("POST", "/_sandbox/clock/advance", {"seconds": 601}).json()
    assert moved["epochSeconds"] == EPOCH + 601 and moved["frozen"] is True


def test_a_clock_set_back_in_time_runs_on_from_there(api: Api) -> None:
    body = {"epochSeconds": 1_000_000_000}
    clock = api.control("POST", "/_sandbox/clock/set", body).json()
    assert clock["frozen"] is False
    assert 1_000_000_000 <= clock["epochSeconds"] < 1_000_000_000 + 5
    # An order placed now is stamped in that past.
    order = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
    api.place(order)
    created = api.order(order["orderId"], order["transactionAccountId"]).json()["createdDate"]
    assert 1_000_000_000_000 <= created < 1_000_005_000_000


def test_a_reset_can_seed_the_state_at_a_frozen_instant(api: Api) -> None:
    api.control("POST", "/_sandbox/clock/advance", {"seconds": 99})
    body = {"clock": {"epochSeconds": EPOCH, "frozen": True}}
    response = api.control("POST", "/_sandbox/reset", body)
    assert response.status_code == 200, response.text
    assert response.json()["clock"]["epochSeconds"] == EPOCH
    order = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
    api.place(order)
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    assert tracked["createdDate"] == int(EPOCH * 1000)
    # A plain reset goes back to real time.
    plain = api.control("POST", "/_sandbox/reset", {}).json()["clock"]
    assert plain["frozen"] is False and abs(plain["epochSeconds"] - time.time()) < 60


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("/_sandbox/clock/set", {}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": -1}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": 1e308}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": 10**400}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": 253402300800}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": "1767225600"}, "/epochSeconds"),
        ("/_sandbox/clock/set", {"epochSeconds": 1, "frozen": "yes"}, "/frozen"),
        ("/_sandbox/clock/set", {"epochSeconds": 1, "at": 2}, ""),
        ("/_sandbox/clock/set", [], ""),
        ("/_sandbox/reset", {"clock": {"epochSeconds": True}}, "/clock/epochSeconds"),
        ("/_sandbox/reset", {"clok": {}}, ""),
    ],
)
def test_a_bad_clock_is_refused_naming_the_field(
    api: Api, path: str, body: object, pointer: str
) -> None:
    before = api.control("GET", "/_sandbox/clock").json()
    response = api.control("POST", path, body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["source"]["pointer"] == pointer
    after = api.control("GET", "/_sandbox/clock").json()
    assert after["offsetSeconds"] == before["offsetSeconds"] and not after["frozen"]


def test_a_frozen_clock_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    with running_sandbox(db=db) as first:
        first.set_clock(EPOCH, frozen=True)
        first.advance(10)
    with running_sandbox(db=db) as second:
        assert second.now() == EPOCH + 10


def test_provisioning_completes_no_sooner_than_its_own_time() -> None:
    """--provisioning-seconds 20 with 3 s of processing: the items succeed at 3 s, the
    request stays IN_PROGRESS until 20 s after it was made (ASM-035)."""
    with running_sandbox(clock=lambda: EPOCH, provisioning_delay_seconds=20) as server:
        api = Api(server.base_url, server.profile)
        try:
            request_id = api.provisioned([JIRA])
            order = cookbook_order("jira-enterprise", request_id)
            api.place(order)
            server.advance(3)
            tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
            assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"SUCCESS"}
            assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
            server.advance(16.9)
            assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
            server.advance(0.1)
            status = api.status(request_id).json()["data"]
            assert status["status"] == "COMPLETED"
            # Past the 10-minute window it is still COMPLETED, never FAILED.
            server.advance(700)
            assert api.status(request_id).json()["data"]["status"] == "COMPLETED"
        finally:
            api.close()
