"""What the sandbox keeps in memory never tells another story than its database: rows read
before are forgotten when written, when a transaction rolls back, and when another
connection commits; answers it keeps (orders.get, workspaces.query) are made again after
any of those, and never answer a caller or a query they were not made for; settling that
is skipped while nothing is due never delays a transition; the answers' fast encoder
writes the bytes the standard one writes, and the canonical spelling of an order the bytes
the standard encoder sorts its keys into."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.contracts import load_profile
from harness.sandbox.encoding import _respelled, encode
from harness.sandbox.store import MADE_LIMIT, Store, canonical_json
from harness.sandbox.testing import running_sandbox

from .support import ACME_CLOUD_ID, JIRA, UNKNOWN, Api, cookbook_order

NOW = 1_767_225_600.0


@pytest.fixture
def store(tmp_path: Path) -> Any:
    made = Store(tmp_path / "org.db")
    made.open_for(load_profile(None), NOW)
    yield made
    made.close()


def test_a_write_is_read_back_in_its_transaction_and_after(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.control("note") is None
        tx.set_control("note", "one")
        assert tx.control("note") == "one"
    with store.transaction() as tx:
        assert tx.control("note") == "one"


def test_a_rolled_back_write_is_forgotten(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_control("note", "kept")
        sites = [s.name for s in tx.sites()]
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.set_control("note", "lost")
        tx.set_family_container(sites[0], "not-kept")
        assert tx.control("note") == "lost"
        assert tx.site(sites[0]).family_container == "not-kept"  # type: ignore[union-attr]
        raise RuntimeError("refused")
    with store.transaction() as tx:
        assert tx.control("note") == "kept"
        assert tx.site(sites[0]).family_container != "not-kept"  # type: ignore[union-attr]


def test_another_connections_commit_is_seen(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_control("note", "mine")
        assert tx.control("note") == "mine"
    with sqlite3.connect(store.path) as other:
        other.execute("UPDATE control SET value=? WHERE key='note'", (json.dumps("theirs"),))
    with store.transaction() as tx:
        assert tx.control("note") == "theirs"


def test_the_checkpointer_copies_commits_into_the_file_and_stops_with_the_store(
    tmp_path: Path,
) -> None:
    """Off the request path, committed pages reach the database file itself (a copy of the
    file alone, without its log, holds them); closing the store ends its thread."""
    made = Store(tmp_path / "org.db")
    made.open_for(load_profile(None), NOW)
    with made.transaction() as tx:
        tx.set_control("note", "copied")
    copy = tmp_path / "copy.db"
    deadline = time.monotonic() + 10
    found = None
    while found is None and time.monotonic() < deadline:
        time.sleep(0.05)
        copy.write_bytes(made.path.read_bytes())
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            try:  # before the first pass the file has no tables yet
                row = conn.execute("SELECT value FROM control WHERE key='note'").fetchone()
            except sqlite3.OperationalError:
                row = None
        found = row and json.loads(row[0])
    assert found == "copied"
    made.close()
    assert not [t for t in threading.enumerate() if t.name == "checkpointer org.db"]


def test_a_served_sandbox_answers_what_the_file_holds(tmp_path: Path) -> None:
    """A status read (and remembered), then changed in the file by another program: the
    next answer is the file's."""
    with running_sandbox(db=tmp_path / "org.db") as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        request_id = api.provisioned([JIRA])
        assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
        with sqlite3.connect(sandbox.db_path) as other:
            other.execute(
                "UPDATE provisioning SET status='FAILED', reason='changed' WHERE id=?",
                (request_id,),
            )
        assert api.status(request_id).json()["data"] == {
            "requestId": request_id,
            "status": "FAILED",
            "reason": "changed",
        }
        api.close()


def test_a_remembered_value_lasts_until_any_write_or_rollback(store: Store) -> None:
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    with store.transaction() as tx:
        assert tx.remembered("k", make) == 1
        assert tx.remembered("k", make) == 1
    with store.transaction() as tx:
        assert tx.remembered("k", make) == 1
        tx.set_control("note", "x")  # any table: every remembered value goes
        assert tx.remembered("k", make) == 2
    with pytest.raises(RuntimeError), store.transaction() as tx:
        assert tx.remembered("k", make) == 2
        tx.set_control("note", "y")
        assert tx.remembered("k", make) == 3
        raise RuntimeError("refused")
    with store.transaction() as tx:
        assert tx.remembered("k", make) == 4  # made in a rolled-back transaction: gone
    with sqlite3.connect(store.path) as other:
        other.execute("UPDATE control SET value=? WHERE key='note'", (json.dumps("theirs"),))
    with store.transaction() as tx:
        assert tx.remembered("k", make) == 5
        for n in range(MADE_LIMIT + 5):  # many keys: bounded, and each still right
            assert tx.remembered(("n", n), lambda n=n: n) == n
        assert len(store._memo.groups["made"]) <= MADE_LIMIT


