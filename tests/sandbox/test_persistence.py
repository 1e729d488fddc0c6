"""State in a ``--db`` file outlives the server: orders, sites, entitlements and the clock."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from harness.contracts import load_profile
from harness.contracts.profile import DEFAULT_PROFILE
from harness.sandbox.app import create_app
from harness.sandbox.owner import DbOwner
from harness.sandbox.store import SCHEMA_VERSION, StoreError
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
        clock = api.control("GET", "/_sandbox/clock").json()
        api.close()
    assert db.exists()

    with running_sandbox(db=db) as second:
        api = Api(second.base_url, second.profile)
        restored = api.control("GET", "/_sandbox/clock").json()
        assert restored["offsetSeconds"] == clock["offsetSeconds"]
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


#: How each earlier schema version differs from the next: statements that take a file of
#: the next version back to it.
_BACK_TO = {
    3: ("DROP INDEX provisioning_ordered_by_site",),
    2: ("DROP INDEX provisioning_in_progress", "DROP INDEX provisioning_new_sites"),
    1: (
        "DROP INDEX order_items_due",
        "CREATE INDEX order_items_due ON order_items(status, ready_at)",
    ),
}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_db_of_an_earlier_schema_version_is_brought_to_this_one(
    tmp_path: Path, version: int
) -> None:
    """Version 1 indexed every order item by (status, ready_at), version 2 only those
    still processing; version 3 also indexes the provisioning requests in progress, version
    4 the ordered ones by site. A file
    of an earlier version is migrated at start and keeps its orders."""
    db = tmp_path / "sandbox.db"
    with running_sandbox(db=db) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        order = cookbook_order("jira-enterprise", api.provisioned([JIRA]))
        assert api.place(order).status_code == 200
        waiting = api.provisioned([JIRA], name="acme-waiting")
        api.close()
    with sqlite3.connect(db) as conn:
        for back in range(SCHEMA_VERSION - 1, version - 1, -1):
            for statement in _BACK_TO[back]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version={version}")
    with running_sandbox(db=db) as sandbox:
        api = Api(sandbox.base_url, sandbox.profile)
        got = api.order(order["orderId"], order["transactionAccountId"])
        assert got.status_code == 200, got.text
        assert api.status(waiting).json()["data"]["status"] == "IN_PROGRESS"
        api.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        indexes = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='index'"))
    assert "WHERE status='PROCESSING'" in indexes["order_items_due"]
    assert {
        "provisioning_in_progress",
        "provisioning_new_sites",
        "provisioning_ordered_by_site",
    } <= set(indexes)


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


# -- a database the sandbox must not start on (issue 13, attacks 3 and 4) --------------


def _made(tmp_path: Path) -> Path:
    db = tmp_path / "org.db"
    create_app(db_path=db).state.sandbox.close()
    return db


def _overwrite_table_pages(db: Path, table: str) -> None:
    """Garbage over a table's root page, the file's size unchanged."""
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()
    size = db.stat().st_size
    with db.open("r+b") as file:
        file.seek((root[0] - 1) * page_size)
        file.write(bytes((i * 37 + 11) % 256 for i in range(page_size)))
    assert db.stat().st_size == size


@pytest.mark.parametrize("table", ["control", "sites", "orders", "order_items"])
def test_a_db_with_damaged_pages_is_refused_at_start(tmp_path: Path, table: str) -> None:
    db = _made(tmp_path)
    _overwrite_table_pages(db, table)
    with pytest.raises(StoreError, match="damaged") as refused:
        create_app(db_path=db)
    assert "\n" not in str(refused.value)


def test_an_empty_db_file_is_refused_not_seeded(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    db.touch()
    with pytest.raises(StoreError, match="empty file"):
        create_app(db_path=db)
    assert db.stat().st_size == 0


def test_a_db_another_sandbox_is_still_creating_is_in_use_not_empty(tmp_path: Path) -> None:
    """Two servers started at once on a new file: the first has created it (0 bytes until
    its first write) and holds it. The second is told the file is in use, not that it is
    an empty file to remove (8 in 25 such starts said so, of a database being served)."""
    db = tmp_path / "org.db"
    first = DbOwner(db)  # as the first server holds it from before it creates the file
    db.touch()
    first.announce("http://127.0.0.1:1")
    try:
        with pytest.raises(StoreError, match="in use by another sandbox") as refused:
            create_app(db_path=db)
        assert "http://127.0.0.1:1" in str(refused.value)
    finally:
        first.release()
    assert db.stat().st_size == 0  # nothing written into it


@pytest.mark.parametrize("change", ["foreign-app", "dropped-column", "extra-table"])
def test_a_db_of_another_schema_is_refused(tmp_path: Path, change: str) -> None:
    if change == "foreign-app":
        db = tmp_path / "org.db"
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            conn.execute("INSERT INTO notes(text) VALUES ('keep me')")
    else:
        db = _made(tmp_path)
        with sqlite3.connect(db) as conn:
            if change == "dropped-column":
                conn.execute("ALTER TABLE orders DROP COLUMN slug")
            else:
                conn.execute("CREATE TABLE extra (x)")
    with pytest.raises(StoreError, match="not a sandbox database of this version"):
        create_app(db_path=db)
    if change == "foreign-app":  # nothing was written into someone else's database
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert tables == {"notes"}


def test_a_second_sandbox_on_the_same_db_is_refused_naming_the_first(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    with running_sandbox(db=db) as first:
        with pytest.raises(StoreError, match="in use by another sandbox") as refused:
            create_app(db_path=db)
        assert f"pid {os.getpid()}" in str(refused.value)
        assert first.base_url in str(refused.value)
        # the first one is untouched
        api = Api(first.base_url, first.profile)
        api.advance(5)
        assert api.control("GET", "/_sandbox/clock").json()["offsetSeconds"] == 5
        api.close()
    # free again once the first has stopped
    with running_sandbox(db=db) as second:
        api = Api(second.base_url, second.profile)
        assert api.control("GET", "/_sandbox/clock").json()["offsetSeconds"] == 5
        api.close()


@pytest.mark.parametrize("alias", ["symlink", "symlinked-folder"])
def test_a_second_sandbox_on_another_name_of_the_same_db_is_refused(
    tmp_path: Path, alias: str
) -> None:
    """The same file by another path (a symbolic link to it, or through a linked folder,
    as /tmp is on macOS) is the same database: two servers on it would each keep their own
    clock over shared rows."""
    (tmp_path / "real").mkdir()
    db = tmp_path / "real" / "org.db"
    if alias == "symlink":
        other = tmp_path / "alias.db"
        other.symlink_to(db)
    else:
        (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
        other = tmp_path / "linked" / "org.db"
    with running_sandbox(db=db) as first:
        with pytest.raises(StoreError, match="in use by another sandbox") as refused:
            create_app(db_path=other)
        assert first.base_url in str(refused.value)
    # and the other way round: the alias first, then the file itself
    with running_sandbox(db=other) as first, pytest.raises(StoreError, match=first.base_url):
        create_app(db_path=db)
    assert sorted(p.name for p in tmp_path.rglob("*.lock")) == []  # released


def test_a_database_file_with_another_name_by_hard_link_is_refused(tmp_path: Path) -> None:
    """A hard link is the same file by a name the lock beside each name cannot see: SQLite
    would keep a write-ahead log beside each name (two servers both started, each with a
    log of its own over one file). A file with several names is refused, saying why."""
    db, other = tmp_path / "org.db", tmp_path / "linked.db"
    with running_sandbox(db=db) as first:
        os.link(db, other)
        with pytest.raises(StoreError, match="2 names") as refused:
            create_app(db_path=other)
        assert "hard link" in str(refused.value)
        api = Api(first.base_url, first.profile)  # the first serves on, untouched
        api.advance(5)
        api.close()
    with pytest.raises(StoreError, match="2 names"):
        create_app(db_path=db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linked.db", "org.db"]
    other.unlink()
    with running_sandbox(db=db) as again:
        api = Api(again.base_url, again.profile)
        assert api.control("GET", "/_sandbox/clock").json()["offsetSeconds"] == 5
        api.close()


def _steps_to_read_a_sites_orders(tmp_path: Path, other_sites: int) -> int:
    """SQLite VM steps ``offerings_being_ordered`` takes for a site with no order, when
    ``other_sites`` other sites each have an order of three items still processing."""
    app = create_app(db_path=tmp_path / f"sandbox-{other_sites}.db")
    store = app.state.sandbox.store
    try:
        with store.transaction() as tx:
            for n in range(other_sites):
                request, order = f"req-{n}", f"order-{n}"
                tx.conn.execute(
                    "INSERT INTO provisioning VALUES(?, 'products', 0, ?, 1, NULL, '[]', '{}', "
                    "'COMPLETED', NULL, ?, 0)",
                    (request, f"site-{n}", order),
                )
                tx.conn.execute(
                    "INSERT INTO orders VALUES(?, '{}', 'ta', 'ig', ?, 'R', 0)", (order, request)
                )
                tx.conn.executemany(
                    "INSERT INTO order_items VALUES(?, ?, 'i', 'o', '{}', 1, 'PROCESSING', "
                    "NULL, NULL, 0)",
                    [(order, i) for i in (1, 2, 3)],
                )
        with store.transaction() as tx:
            steps = 0

            def count() -> int:
                nonlocal steps
                steps += 1
                return 0

            tx.conn.set_progress_handler(count, 1)
            try:
                assert tx.offerings_being_ordered("a-new-site") == []
            finally:
                tx.conn.set_progress_handler(None, 1)
        return steps
    finally:
        store.close()


def test_what_an_order_asks_of_its_sites_other_orders_does_not_read_other_sites(
    tmp_path: Path,
) -> None:
    """ASM-055's check reads the orders of the order's own site only (the index
    provisioning_ordered_by_site): reading every item still processing made each order
    cost more than the last (14 ms a placed order after a few thousand, from 1.4)."""
    few = _steps_to_read_a_sites_orders(tmp_path, 20)
    many = _steps_to_read_a_sites_orders(tmp_path, 2000)
    assert many < few + 50, (few, many)


@pytest.mark.parametrize("change", ["advance", "set", "set-frozen", "reset", "reset-to"])
def test_a_clock_change_whose_commit_fails_leaves_the_clock_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The clock moves in memory only once its move is stored: a commit that fails (a
    full disk) left the server reading a time the database never held, which a restart
    then took back."""
    db = tmp_path / "org.db"
    app = create_app(db_path=db)
    sandbox = app.state.sandbox
    try:
        sandbox.advance(100)
        before = sandbox.clock.offset, sandbox.clock.frozen_at
        transaction = sandbox.store.transaction

        def full(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr("harness.sandbox.store.Tx.set_control", full)
        monkeypatch.setattr("harness.sandbox.store.Tx.set_controls", full, raising=False)
        moves = {
            "advance": lambda: sandbox.advance(60),
            "set": lambda: sandbox.set_clock(2_000_000_000.0),
            "set-frozen": lambda: sandbox.set_clock(2_000_000_000.0, frozen=True),
            "reset": lambda: sandbox.reset(),
            "reset-to": lambda: sandbox.reset((2_000_000_000.0, True)),
        }
        with pytest.raises(sqlite3.OperationalError):
            moves[change]()
        assert (sandbox.clock.offset, sandbox.clock.frozen_at) == before
        monkeypatch.undo()
        with transaction() as tx:
            stored = tx.control("clock_offset", 0.0), tx.control("clock_frozen_at")
        assert stored == before
    finally:
        sandbox.close()
