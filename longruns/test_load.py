"""Load: at least 50 concurrent cookbook journeys (provision all Enterprise products on a
new site, check the status, order, track the order to SUCCESS and the provisioning to
COMPLETED) against one sandbox server, a real subprocess on loopback, each journey
through the real client in its own thread. No journey may fail; every order is in the
sandbox's database exactly once, with one entitlement per item.

Figures (printed and written to ``reports/reliability/load.json``, never asserted):
journeys and requests per second, p50 and p99 journey time. ``HARNESS_LOAD_JOURNEYS`` and
``HARNESS_LOAD_CONCURRENCY`` set the size (100 journeys, 50 at a time).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

from harness.client import Client, Exchange, JourneyResult, OrgApiKey, journeys
from harness.contracts import load_profile
from tests.reliability.figures import percentile, record

from .serve import served

JOURNEYS = int(os.environ.get("HARNESS_LOAD_JOURNEYS", "100"))
CONCURRENCY = int(os.environ.get("HARNESS_LOAD_CONCURRENCY", "50"))
PROFILE = load_profile()


def test_concurrent_journeys_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    assert CONCURRENCY >= 50 and JOURNEYS >= CONCURRENCY
    db = tmp_path / "load.db"
    results: dict[int, JourneyResult] = {}
    errors: list[str] = []
    durations: list[float] = []
    requests: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CONCURRENCY)
    # Items succeed at once, so a journey waits on nothing but the server.
    with served(tmp_path / "serve.log", "--db", str(db), "--processing-delay", "0") as server:

        def worker(number: int) -> None:
            def count(exchange: Exchange) -> None:
                with lock:
                    requests[exchange.operation] += 1

            with Client(
                server.base_url,
                org_id=PROFILE.org_id,
                auth=OrgApiKey(PROFILE.api_key or ""),
                on_exchange=count,
            ) as client:
                start.wait()
                for n in range(number, JOURNEYS, CONCURRENCY):
                    began = time.perf_counter()  # a measurement for the figures only
                    try:
                        result = journeys.new_site(client, PROFILE, f"load-{n:04d}")
                    except Exception as error:
                        with lock:
                            errors.append(f"journey {n}: {type(error).__name__}: {error}")
                        continue
                    with lock:
                        durations.append(time.perf_counter() - began)
                        results[n] = result

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONCURRENCY)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(240)
        elapsed = time.perf_counter() - began
        server.stop()

    assert errors == []
    assert sorted(results) == list(range(JOURNEYS))
    order_ids = [r.order_id for r in results.values()]
    assert len(set(order_ids)) == JOURNEYS
    with closing(sqlite3.connect(db)) as conn:
        stored = dict(conn.execute("SELECT order_id, count(*) FROM orders GROUP BY order_id"))
        made = dict(
            conn.execute(
                "SELECT order_id, count(*) FROM entitlements WHERE order_id IS NOT NULL "
                "GROUP BY order_id"
            )
        )
    assert stored == dict.fromkeys(order_ids, 1)
    assert made == {r.order_id: len(r.order_body["items"]) for r in results.values()}
    total = sum(requests.values())
    record(
        "load",
        {
            "journeys": JOURNEYS,
            "concurrent": CONCURRENCY,
            "requests": total,
            "seconds": round(elapsed, 2),
            "journeys per second": round(JOURNEYS / elapsed, 1),
            "requests per second": round(total / elapsed, 1),
            "journey p50 seconds": round(percentile(durations, 50), 3),
            "journey p99 seconds": round(percentile(durations, 99), 3),
            "errors": len(errors),
            "orders stored": len(stored),
        },
    )