def test_an_orders_answer_follows_its_rows() -> None:
    """orders.get answered again and again: the same bytes while nothing changed, the
    items' new status once processed, another program's change to the file, and no
    answer at all for another transaction account, whatever was answered before."""
    with running_sandbox(clock=lambda: NOW, processing_delay_seconds=20) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        order = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
        assert api.place(order).status_code == 200
        order_id, account = order["orderId"], order["transactionAccountId"]
        first = api.order(order_id, account)
        assert api.order(order_id, account).content == first.content
        assert {i["processingInfo"]["status"] for i in first.json()["items"]} == {"PROCESSING"}
        other = api.order(order_id, UNKNOWN)
        assert other.status_code == 404
        api.advance(20)
        done = api.order(order_id, account).json()
        assert {i["processingInfo"]["status"] for i in done["items"]} == {"SUCCESS"}
        with sqlite3.connect(sandbox.db_path) as conn:
            conn.execute(
                "UPDATE order_items SET reason_code='CHANGED' WHERE order_id=?", (order_id,)
            )
        changed = api.order(order_id, account).json()
        assert {i["reasonCode"] for i in changed["items"]} == {"CHANGED"}
        api.close()


def test_a_workspaces_answer_is_made_for_its_caller_host_and_query() -> None:
    with running_sandbox(clock=lambda: NOW) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        everyone = api.workspaces(["acme", "globex"]).json()
        assert {w["attributes"]["name"] for w in everyone["data"]} == {"acme", "globex"}
        mine = api.workspaces(["acme", "globex"], auth=api.basic()).json()
        assert {w["attributes"]["name"] for w in mine["data"]} == {"acme"}
        paged = api.workspaces(["acme", "globex"], params={"limit": 1}).json()
        assert len(paged["data"]) == 1 and paged["links"]["next"]
        elsewhere = api.request(
            "POST",
            f"/admin/v2/orgs/{api.org}/workspaces",
            json={"query": {"field": {"name": "attributes.name", "values": ["acme"]}}},
            headers={"Host": "sandbox.test:1"},
        ).json()
        assert elsewhere["data"][0]["links"]["self"].startswith("http://sandbox.test:1/")
        acme = api.workspaces(["acme"]).json()
        assert acme["data"][0]["links"]["self"].startswith(sandbox.base_url + "/")
        with sqlite3.connect(sandbox.db_path) as conn:
            conn.execute("UPDATE sites SET realm='eu' WHERE cloud_id=?", (ACME_CLOUD_ID,))
        moved = api.workspaces(["acme"]).json()
        assert {w["attributes"]["realm"] for w in moved["data"]} == {"eu"}
        api.close()


def test_nothing_due_is_missed_while_settling_is_skipped() -> None:
    """Reads while nothing is due, then each transition exactly when its time comes: the
    items' processing, the provisioning request's own time, a lapsed window."""
    with running_sandbox(
        clock=lambda: NOW, processing_delay_seconds=20, provisioning_delay_seconds=30
    ) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        ordered = api.provisioned([JIRA])
        waiting = api.provisioned([JIRA], "acme-3")
        order = cookbook_order("jira-enterprise", ordered)
        assert api.place(order).status_code == 200

        def items() -> set[str]:
            got = api.order(order["orderId"], order["transactionAccountId"]).json()
            return {i["processingInfo"]["status"] for i in got["items"]}

        for _ in range(3):
            assert items() == {"PROCESSING"}
        api.advance(19)
        assert items() == {"PROCESSING"}
        api.advance(1)  # the items' ready time
        assert items() == {"SUCCESS"}
        assert api.status(ordered).json()["data"]["status"] == "IN_PROGRESS"
        api.advance(10)  # the request's own time
        assert api.status(ordered).json()["data"]["status"] == "COMPLETED"
        assert api.status(waiting).json()["data"]["status"] == "IN_PROGRESS"
        api.advance(600 - 30)  # the window's end: lapsed only once past it
        assert api.status(waiting).json()["data"]["status"] == "IN_PROGRESS"
        api.advance(1)
        failed = api.status(waiting).json()["data"]
        assert failed["status"] == "FAILED" and "10 minutes" in failed["reason"]
        api.close()


def test_a_lone_requests_window_lapses_in_time() -> None:
    with running_sandbox(clock=lambda: NOW) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        assert api.workspaces().status_code == 200  # settled, with nothing to wait for
        request_id = api.provisioned([JIRA])
        api.advance(600)
        assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
        api.advance(1)
        assert api.status(request_id).json()["data"]["status"] == "FAILED"
        api.close()


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-5, -2.5e-7, 1e-4, 1e16, 1e-10, 5e-324, 0.00001234])
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


def test_only_numbers_send_an_answer_to_the_standard_encoder() -> None:
    """Text that looks like a short exponent inside a string (ids: ``...5e-4b...``) keeps
    orjson's bytes; a number orjson would spell otherwise does not."""
    assert not _respelled(b'{"id":"12345e-4bcd","n":1}')
    assert not _respelled(b'{"note":"x 10.00001"}')
    assert _respelled(b'{"n":1.5e-7}') and _respelled(b"[1,-2.5e-7]") and _respelled(b"1e-5")
    assert _respelled(b'{"n":0.00001}') and _respelled(b"[-0.000025]")


@settings(max_examples=400)
@given(_JSON)
def test_the_fast_encoder_writes_the_standard_encoders_bytes(value: Any) -> None:
    standard = json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    )
    assert encode(value) == standard.encode("utf-8")


@settings(max_examples=400)
@given(_JSON)
def test_the_canonical_spelling_is_the_standard_encoders_sorted_one(value: Any) -> None:
    # Idempotency compares a resend's spelling with one stored by earlier versions.
    standard = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(value) == standard
