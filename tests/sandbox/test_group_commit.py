"""Group commit (``harness.sandbox.grouping``): the requests of one turn of the server are
stored by one commit, and none is answered before it. Grouped work is invisible to other
programs until committed; a refusal undoes only its own request's work; a transaction
outside the group commits the group with it; a failed commit fails every request of its
group and stores none of them; a served sandbox's answer always follows its commit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.contracts import load_profile
from harness.sandbox.grouping import GroupCommit
from harness.sandbox.operations import HANDLERS, Call, Reply
from harness.sandbox.store import Store
from harness.sandbox.testing import running_sandbox

from .support import JIRA, Api, cookbook_order

NOW = 1_767_225_600.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path / "org.db")
    made.open_for(load_profile(None), NOW)
    yield made
    made.close()


def on_file(store: Store, key: str) -> Any:
    """The control value ``key`` as another program reads the file (None: absent)."""
    with sqlite3.connect(store.path) as other:
        row = other.execute("SELECT value FROM control WHERE key=?", (key,)).fetchone()
    return row and json.loads(row[0])


def break_commit(store: Store) -> None:
    """Make the open transaction's COMMIT fail: a row naming an order that does not exist,
    its foreign key checked only at COMMIT."""
    with store.transaction(grouped=True) as tx:
        tx.conn.execute("PRAGMA defer_foreign_keys=ON")
        tx.conn.execute(
            "INSERT INTO order_items VALUES('no-such-order', 1, 'i', 'o', '{}', 0, "
            "'SUCCESS', NULL, NULL, 0)"
        )


def test_grouped_work_is_stored_by_the_groups_commit_not_before(store: Store) -> None:
    with store.transaction(grouped=True) as tx:
        tx.set_control("first", 1)
    with store.transaction(grouped=True) as tx:
        tx.set_control("second", 2)
    group = store.open_group
    assert group is not None
    assert on_file(store, "first") is None and on_file(store, "second") is None
    store.commit_group(group)
    assert store.open_group is None
    assert (on_file(store, "first"), on_file(store, "second")) == (1, 2)
    store.commit_group(group)  # committed already: nothing to do, nothing raised


def test_a_read_opens_no_group(store: Store) -> None:
    with store.transaction(grouped=True) as tx:
        tx.sites()
    assert store.open_group is None


def test_a_refusal_in_a_group_undoes_only_its_own_work(store: Store) -> None:
    with store.transaction(grouped=True) as tx:
        tx.set_control("kept", "yes")
    with pytest.raises(RuntimeError), store.transaction(grouped=True) as tx:
        tx.set_control("kept", "overwritten")
        tx.set_control("refused", "yes")
        raise RuntimeError("refused")
    with store.transaction(grouped=True) as tx:
        assert (tx.control("kept"), tx.control("refused")) == ("yes", None)
    group = store.open_group
    assert group is not None
    store.commit_group(group)
    assert (on_file(store, "kept"), on_file(store, "refused")) == ("yes", None)


def test_a_transaction_outside_the_group_commits_the_group(store: Store) -> None:
    with store.transaction(grouped=True) as tx:
        tx.set_control("grouped", 1)
    group = store.open_group
    with store.transaction() as tx:
        tx.set_control("alone", 2)
    assert store.open_group is None
    assert (on_file(store, "grouped"), on_file(store, "alone")) == (1, 2)
    assert group is not None
    store.commit_group(group)  # the waiters of that group learn it is stored


def test_a_failed_commit_fails_the_group_and_stores_none_of_it(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_control("before", "committed")
    with store.transaction(grouped=True) as tx:
        tx.set_control("before", "grouped")
    break_commit(store)
    group = store.open_group
    assert group is not None
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_group(group)
    with pytest.raises(sqlite3.IntegrityError):  # every waiter is told, not only the first
        store.commit_group(group)
    assert store.open_group is None
    assert on_file(store, "before") == "committed"
    with store.transaction() as tx:  # usable again, and reads the file, not the lost write
        assert tx.control("before") == "committed"
        tx.set_control("after", 1)
    assert on_file(store, "after") == 1


@pytest.mark.parametrize("caught", [False, True], ids=["raised", "caught"])
def test_a_group_sqlite_rolled_back_is_failed_not_committed(store: Store, caught: bool) -> None:
    """SQLite rolls a whole transaction back on some disk errors (done here by hand): the
    group's requests are failed with that error, whether the request that met it raised
    it or a handler caught it, and nothing of the group is stored."""
    with store.transaction(grouped=True) as tx:
        tx.set_control("grouped", 1)
    group = store.open_group
    assert group is not None
    disk = sqlite3.OperationalError("disk I/O error")
    with contextlib.suppress(sqlite3.OperationalError), store.transaction(grouped=True) as tx:
        tx.set_control("next", 2)
        tx.conn.execute("ROLLBACK")  # what SQLite does itself on SQLITE_IOERR
        if not caught:
            raise disk
    if caught:  # the next transaction finds the group gone
        with store.transaction(grouped=True) as tx:
            tx.set_control("after", 3)
    with pytest.raises(Exception) as failed:
        store.commit_group(group)
    if caught:
        assert "rolled back" in str(failed.value)
    else:
        assert failed.value is disk
    later = store.open_group
    if later is not None:
        store.commit_group(later)
    assert (on_file(store, "grouped"), on_file(store, "next")) == (None, None)
    assert on_file(store, "after") == (3 if caught else None)


def test_the_requests_of_one_turn_share_one_commit_and_its_failure(store: Store) -> None:
    """Three requests scheduled in one turn of the event loop: one commit for all, each
    waits for it; when that commit fails, each of them raises."""
    group_commit = GroupCommit(store)
    commits: list[int] = []
    commit_group = store.commit_group

    def counted(group: Any) -> None:
        commits.append(1)
        commit_group(group)

    store.commit_group = counted  # type: ignore[method-assign]

    async def request(key: str, broken: bool = False) -> str:
        with store.transaction(grouped=True) as tx:
            tx.set_control(key, True)
        if broken:
            break_commit(store)
        await group_commit.durable()
        return key

    async def turn(broken: bool) -> list[Any]:
        return await asyncio.gather(
            request("a"), request("b", broken), request("c"), return_exceptions=True
        )

    assert asyncio.run(turn(False)) == ["a", "b", "c"]
    assert len(commits) == 1
    assert [on_file(store, k) for k in "abc"] == [True, True, True]
    with store.transaction() as tx:
        for key in "abc":
            tx.set_control(key, False)
    failed = asyncio.run(turn(True))
    assert [type(x) for x in failed] == [sqlite3.IntegrityError] * 3
    assert len(commits) == 2
    assert [on_file(store, k) for k in "abc"] == [False, False, False]


def test_every_answered_order_is_in_the_file_when_its_answer_arrives(tmp_path: Path) -> None:
    """Orders placed by 8 clients at once (so that requests share commits): the moment
    each 200 arrives, another program reading the file finds that order."""
    with running_sandbox(db=tmp_path / "org.db", clock=lambda: NOW) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        orders = [
            {
                **cookbook_order("jira-enterprise", api.provisioned([JIRA], name=f"group-{n}")),
                "orderId": str(uuid.uuid4()),  # the sample's own is one orderId for all
            }
            for n in range(24)
        ]
        missing: list[str] = []
        answered: list[int] = []

        def place(mine: list[dict[str, Any]]) -> None:
            caller = Api(sandbox.base_url, sandbox.profile)
            with sqlite3.connect(sandbox.db_path) as other:
                for order in mine:
                    response = caller.place(order)
                    answered.append(response.status_code)
                    row = other.execute(
                        "SELECT 1 FROM orders WHERE order_id=?", (order["orderId"],)
                    ).fetchone()
                    if row is None:
                        missing.append(order["orderId"])
            caller.close()

        threads = [threading.Thread(target=place, args=(orders[n::8],)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        api.close()
    assert answered == [200] * 24
    assert missing == []


def test_a_failed_commit_is_answered_as_a_failure_and_stores_nothing() -> None:
    """An orders.place whose commit fails (a handler that breaks it): 500, not 200, no
    order stored; the next order is placed as usual."""

    def place_then_break(call: Call) -> Reply:
        reply = HANDLERS["orders.place"](call)
        if call.body["orderId"].endswith("0"):
            call.tx.conn.execute("PRAGMA defer_foreign_keys=ON")
            call.tx.conn.execute(
                "INSERT INTO order_items VALUES('no-such-order', 1, 'i', 'o', '{}', 0, "
                "'SUCCESS', NULL, NULL, 0)"
            )
        return reply

    with running_sandbox(clock=lambda: NOW, handlers={"orders.place": place_then_break}) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        broken = cookbook_order("jira-enterprise", api.provisioned([JIRA], name="group-a"))
        broken["orderId"] = str(uuid.uuid4())[:-1] + "0"
        fine = cookbook_order("jira-enterprise", api.provisioned([JIRA], name="group-b"))
        fine["orderId"] = str(uuid.uuid4())[:-1] + "1"
        refused = httpx.post(
            f"{sandbox.base_url}/commerce/api/v2/orders",
            json=broken,
            headers={**api.bearer, "X-transaction-account": broken["transactionAccountId"]},
        )
        assert refused.status_code == 500, refused.text
        assert api.order(broken["orderId"], broken["transactionAccountId"]).status_code == 404
        assert api.place(fine).status_code == 200
        api.close()
