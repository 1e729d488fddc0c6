"""The sandbox clock stays within what the sandbox can represent (issue 13, attack 1).

An advance that would take it past ``LATEST`` (9999-01-01T00:00:00Z) is refused with 400
before anything is stored, so no later request notices it; a ``--db`` that already holds
such an offset (written by an older sandbox) starts with the clock at ``LATEST``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harness.sandbox.clock import LATEST
from harness.sandbox.testing import running_sandbox

from .support import ACME_JIRA, JIRA, Api, codes, cookbook_order, errors


def answers_everything(api: Api, *, advance: bool = True) -> None:
    """The clock, entitlement details, workspaces and a whole order journey answer (to
    SUCCESS when the clock may still ``advance``)."""
    assert api.control("GET", "/_sandbox/clock").status_code == 200
    assert api.details(ACME_JIRA).status_code == 200
    assert api.workspaces(["acme"]).status_code == 200
    order = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
    assert api.place(order).status_code == 200
    if advance:
        api.advance(3)
    tracked = api.order(order["orderId"], order["transactionAccountId"])
    assert tracked.status_code == 200
    done = {i["processingInfo"]["status"] for i in tracked.json()["items"]}
    assert done == ({"SUCCESS"} if advance else {"PROCESSING"})


@pytest.mark.parametrize("seconds", [1e308, 3e11, 1e16, 2**70])
def test_an_advance_past_the_latest_time_is_refused_and_stores_nothing(
    tmp_path: Path, seconds: float
) -> None:
    db = tmp_path / "org.db"
    with running_sandbox(db=db) as server:
        api = Api(server.base_url, server.profile)
        before = api.control("GET", "/_sandbox/clock").json()
        refused = api.control("POST", "/_sandbox/clock/advance", {"seconds": seconds})
        assert refused.status_code == 400, refused.text
        assert errors(refused)[0]["source"] == {"pointer": "/seconds"}
        assert "9999-01-01T00:00:00.000Z" in errors(refused)[0]["detail"]
        after = api.control("GET", "/_sandbox/clock").json()
        assert after["offsetSeconds"] == before["offsetSeconds"]
        answers_everything(api)
        api.close()
    with running_sandbox(db=db) as again:
        api = Api(again.base_url, again.profile)
        assert api.control("GET", "/_sandbox/clock").json()["offsetSeconds"] == 3
        api.close()


def test_the_clock_may_go_up_to_the_latest_time_and_everything_still_answers(
    tmp_path: Path,
) -> None:
    with running_sandbox(clock=lambda: 1_767_225_600.0) as server:
        api = Api(server.base_url, server.profile)
        left = LATEST - 1_767_225_600.0 - 3
        api.advance(left)
        answers_everything(api)
        assert api.control("GET", "/_sandbox/clock").json()["now"] == "9999-01-01T00:00:00.000Z"
        refused = api.control("POST", "/_sandbox/clock/advance", {"seconds": 1})
        assert refused.status_code == 400
        assert codes(refused) == {"CLOCK_OUT_OF_RANGE"}
        api.close()


@pytest.mark.parametrize("stored", ["1e308", "-1e12", "1e999", '"soon"', "null"])
def test_a_db_holding_an_unusable_clock_starts_at_a_usable_time(
    tmp_path: Path, stored: str
) -> None:
    """A database written before the limit existed: the sandbox answers, never 500."""
    db = tmp_path / "org.db"
    with running_sandbox(db=db):
        pass
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE control SET value=? WHERE key='clock_offset'", (stored,))
        if conn.total_changes == 0:
            conn.execute("INSERT INTO control(key, value) VALUES('clock_offset', ?)", (stored,))
    with running_sandbox(db=db) as server:
        api = Api(server.base_url, server.profile)
        clock = api.control("GET", "/_sandbox/clock")
        assert clock.status_code == 200
        # At most LATEST when restored; real time moves it on from there.
        assert clock.json()["epochSeconds"] < LATEST + 60
        answers_everything(api, advance=clock.json()["epochSeconds"] < LATEST - 3)
        api.close()


@pytest.mark.parametrize("epoch", [253_402_300_000, LATEST + 1, -1])
def test_the_clock_cannot_be_set_past_its_range(api: Api, epoch: float) -> None:
    """``/_sandbox/clock/set`` keeps the same range as an advance (the API's own largest
    timestamp, late 9999, leaves no room for the times derived from the clock)."""
    before = api.control("GET", "/_sandbox/clock").json()
    refused = api.control("POST", "/_sandbox/clock/set", {"epochSeconds": epoch})
    assert refused.status_code == 400, refused.text
    assert errors(refused)[0]["source"] == {"pointer": "/epochSeconds"}
    assert api.control("GET", "/_sandbox/clock").json()["offsetSeconds"] == before["offsetSeconds"]


@pytest.mark.parametrize("stored", ["1e308", "-5", '"soon"', "1e999"])
def test_a_db_holding_an_unusable_frozen_instant_starts_at_a_usable_time(
    tmp_path: Path, stored: str
) -> None:
    db = tmp_path / "org.db"
    with running_sandbox(db=db):
        pass
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO control(key, value) VALUES('clock_frozen_at', ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (stored,),
        )
    with running_sandbox(db=db) as server:
        api = Api(server.base_url, server.profile)
        clock = api.control("GET", "/_sandbox/clock")
        assert clock.status_code == 200
        assert 0 <= clock.json()["epochSeconds"] <= LATEST
        answers_everything(api, advance=clock.json()["epochSeconds"] < LATEST - 3)
        api.close()
