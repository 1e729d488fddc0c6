"""The sandbox's state in SQLite: sites, entitlements, provisioning requests, orders.

One ``Store`` per server. Every request runs inside ``store.transaction()`` (``BEGIN
IMMEDIATE`` ... ``COMMIT``), so a crash never leaves half an order behind; the database
is in WAL mode so a ``--db`` file survives restarts consistently. A served request's
transaction is ``grouped``: a savepoint in the transaction of its server's turn, committed
with the others of that turn before any of them is answered (``grouping``).

SQLite is the durable log; what a transaction reads is also kept in memory (``_Memo``),
since one server owns its file (``owner``): a read of a row read before, and not written
since, costs a dict lookup instead of a query and a decode. A write forgets what it
touches at once (later reads in the same transaction see it); a rollback forgets what the
transaction wrote; a commit by another connection (``PRAGMA data_version``) forgets all.
Values made of rows (``Tx.remembered``: an answer, encoded) are forgotten on any write.

The store knows tables, not the cookbook: ``lifecycle`` decides what the state becomes,
``operations`` what a request may do. ``seed`` writes a profile's initial state.

Sandbox controls live as JSON values in the ``control`` table (``Tx.control`` /
``Tx.set_control``): the clock's offset, the registered faults (``faults``), sequences.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contracts.profile import ARI_PRODUCT, Catalogue, Entitlement, Profile, Site, SiteProduct
from .clock import millis
from .encoding import encode
from .owner import DbInUse, DbOwner

log = logging.getLogger("harness.sandbox")

#: Bump when the tables change; a database of another version is refused, unless
#: ``_MIGRATIONS`` brings it to this one (at start, in one transaction).
SCHEMA_VERSION = 4

#: Version 2's tables and indexes; version 3 adds ``_V3_INDEXES``, version 4 ``_V4_INDEXES``.
_V2_SCHEMA = """
CREATE TABLE control (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                 -- JSON
);
CREATE TABLE sites (
    name             TEXT PRIMARY KEY,
    cloud_id         TEXT NOT NULL UNIQUE,
    family_container TEXT,              -- entitlement id, NULL until a container exists
    realm            TEXT NOT NULL,
    created_at       REAL NOT NULL
);
CREATE TABLE entitlements (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,       -- parent | family-container | product | app
    product        TEXT NOT NULL,       -- family-container | confluence | jira | jsm | app
    offering_id    TEXT,
    site_name      TEXT REFERENCES sites(name),
    product_ari    TEXT,                -- apps: the product they are installed on
    billing_anchor INTEGER,             -- ms since the epoch
    version        INTEGER NOT NULL DEFAULT 1,
    order_id       TEXT,
    created_at     REAL NOT NULL
);
CREATE TABLE relationships (
    id                TEXT PRIMARY KEY,
    entitlement_id    TEXT NOT NULL REFERENCES entitlements(id),
    target_id         TEXT NOT NULL,
    relationship_type TEXT NOT NULL,
    position          INTEGER NOT NULL
);
CREATE INDEX relationships_by_entitlement ON relationships(entitlement_id, position);
CREATE TABLE provisioning (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,          -- products | apps
    created_at  REAL NOT NULL,
    site_name   TEXT NOT NULL,
    new_site    INTEGER NOT NULL,
    product_ari TEXT,
    offerings   TEXT NOT NULL,          -- JSON [{id, location?}]
    parameters  TEXT NOT NULL,          -- JSON
    status      TEXT NOT NULL,          -- IN_PROGRESS | COMPLETED | FAILED
    reason      TEXT,
    order_id    TEXT,                   -- the order that names it
    updated_at  REAL NOT NULL
);
CREATE TABLE orders (
    order_id               TEXT PRIMARY KEY,
    body                   TEXT NOT NULL,   -- canonical JSON, the idempotency key's value
    transaction_account_id TEXT NOT NULL,
    invoice_group_id       TEXT NOT NULL,
    provision_request_id   TEXT NOT NULL,
    slug                   TEXT NOT NULL,
    created_at             REAL NOT NULL
);
CREATE TABLE order_items (
    order_id       TEXT NOT NULL REFERENCES orders(order_id),
    n              INTEGER NOT NULL,    -- 1-based, orderItemId is {orderId}-{n} (ERR-007)
    item_id        TEXT NOT NULL,
    offering_id    TEXT NOT NULL,
    body           TEXT NOT NULL,       -- JSON, the item as ordered
    ready_at       REAL NOT NULL,       -- sandbox time the item finishes processing
    status         TEXT NOT NULL,       -- PROCESSING | SUCCESS | FAILED
    entitlement_id TEXT,
    reason_code    TEXT,
    updated_at     REAL NOT NULL,
    PRIMARY KEY (order_id, n)
);
-- Only items still processing (what settling looks for): a small index, and fewer
-- pages written per order than one over every item ever placed.
CREATE INDEX order_items_due ON order_items(ready_at) WHERE status='PROCESSING';
"""
#: Only the provisioning requests still in progress (what settling and a new site's
#: provisioning look for): without them each of those read every request ever made.
_V3_INDEXES = """
CREATE INDEX provisioning_in_progress ON provisioning(created_at) WHERE status='IN_PROGRESS';
CREATE INDEX provisioning_new_sites ON provisioning(site_name, created_at)
    WHERE status='IN_PROGRESS' AND new_site=1;
