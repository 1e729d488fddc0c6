"""State in a ``--db`` file outlives the server: orders, sites, entitlements and the clock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.contracts import load_profile
from harness.contracts.profile import DEFAULT_PROFILE
from harness.sandbox.app import create_app
from harness.sandbox.store import StoreError
from harness.sandbox.testing import running_sandbox

from .support import CONFLUENCE, JIRA, Api, cookbook_order


def test_a_restart_on_the_same_db_keeps_every_order(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    with running_sandbox(db=db) as first:
        api = Api(first.base_url, first.profile)
        done = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
        assert api.place(done).status_code == 200
        api.advance(3)
        waiting_request = api.provisioned([CONFLUENCE], "acme-3")
        pending = cookbook_order("confluence-enterprise", waiting_request)
        pending["orderId"] = "0aed15e5-3d09-4319-800d-d65a5e73f783"
        assert api.place(pending).status_code == 200
        before = {
            o["orderId"]: api.order(o["orderId"], o["transactionAccountId"]).json()
            for o in (done, pending)
        }
        clock = api.client.get("/_sandbox/clock").json()
        api.close()
    assert db.exists()

    with running_sandbox(db=db) as second:
        api = Api(second.base_url, second.profile)
        assert api.client.get("/_sandbox/clock").json()["offsetSeconds"] == clock["offsetSeconds"]
        after = {
            o["orderId"]: api.order(o["orderId"], o["transactionAccountId"]).json()
            for o in (done, pending)
        }
        assert after[done["orderId"]] == before[done["orderId"]]
        # The pending order kept its place in time and finishes on the restored clock.
        assert {i["processingInfo"]["status"] for i in after[pending["orderId"]]["items"]} == {
            "PROCESSING"
        }
        api.advance(3)
        finished = api.order(pending["orderId"], pending["transactionAccountId"]).json()
        assert finished["items"][0]["processingInfo"]["status"] == "SUCCESS"
        assert {w["attributes"]["name"] for w in api.workspaces().json()["data"]} == {
            "acme",
            "acme-2",
            "acme-3",
            "globex",
            "hooli",
        }
        # Idempotency survives too: the same order again is the same order.
        assert api.place(done).status_code == 200
        api.close()


def test_without_a_db_the_state_is_temporary() -> None:
    with running_sandbox() as server:
        path = server.db_path
        assert path.exists()
    assert not path.exists()


def test_a_db_of_another_profile_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    create_app(db_path=db).state.sandbox.close()
    data = json.loads(DEFAULT_PROFILE.read_text())
    data["org"]["id"] = "another-org"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="another profile"):
        create_app(load_profile(other), db_path=db)


def test_a_db_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    create_app(db_path=db).state.sandbox.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match="version 99"):
        create_app(db_path=db)


@pytest.mark.parametrize("kind", ["not-sqlite", "no-directory"])
def test_an_unusable_db_file_is_refused(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "org.db"
    if kind == "not-sqlite":
        db.write_text("this is not a database, " * 100)
    else:
        db = tmp_path / "missing" / "org.db"
    with pytest.raises(StoreError, match="not a usable sandbox database"):
        create_app(db_path=db)


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    """One transaction per request: an error half-way rolls every write back."""
    app = create_app(db_path=tmp_path / "sandbox.db")
    store = app.state.sandbox.store
    try:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.set_control("probe", 1)
            raise RuntimeError("crash half-way")
        with store.transaction() as tx:
            assert tx.control("probe") is None
    finally:
        app.state.sandbox.close()
