"""Crash safety: a sandbox on ``--db`` (a real ``harness sandbox serve`` subprocess) is
killed with SIGKILL in the middle of a load run and started again on the same file; and
the same with SIGTERM, which stops it cleanly (exit 0) under the same load.
Every order the server acknowledged (its 200 reached the client) is there, whole, once;
an order in flight at the kill is there whole or not at all, and sending it again places
it once; the database passes ``PRAGMA integrity_check``.

Figures: orders acknowledged before the kill, orders in flight, of those the ones the
server had committed, and how long the restart took to answer. ``HARNESS_CRASH_ORDERS``
sets how many acknowledged orders the kill waits for (60), ``HARNESS_CRASH_WRITERS`` the
writer threads (16).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from harness.client import (
    Client,
    HarnessClientError,
    OrderBuilder,
    OrgApiKey,
    RetryPolicy,
    TransportError,
)
from harness.contracts import load_profile
from tests.reliability.figures import record

from .serve import served

ORDERS_BEFORE_KILL = int(os.environ.get("HARNESS_CRASH_ORDERS", "60"))
WRITERS = int(os.environ.get("HARNESS_CRASH_WRITERS", "16"))
PROFILE = load_profile()


def _client(base_url: str) -> Client:
    return Client(
        base_url,
        org_id=PROFILE.org_id,
        auth=OrgApiKey(PROFILE.api_key or ""),
        retry=RetryPolicy.never(),  # a dead server ends a writer at once
    )


def _orders(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT order_id, count(*) FROM orders GROUP BY order_id"))


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_orders_survive_a_kill_or_a_stop_whole_and_once(
    tmp_path: Path, stop: signal.Signals
) -> None:
    db = tmp_path / "crash.db"
    sent: dict[str, dict[str, Any]] = {}  # every order body, before it is sent
    acked: set[str] = set()
    problems: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    with served(tmp_path / "first.log", "--db", str(db), "--processing-delay", "0") as first:

        def writer(number: int) -> None:
            with _client(first.base_url) as client:
                for n in range(10_000):  # bounded; the kill ends it long before
                    builder = OrderBuilder.for_profile(PROFILE).jira()
                    try:
                        request = client.provision_products(
                            builder.offerings_to_provision(),
                            "admin@example.com",
                            f"crash-{number:02d}-{n:04d}",
                            timezone="UTC",
                        )
                        body = builder.for_request(request).build()
                        with lock:
                            sent[body["orderId"]] = body
                        placed = client.place_order(body)
                    except TransportError:
                        return  # the server is gone
                    except HarnessClientError as error:
                        with lock:
                            problems.append(f"writer {number}: {error}")
                        return
                    with lock:
                        acked.add(placed.order_id)
                        if len(acked) >= ORDERS_BEFORE_KILL:
                            enough.set()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        assert enough.wait(120), f"only {len(acked)} orders acknowledged: {problems}"
        # In the middle of the run: every writer is sending.
        if stop is signal.SIGKILL:
            first.kill()
        else:  # requests in flight finish, the database is closed, exit 0
            first.stop()
            assert first.process.returncode == 0, first.log.read_text()[-2000:]
        for thread in threads:
            thread.join(60)
        with lock:
            acked_at_kill, sent_at_kill = set(acked), dict(sent)

    assert problems == []
    in_flight = set(sent_at_kill) - acked_at_kill
    # The file opens and is sound (SQLite recovers the WAL of the killed process here).
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = _orders(db)
    assert acked_at_kill <= set(stored)  # every acknowledged order is there ...
    assert set(stored.values()) == {1}  # ... once
    committed_in_flight = in_flight & set(stored)
    assert set(stored) <= set(sent_at_kill)  # nothing the writers did not send

    began = time.perf_counter()
    with served(tmp_path / "second.log", "--db", str(db), "--processing-delay", "0") as second:
        restarted = time.perf_counter() - began
        with _client(second.base_url) as client:
            for order_id in sorted(acked_at_kill | committed_in_flight):
                body = sent_at_kill[order_id]
                order = client.get_order(order_id, body["transactionAccountId"])
                assert [i.item_id for i in order.items] == [i["itemId"] for i in body["items"]]
            # Sending every order again (as a caller whose answer was lost would): each is
            # the same order, or placed now if the kill came first; none is placed twice.
            for body in sent_at_kill.values():
                again = client.place_order(body)
                assert again.order_id == body["orderId"]
            settled = client.get_order(body["orderId"], body["transactionAccountId"])
            assert settled.status == "SUCCESS"
        second.stop()
    after = _orders(db)
    assert after == dict.fromkeys(sent_at_kill, 1)
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        per_order = dict(
            conn.execute(
                "SELECT order_id, count(*) FROM entitlements WHERE order_id IS NOT NULL "
                "GROUP BY order_id"
            )
        )
    assert per_order == dict.fromkeys(sent_at_kill, 2)  # one entitlement per item, once
    record(
        "crash" if stop is signal.SIGKILL else "crash-sigterm",
        {
            "writers": WRITERS,
            f"acknowledged before {stop.name}": len(acked_at_kill),
            f"in flight at {stop.name}": len(in_flight),
            "in flight and committed": len(committed_in_flight),
            "acknowledged and lost": 0,
            "stored twice": 0,
            "integrity_check": "ok",
            "restart seconds": round(restarted, 2),
        },
    )