"""
#: The ordered provisioning requests of a site (what an order asks of the site's other
#: orders, ASM-055): without it each order read every item still processing.
_V4_INDEXES = """
CREATE INDEX provisioning_ordered_by_site ON provisioning(site_name) WHERE order_id IS NOT NULL;
"""
_SCHEMA = _V2_SCHEMA + _V3_INDEXES + _V4_INDEXES
#: Version 1 indexed every item by (status, ready_at).
_V1_DUE_INDEX = "CREATE INDEX order_items_due ON order_items(status, ready_at);"
_V2_DUE_INDEX = "CREATE INDEX order_items_due ON order_items(ready_at) WHERE status='PROCESSING';"


def _statements(script: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in script.split(";") if s.strip())


#: version -> (its schema, the statements that bring it to the next version).
_MIGRATIONS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: (
        _V2_SCHEMA.replace(_V2_DUE_INDEX, _V1_DUE_INDEX),
        ("DROP INDEX order_items_due", _V2_DUE_INDEX.rstrip(";")),
    ),
    2: (_V2_SCHEMA, _statements(_V3_INDEXES)),
    3: (_V2_SCHEMA + _V3_INDEXES, _statements(_V4_INDEXES)),
}


class StoreError(RuntimeError):
    """A database the sandbox cannot use (damaged, empty, another schema or profile, in use
    by another sandbox): one line naming the file and what to do."""


#: SQLite result codes (primary) that mean the file or the disk failed, not the sandbox.
_STORAGE_FAILURES = {
    5: "busy",
    6: "locked",
    8: "read-only",
    10: "disk I/O error",
    11: "damaged",
    13: "disk full",
    14: "cannot open",
    26: "not a database",
}


def storage_failure(exc: BaseException) -> str | None:
    """What went wrong with the database file, when ``exc`` says the file or the disk
    failed (None: anything else, a sandbox bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.DatabaseError) or not isinstance(code, int):
        return None
    return _STORAGE_FAILURES.get(code & 0xFF)


def sandbox_uuid(*parts: str) -> str:
    """A deterministic UUID for sandbox-made ids, so recordings of the same steps match."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


_NAMESPACE = uuid.UUID("1c6f0e5a-52a4-4bb8-9d0e-8f2b3f4d5a6e")


def canonical_json(value: Any) -> str:
    """One spelling per JSON value: what idempotency compares. The bytes of
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, as
    stored by earlier versions, written by orjson (``encoding.encode``) five times faster."""
    return encode(value, sort_keys=True).decode("utf-8")


def profile_fingerprint(profile: Profile) -> str:
    return hashlib.sha256(canonical_json(profile.public()).encode()).hexdigest()


# -- rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRow:
    name: str
    cloud_id: str
    family_container: str | None
    realm: str
    created_at: float

    @property
    def host_url(self) -> str:
        return f"https://{self.name}.atlassian.net"


@dataclass(frozen=True)
class EntitlementRow:
    id: str
    kind: str
    product: str
    offering_id: str | None
    site_name: str | None
    product_ari: str | None
    billing_anchor: int | None
    version: int
    order_id: str | None
    created_at: float


@dataclass(frozen=True)
class RelationshipRow:
    id: str
    entitlement_id: str
    target_id: str
    relationship_type: str
    position: int


@dataclass(frozen=True)
class ProvisioningRow:
    id: str
    kind: str
    created_at: float
    site_name: str
    new_site: bool
    product_ari: str | None
    offerings: tuple[dict[str, Any], ...]
    parameters: dict[str, Any]
    status: str
    reason: str | None
    order_id: str | None
    updated_at: float

    @property
    def offering_ids(self) -> tuple[str, ...]:
        return tuple(o["id"] for o in self.offerings)


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    canonical_body: str
    transaction_account_id: str
    invoice_group_id: str
    provision_request_id: str
    slug: str
    created_at: float

    @functools.cached_property
    def body(self) -> dict[str, Any]:
        """The order as placed. Decoded when first asked for: reading an order's status
        never needs it, and decoding it was a tenth of an orders.get."""
        return json.loads(self.canonical_body)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ItemRow:
    order_id: str
    n: int
    item_id: str
    offering_id: str
    body: dict[str, Any]
    ready_at: float
    status: str
    entitlement_id: str | None
    reason_code: str | None
    updated_at: float

    @property
    def order_item_id(self) -> str:
        return f"{self.order_id}-{self.n}"


# -- the store ------------------------------------------------------------------------


class Store:
    """A SQLite database file holding one sandbox org's state."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._memo = _Memo()
        self._data_version: int | None = None
        self._group: PendingCommit | None = None
        #: The earliest sandbox time at which the state may change by itself (an item's
        #: processing, a provisioning request's time or window; ``lifecycle``), or None when
        #: not known. ``Tx.due`` brings it forward; ``lifecycle.settle`` works it out.
        self.next_due: float | None = None
        try:
            empty = self.path.is_file() and self.path.stat().st_size == 0
            folder = self.path.parent.is_dir()
        except OSError as exc:  # a name too long, a path through a file...
            raise StoreError(
                f"{self.path}: not a usable sandbox database: {exc.strerror or exc}"
            ) from None
        if not folder:
            raise StoreError(
                f"{self.path}: not a usable sandbox database: {self.path.parent} is no "
                "existing folder"
            )
        try:
            self._owner = DbOwner(self.path)
        except DbInUse as exc:
            raise StoreError(str(exc)) from None
        except OSError as exc:
            raise StoreError(
                f"{self.path}: not a usable sandbox database: cannot lock it: {exc.strerror or exc}"
            ) from None
        names = _hard_links(self.path)
        if names > 1:
            self._owner.release()
            # SQLite keeps the write-ahead log beside the name it opens: a server on each
            # name would keep a log of its own over one file (the lock, beside the name,
            # cannot tell), and each would lose the other's writes.
            raise StoreError(
                f"{self.path}: this database file has {names} names (hard links); the sandbox "
                "keeps its write-ahead log beside the name it is given, so another name could "
                "be served with a log of its own: serve a copy, or a file with one name"
            )
        # Judged once it is ours: a server starting at the same moment holds the file it
        # has just created, empty until its first write (in use, not a file to remove).
        if empty and _is_empty(self.path):
            self._owner.release()
            # Maybe a database that lost its content: seeding it would hide that.
            raise StoreError(
                f"{self.path}: an empty file (0 bytes), not a sandbox database; remove it, "
                "or name a file that does not exist yet"
            )
        try:
            # One connection shared by the server's threads, serialised by a lock: the
            # sandbox is a test double, and serial transactions keep every answer consistent.
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a process crash loses nothing committed; atomicity holds.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # The checkpointer copies the log into the file; the server only past this.
            self._conn.execute(f"PRAGMA wal_autocheckpoint={WAL_FRAMES_LIMIT}")
        except sqlite3.Error as exc:
            self._owner.release()
            raise StoreError(
                f"{self.path}: not a usable sandbox database: {_one_line(exc)}"
            ) from None
        self._checkpointer = _Checkpointer(self.path)

    def announce(self, url: str) -> None:
        """Say which URL serves this database (a second sandbox on it is told)."""
        self._owner.announce(url)

    def open_for(self, profile: Profile, now: float) -> None:
        """Create and seed a new database, or check an existing one before serving it:
        intact (SQLite's quick check), this version's tables, this profile's org, readable
        control values. ``StoreError`` (one line) otherwise; nothing is written then."""
        with self._lock:
            try:
                self._check_intact()
                if not _schema_of(self._conn):
                    self._create(profile, now)
                    return
                version = self._check_schema()
                with self.transaction() as tx:
                    if tx.control("profile") != profile_fingerprint(profile):
                        raise StoreError(
                            f"{self.path}: this database holds another profile's org; start "
                            "on a new --db file or with the profile it was made from"
                        )
                    for key in tx.control_keys():
                        tx.control(key)  # each value must decode
                    # Checked through and through: only now is anything written to it.
                    while version < SCHEMA_VERSION:
                        for statement in _MIGRATIONS[version][1]:
                            tx.conn.execute(statement)
                        version += 1
                    self._conn.execute(f"PRAGMA user_version={version}")
            except sqlite3.Error as exc:
                raise StoreError(self._damaged(_one_line(exc))) from None
            except ValueError as exc:  # a control value that is not JSON
                raise StoreError(self._damaged(f"a control value: {_one_line(exc)}")) from None

    def _create(self, profile: Profile, now: float) -> None:
        with self.transaction() as tx:
            # executescript would COMMIT first: run the statements in this transaction.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    tx.conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            tx.set_control("profile", profile_fingerprint(profile))
            seed(tx, profile, now)

    def _check_intact(self) -> None:
        row = self._conn.execute("PRAGMA quick_check(1)").fetchone()
        if row is None or row[0] != "ok":
            raise StoreError(self._damaged(_one_line(row[0] if row else "no answer")))

    def _check_schema(self) -> int:
        """The database's schema version: this one, or one ``_MIGRATIONS`` brings to it,
        its tables exactly that version's; ``StoreError`` otherwise."""
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION, *_MIGRATIONS):
            raise StoreError(
                f"{self.path}: sandbox database version {version}, this sandbox needs "
                f"{SCHEMA_VERSION}; start on a new --db file"
            )
        schema = _MIGRATIONS[version][0] if version in _MIGRATIONS else _SCHEMA
        have, want = _schema_of(self._conn), _expected_schema(schema)
        if have != want or version == 0:
            differs = sorted({name for name, _ in have ^ want}) or ["user_version"]
            raise StoreError(
                f"{self.path}: not a sandbox database of this version (differs in: "
                f"{', '.join(differs[:5])}); start on a new --db file"
            )
        return int(version)

    def _damaged(self, detail: str) -> str:
        return (
            f"{self.path}: the database is damaged ({detail[:160]}); start on a new --db "
            "file, or restore a copy"
        )

    @contextmanager
    def transaction(self, *, grouped: bool = False) -> Iterator[Tx]:
        """One atomic unit of work: rolled back on error; committed when the block ends,
        with the open group's work if there is one (``grouped=False``), or left to
        ``commit_group`` with the other requests of the server's turn (``grouped=True``:
        the server answers none of them before that commit; ``open_group`` says which)."""
        with self._lock:
            group = self._group
            if group is not None and not self._conn.in_transaction:
                # SQLite rolled the group back on its own (a disk error a handler caught):
                # its requests must not be told their work is stored.
                self._fail(StoreError(f"{self.path}: the open transaction was rolled back"))
                group = None
            # In an open group, each transaction is a savepoint: its own rollback undoes
            # only its own work.
            self._conn.execute("BEGIN IMMEDIATE" if group is None else "SAVEPOINT unit")
            tx = Tx(self._conn, self._memo)
            try:
                if group is None:
                    self._check_data_version()
                tx.next_due = self.next_due
                yield tx
            except BaseException as exc:
                self._undo(tx, group, exc)
                raise
            if group is not None:
                self._conn.execute("RELEASE unit")
            self.next_due = tx.next_due
            if not grouped:
                self._commit()
            elif group is None:
                if tx.written:
                    self._group = PendingCommit()
                else:  # a read: nothing for anyone to wait for
                    self._commit()

    @property
    def open_group(self) -> PendingCommit | None:
        """The grouped work not committed yet (``transaction(grouped=True)``), if any."""
        return self._group

    def commit_group(self, group: PendingCommit) -> None:
        """Commit ``group`` if it is still open (a transaction without ``grouped`` may
        have committed it already); raise what made it fail, if it did."""
        with self._lock:
            if self._group is group:
                self._commit()
        if group.error is not None:
            raise group.error

    def flush(self) -> None:
        """Commit the open group now, if there is one; raise what made it fail."""
        group = self._group
        if group is not None:
            self.commit_group(group)

    def _check_data_version(self) -> None:
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            # Another connection committed (or this is the first transaction): nothing
            # remembered is known to be so.
            self._memo.forget_all()
            self.next_due = None
            self._data_version = version

    def _undo(self, tx: Tx, group: PendingCommit | None, exc: BaseException) -> None:
        if not self._conn.in_transaction:  # SQLite rolled it all back (a disk error)
            self._fail(exc)
            return
        try:
            self._conn.execute("ROLLBACK" if group is None else "ROLLBACK TO unit")
            if group is not None:
                self._conn.execute("RELEASE unit")
        except sqlite3.Error:
            self._fail(exc)
            return
        self._memo.forget(tx.written)

    def _commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except BaseException as exc:
            self._fail(exc)
            raise
        self._group = None

    def _fail(self, exc: BaseException) -> None:
        """Nothing since the last commit is stored: roll back what is left, forget what
        was read or written since, and fail the open group's requests with ``exc``."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
        self._memo.forget_all()
        self.next_due = None
        if self._group is not None:
            self._group.error = exc
            self._group = None

    def reset(
        self, profile: Profile, now: float, controls: Mapping[str, Any] | None = None
    ) -> None:
        """Forget everything and restore the profile's initial state at ``now``, with
        ``controls`` (the clock's rows) written, in one transaction."""
        with self.transaction() as tx:
            for table in (
                "relationships",
                "order_items",
                "orders",
                "provisioning",
                "entitlements",
                "sites",
            ):
                tx.conn.execute(f"DELETE FROM {table}")
            tx.conn.execute("DELETE FROM control WHERE key != 'profile'")
            tx.wrote(*_AFFECTS)
            tx.next_due = None
            seed(tx, profile, now)
            tx.set_controls(controls or {})

    def close(self) -> None:
        self._checkpointer.stop()
        with self._lock:
            self.flush()
            self._conn.close()
            self._owner.release()


#: The server's own connection checkpoints the log only past this many pages (~40 MB),
#: when the checkpointer has fallen behind; SQLite's default is 1000.
WAL_FRAMES_LIMIT = 10_000
#: Seconds between the checkpointer's passes.
CHECKPOINT_INTERVAL = 0.25


class _Checkpointer:
    """Copies committed pages from the write-ahead log into the database file (``PRAGMA
    wal_checkpoint(PASSIVE)``) on a thread and connection of its own, every
    ``CHECKPOINT_INTERVAL`` seconds. On the request path a checkpoint copied ~1000 pages
    and waited for two fsyncs: every ~100th order stalled the server for milliseconds.
    A PASSIVE checkpoint never blocks the server's connection, and changes nothing a
    commit promises: a commit is durable in the log before any checkpoint, as ever."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"checkpointer {path.name}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None)
        except sqlite3.Error as exc:  # the server's own connection says what is wrong
            log.debug("no checkpointer for %s: %s", self._path, exc)
            return
        try:
            while not self._stop.wait(CHECKPOINT_INTERVAL):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # busy, or the file is going: the next pass
                    log.debug("checkpoint of %s: %s", self._path, exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop after the pass under way, if any. Idempotent."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


class PendingCommit:
    """Grouped work (``Store.transaction(grouped=True)``) not committed yet: requests
    answered in one turn of the server, committed together (one commit's fixed cost and
    the pages they share written once). ``error``: why its commit failed."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: BaseException | None = None


class _Memo:
    """Rows (and values made of them) read from the database, by group and key. A group is
    a table, or something built from tables (``_AFFECTS``). Values are shared: callers
    never change them (rows are frozen; lists are handed out as copies)."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[Any, Any]] = {}

    def get(self, group: str, key: Any, load: Callable[[], Any]) -> Any:
        found = self.groups.setdefault(group, {})
        try:
            return found[key]
        except KeyError:
            value = found[key] = load()
            return value

    def remember(self, group: str, key: Any, make: Callable[[], Any], limit: int) -> Any:
        """``get``, keeping at most ``limit`` values in ``group`` (all are dropped first
        when it is full: a client asking many different things holds no memory)."""
        found = self.groups.setdefault(group, {})
        try:
            return found[key]
        except KeyError:
            if len(found) >= limit:
                found.clear()
            value = found[key] = make()
            return value

    def forget(self, groups: Iterable[str]) -> None:
        for group in groups:
            self.groups.pop(group, None)

    def forget_all(self) -> None:
        self.groups.clear()


class _Sites:
    """Every site by name (in name order) and by cloud id."""

    def __init__(self, rows: tuple[SiteRow, ...]) -> None:
        self.rows = rows
        self.by_name = {s.name: s for s in rows}
        self.by_cloud_id = {s.cloud_id: s for s in rows}


#: What a write to each table makes stale: the table's rows, and what is built of them.
#: ``_MADE`` (values made of any rows: ``Tx.remembered``) goes stale on every write.
_MADE = "made"
_AFFECTS: dict[str, tuple[str, ...]] = {
    "control": ("control", _MADE),
    "sites": ("sites", "catalogue", _MADE),
    "entitlements": ("entitlements", "catalogue", _MADE),
    "relationships": ("relationships", _MADE),
    "provisioning": ("provisioning", _MADE),
    "orders": ("orders", _MADE),
    "order_items": ("order_items", _MADE),
}
#: How many made values are kept at most (then all are dropped and made again).
MADE_LIMIT = 256
_MISSING = object()


class Tx:
    """The queries and writes of one transaction."""

    def __init__(
        self, conn: sqlite3.Connection, memo: _Memo | None = None, next_due: float | None = None
    ) -> None:
        self.conn = conn
        self._memo = memo or _Memo()
        #: The groups this transaction's writes made stale (forgotten again on rollback).
        self.written: set[str] = set()
        #: ``Store.next_due`` as this transaction has it (kept when it commits).
        self.next_due = next_due

    def wrote(self, *tables: str) -> None:
        """Forget what writes to ``tables`` make stale (every write method calls this)."""
        for table in tables:
            stale = _AFFECTS[table]
            self.written.update(stale)
            self._memo.forget(stale)

    def remembered(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, or the value it made for ``key`` before, while nothing was written
        since (in any transaction, by this connection or another). For values made only of
        rows this store holds and of ``key`` (an answer to a read, encoded): anything
        else they depend on belongs in ``key``."""
        return self._memo.remember(_MADE, key, make, MADE_LIMIT)

    def due(self, at: float) -> None:
        """The state may change by itself at sandbox time ``at`` (``lifecycle`` says when):
        settling must look again then. Kept when the transaction commits."""
        if self.next_due is not None:
            self.next_due = min(self.next_due, at)

    def settled_until(self, at: float) -> None:
        """Nothing changes by itself before sandbox time ``at`` (``lifecycle.settle``)."""
        self.next_due = at

    # control values (clock offset; fault injection later) -----------------------------

    def control(self, key: str, default: Any = None) -> Any:
        def load() -> Any:
            row = self.conn.execute("SELECT value FROM control WHERE key=?", (key,)).fetchone()
            return json.loads(row["value"]) if row else _MISSING

        value = self._memo.get("control", key, load)
        return default if value is _MISSING else value

    def control_keys(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT key FROM control ORDER BY key")]

    def set_control(self, key: str, value: Any) -> None:
        self.wrote("control")
        self.conn.execute(
            "INSERT INTO control(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, json.dumps(value)),
        )

    def set_controls(self, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            self.set_control(key, value)

    # sites --------------------------------------------------------------------------

    def site(self, name: str) -> SiteRow | None:
        return self._site_index().by_name.get(name)

    def site_by_cloud_id(self, cloud_id: str) -> SiteRow | None:
        return self._site_index().by_cloud_id.get(cloud_id)

    def sites(self) -> list[SiteRow]:
        return list(self._site_index().rows)

    def _sites(self) -> tuple[SiteRow, ...]:
        return self._site_index().rows

    def _site_index(self) -> _Sites:
        def load() -> _Sites:
            rows = self.conn.execute("SELECT * FROM sites ORDER BY name")
            return _Sites(tuple(SiteRow(**dict(r)) for r in rows))

        return self._memo.get("sites", None, load)  # type: ignore[no-any-return]

    def insert_site(self, site: SiteRow) -> None:
        self.wrote("sites")
        self.conn.execute(
            "INSERT INTO sites(name, cloud_id, family_container, realm, created_at) "
            "VALUES(?, ?, ?, ?, ?)",
            (site.name, site.cloud_id, site.family_container, site.realm, site.created_at),
        )

    def set_family_container(self, site_name: str, entitlement_id: str) -> None:
        self.wrote("sites")
        self.conn.execute(
            "UPDATE sites SET family_container=? WHERE name=?", (entitlement_id, site_name)
        )

    # entitlements -------------------------------------------------------------------

    def entitlement(self, entitlement_id: str) -> EntitlementRow | None:
        def load() -> EntitlementRow | None:
            row = self.conn.execute(
                "SELECT * FROM entitlements WHERE id=?", (entitlement_id,)
            ).fetchone()
            return EntitlementRow(**dict(row)) if row else None

        return self._memo.get("entitlements", entitlement_id, load)  # type: ignore[no-any-return]

    def site_entitlements(self, site_name: str) -> list[EntitlementRow]:
        def load() -> tuple[EntitlementRow, ...]:
            rows = self.conn.execute(
                "SELECT * FROM entitlements WHERE site_name=? ORDER BY created_at, id",
                (site_name,),
            )
            return tuple(EntitlementRow(**dict(r)) for r in rows)

        return list(self._memo.get("entitlements", ("site", site_name), load))

    def insert_entitlement(self, ent: EntitlementRow) -> None:
        self.wrote("entitlements")
        self.conn.execute(
            "INSERT INTO entitlements(id, kind, product, offering_id, site_name, product_ari, "
            "billing_anchor, version, order_id, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ent.id,
                ent.kind,
                ent.product,
                ent.offering_id,
                ent.site_name,
                ent.product_ari,
                ent.billing_anchor,
                ent.version,
                ent.order_id,
                ent.created_at,
            ),
        )

    def relationships(self, entitlement_id: str) -> list[RelationshipRow]:
        def load() -> tuple[RelationshipRow, ...]:
            rows = self.conn.execute(
                "SELECT * FROM relationships WHERE entitlement_id=? ORDER BY position",
                (entitlement_id,),
            )
            return tuple(RelationshipRow(**dict(r)) for r in rows)

        return list(self._memo.get("relationships", entitlement_id, load))

    def insert_relationship(self, rel: RelationshipRow) -> None:
        self.wrote("relationships")
        self.conn.execute(
            "INSERT INTO relationships(id, entitlement_id, target_id, relationship_type, "
            "position) VALUES(?, ?, ?, ?, ?)",
            (rel.id, rel.entitlement_id, rel.target_id, rel.relationship_type, rel.position),
        )

    def catalogue(self, base: Catalogue) -> Catalogue:
        """The profile's catalogue over the sites as they are now (for the rules)."""

        def load() -> tuple[Catalogue, Catalogue]:
            sites, apps = [], []
            for site in self._sites():
                entitlements = self.site_entitlements(site.name)
                products = tuple(
                    SiteProduct(e.product, e.offering_id or "", e.id, e.billing_anchor)  # type: ignore[arg-type]
                    for e in entitlements
                    if e.kind == "product"
                )
                made = Site(site.name, site.cloud_id, site.family_container, products)
                sites.append(made)
                # Apps' entitlements are the org's too: the rules say what they cannot be.
                apps += [
                    Entitlement(e.id, "app", "app", made, e.billing_anchor)
                    for e in entitlements
                    if e.kind == "app"
                ]
            return base, base.with_sites(sites, apps)

        # By the base's identity: the same profile's catalogue is asked for every time.
        made_from, made = self._memo.get("catalogue", id(base), load)
        return made if made_from is base else base.with_sites(made.sites, made.apps)  # type: ignore[no-any-return]

    # provisioning requests ------------------------------------------------------------

    def provisioning(self, request_id: str) -> ProvisioningRow | None:
        def load() -> ProvisioningRow | None:
            row = self.conn.execute(
                "SELECT * FROM provisioning WHERE id=?", (request_id,)
            ).fetchone()
            return _provisioning(row) if row else None

        return self._memo.get("provisioning", request_id, load)  # type: ignore[no-any-return]

    def waiting_provisioning(self, *, created_before: float) -> list[ProvisioningRow]:
        """Requests still IN_PROGRESS with no order, created before the given time."""
        return [
            _provisioning(r)
            for r in self.conn.execute(
                "SELECT * FROM provisioning WHERE status='IN_PROGRESS' AND order_id IS NULL "
                "AND created_at < ? ORDER BY created_at",
                (created_before,),
            )
        ]

    def provisioning_awaiting_completion(
        self, created_before: float
    ) -> list[tuple[ProvisioningRow, float]]:
        """Requests still IN_PROGRESS whose order's items all succeeded, made no later than
        ``created_before``; each with the time its last item succeeded."""
        rows = self.conn.execute(
            "SELECT p.*, (SELECT max(i.updated_at) FROM order_items i "
            "WHERE i.order_id = p.order_id) AS done_at FROM provisioning p "
            "WHERE p.status='IN_PROGRESS' AND p.order_id IS NOT NULL AND p.created_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = p.order_id "
            "AND i.status != 'SUCCESS') ORDER BY p.created_at",
            (created_before,),
        ).fetchall()
        found = []
        for row in rows:
            data = dict(row)
            done_at = data.pop("done_at")
            found.append((_provisioning_data(data), float(done_at)))
        return found

    def earliest_waiting_provisioning(self) -> float | None:
        """When the oldest request still IN_PROGRESS with no order was made (None: none)."""
        row = self.conn.execute(
            "SELECT min(created_at) FROM provisioning WHERE status='IN_PROGRESS' "
            "AND order_id IS NULL"
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def pending_new_site(self, site_name: str) -> ProvisioningRow | None:
        """A new-site request for this name that may still create the site."""
        row = self.conn.execute(
            "SELECT * FROM provisioning WHERE site_name=? AND new_site=1 "
            "AND status='IN_PROGRESS' ORDER BY created_at LIMIT 1",
            (site_name,),
        ).fetchone()
        return _provisioning(row) if row else None

    def insert_provisioning(self, p: ProvisioningRow) -> None:
        self.wrote("provisioning")
        self.conn.execute(
            "INSERT INTO provisioning(id, kind, created_at, site_name, new_site, product_ari, "
            "offerings, parameters, status, reason, order_id, updated_at) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                p.id,
                p.kind,
                p.created_at,
                p.site_name,
                int(p.new_site),
                p.product_ari,
                json.dumps(list(p.offerings)),
                json.dumps(p.parameters),
                p.status,
                p.reason,
                p.order_id,
                p.updated_at,
            ),
        )

    def set_provisioning_status(
        self, request_id: str, status: str, at: float, reason: str | None = None
    ) -> None:
        self.wrote("provisioning")
        self.conn.execute(
            "UPDATE provisioning SET status=?, reason=?, updated_at=? WHERE id=?",
            (status, reason, at, request_id),
        )

    def set_provisioning_order(self, request_id: str, order_id: str) -> None:
        self.wrote("provisioning")
        self.conn.execute("UPDATE provisioning SET order_id=? WHERE id=?", (order_id, request_id))

    # orders ---------------------------------------------------------------------------

    def order(self, order_id: str) -> OrderRow | None:
        def load() -> OrderRow | None:
            row = self.conn.execute("SELECT * FROM orders WHERE order_id=?", (order_id,)).fetchone()
            if row is None:
                return None
            data = dict(row)
            return OrderRow(canonical_body=data.pop("body"), **data)

        return self._memo.get("orders", order_id, load)  # type: ignore[no-any-return]

    def items(self, order_id: str) -> list[ItemRow]:
        def load() -> tuple[ItemRow, ...]:
            rows = self.conn.execute(
                "SELECT * FROM order_items WHERE order_id=? ORDER BY n", (order_id,)
            )
            return tuple(_item(r) for r in rows)

        return list(self._memo.get("order_items", order_id, load))

    def orders_with_due_items(self, now: float) -> list[str]:
        """Orders with an item still PROCESSING whose processing time has come."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT order_id FROM order_items WHERE status='PROCESSING' "
                "AND ready_at <= ? ORDER BY ready_at, order_id",
                (now,),
            )
        ]

    def offerings_being_ordered(self, site_name: str) -> list[tuple[str, str]]:
        """(offering id, order id) of each item still PROCESSING of an order for this site
        (the site its provisioning request names)."""
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                # From the site's ordered requests (provisioning_ordered_by_site), not from
                # every item still processing: the latter made placing orders quadratic.
                "SELECT i.offering_id, i.order_id FROM provisioning p "
                "JOIN order_items i ON i.order_id = p.order_id "
                "WHERE p.site_name=? AND p.order_id IS NOT NULL AND i.status='PROCESSING' "
                "ORDER BY i.ready_at",
                (site_name,),
            )
        ]

    def earliest_processing(self) -> float | None:
        """The earliest ready time of an item still PROCESSING (None: none)."""
        row = self.conn.execute(
            "SELECT min(ready_at) FROM order_items WHERE status='PROCESSING'"
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def insert_order(self, order: OrderRow, items: list[ItemRow]) -> None:
        self.wrote("orders", "order_items")
        self.conn.execute(
            "INSERT INTO orders(order_id, body, transaction_account_id, invoice_group_id, "
            "provision_request_id, slug, created_at) VALUES(?, ?, ?, ?, ?, ?, ?)",
            (
                order.order_id,
                order.canonical_body,
                order.transaction_account_id,
                order.invoice_group_id,
                order.provision_request_id,
                order.slug,
                order.created_at,
            ),
        )
        # One statement for every item, each body encoded by orjson: two thirds of the
        # cost of writing an order's rows went to per-item statements and json.dumps.
        self.conn.executemany(
            "INSERT INTO order_items(order_id, n, item_id, offering_id, body, ready_at, "
            "status, entitlement_id, reason_code, updated_at) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    item.order_id,
                    item.n,
                    item.item_id,
                    item.offering_id,
                    encode(item.body).decode("utf-8"),
                    item.ready_at,
                    item.status,
                    item.entitlement_id,
                    item.reason_code,
                    item.updated_at,
                )
                for item in items
            ],
        )

    def finish_item(
        self,
        order_id: str,
        n: int,
        status: str,
        at: float,
        entitlement_id: str | None = None,
        reason_code: str | None = None,
    ) -> None:
        self.wrote("order_items")
        self.conn.execute(
            "UPDATE order_items SET status=?, entitlement_id=?, reason_code=?, updated_at=? "
            "WHERE order_id=? AND n=?",
            (status, entitlement_id, reason_code, at, order_id, n),
        )


def _schema_of(conn: sqlite3.Connection) -> set[tuple[str, str | None]]:
    """The database's tables and indexes, as (name, SQL) pairs."""
    return {(r[0], r[1]) for r in conn.execute("SELECT name, sql FROM sqlite_master")}


@functools.cache
def _expected_schema(schema: str = _SCHEMA) -> frozenset[tuple[str, str | None]]:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(schema)
        return frozenset(_schema_of(conn))
    finally:
        conn.close()


def _hard_links(path: Path) -> int:
    """How many names the file has (0: not there yet)."""
    try:
        return os.stat(path).st_nlink
    except OSError:
        return 0


def _is_empty(path: Path) -> bool:
    """Whether the file is there and holds 0 bytes (gone meanwhile: not empty, new)."""
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _provisioning(row: sqlite3.Row) -> ProvisioningRow:
    return _provisioning_data(dict(row))


def _provisioning_data(data: dict[str, Any]) -> ProvisioningRow:
    data["offerings"] = tuple(json.loads(data["offerings"]))
    data["parameters"] = json.loads(data["parameters"])
    data["new_site"] = bool(data["new_site"])
    return ProvisioningRow(**data)


def _item(row: sqlite3.Row) -> ItemRow:
    data = dict(row)
    data["body"] = json.loads(data["body"])
    return ItemRow(**data)


# -- the profile's initial state ------------------------------------------------------


def seed(tx: Tx, profile: Profile, now: float) -> None:
    """Write the profile's org: parent entitlements, and each site with its family
    container and products, related as the cookbook's entitlement-details sample shows."""
    catalogue = profile.catalogue
    for product, ent_id in catalogue.parent_entitlements.items():
        tx.insert_entitlement(
            EntitlementRow(ent_id, "parent", product, None, None, None, None, 1, None, now)
        )
    containers = catalogue.offerings_of("family-container")
    container_offering = containers[0].id if containers else None
    for site in catalogue.sites:
        realm = profile.defaults.get("location", "us")
        tx.insert_site(SiteRow(site.name, site.cloud_id, site.family_container, realm, now))
        if site.family_container:
            tx.insert_entitlement(
                EntitlementRow(
                    site.family_container,
                    "family-container",
                    "family-container",
                    container_offering,
                    site.name,
                    None,
                    None,
                    1,
                    None,
                    now,
                )
            )
        for site_product in site.products:
            _seed_product(tx, catalogue, site, site_product, now)


def _seed_product(
    tx: Tx, catalogue: Catalogue, site: Site, product: SiteProduct, now: float
) -> None:
    kind = "product" if product.product in ARI_PRODUCT else product.product
    # Every entitlement an org has bills from an anchor (the details give it, and an app
    # ordered on it must carry it, REL-014); a profile may not know it: anchor it at seeding,
    # as an ordered entitlement is anchored when it is made (lifecycle).
    anchor = product.billing_anchor if product.billing_anchor is not None else millis(now)
    tx.insert_entitlement(
        EntitlementRow(
            product.entitlement_id,
            kind,
            product.product,
            product.offering_id,
            site.name,
            None,
            anchor,
            1,
            None,
            now,
        )
    )
    offering = catalogue.offering(product.offering_id)
    targets: list[tuple[str, str]] = []
    parent = catalogue.parent_entitlements.get(product.product)
    if offering is not None and offering.is_enterprise_instance and parent:
        targets.append(("ENTERPRISE", parent))
    if offering is not None and offering.is_jira_family and site.family_container:
        targets.append(("FAMILY_CONTAINER", site.family_container))
    for position, (kind_, target) in enumerate(targets):
        tx.insert_relationship(
            RelationshipRow(
                sandbox_uuid("relationship", product.entitlement_id, str(position)),
                product.entitlement_id,
                target,
                kind_,
                position,
            )
        )
