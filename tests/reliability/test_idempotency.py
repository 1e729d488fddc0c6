"""Idempotency under faults: an order whose answer is lost (or throttled, or refused by a
failing gateway, or too slow) is sent again with the same orderId, and the sandbox ends
with exactly one order and one entitlement per item.

Hypothesis draws a sequence of faults for ``orders.place``; each example resets one
running sandbox, provisions, registers the sequence and places the order the way the
client's documentation says a caller should: the client retries what it may, and when it
gives up the caller sends the *same* body again. Real HTTP on loopback, real SQLite.

``HARNESS_FAULT_SEQUENCES`` sets the number of sequences (30 here; ``scripts/reliability``
runs 200).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness._tls import tls_context
from harness.client import (
    Client,
    Exchange,
    OrderBuilder,
    OrgApiKey,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from harness.sandbox.testing import SandboxServer, running_sandbox

from .figures import record

EXAMPLES = int(os.environ.get("HARNESS_FAULT_SEQUENCES", "30"))
#: Faults an order POST may meet; "delay" outlasts the client's read timeout below.
FAULTS = ["drop", "drop-response", "429", "500", "502", "503", "504", "delay"]
SEQUENCES = st.lists(st.sampled_from(FAULTS), max_size=6)
#: The client gives up on an answer after this long (the delay fault waits 5 s).
READ_TIMEOUT = 0.25


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    # Items succeed at once (the entitlements exist at the next request); time stands still.
    with running_sandbox(clock=lambda: 1_767_225_600.0, processing_delay_seconds=0) as running:
        yield running


def _count(server: SandboxServer, sql: str, *args: Any) -> int:
    with server.sandbox.store.transaction() as tx:
        return int(tx.conn.execute(sql, args).fetchone()[0])


def _place_once(server: SandboxServer, faults: list[str], stats: Counter[str]) -> None:
    server.reset()
    exchanges: list[Exchange] = []
    patient = Client(
        server.base_url, org_id=server.profile.org_id, auth=OrgApiKey(server.profile.api_key or "")
    )
    client = Client(
        server.base_url,
        org_id=server.profile.org_id,
        auth=OrgApiKey(server.profile.api_key or ""),
        timeout=httpx.Timeout(10.0, read=READ_TIMEOUT),
        retry=RetryPolicy(max_attempts=3),
        sleep=lambda seconds: None,  # backoff and Retry-After are the client's business
        on_exchange=exchanges.append,
    )
    key = {"Authorization": f"Bearer {server.profile.api_key}"}
    with (
        patient,
        client,
        httpx.Client(verify=tls_context(), base_url=server.base_url, headers=key) as control,
    ):
        builder = OrderBuilder.for_profile(server.profile).jira()
        request = patient.provision_products(
            builder.offerings_to_provision(), "admin@example.com", "acme-idem", timezone="UTC"
        )
        body = builder.for_request(request).build()
        for fault in faults:
            spec: dict[str, Any] = {"operation": "orders.place", "fault": fault}
            if fault == "delay":
                spec["seconds"] = 5
            control.post("/_sandbox/faults", json=spec).raise_for_status()
        # The caller's part: the same body again until it is accepted (bounded; a busy
        # machine may add a timeout of its own to the injected faults).
        for _ in range(len(faults) + 3):
            try:
                placed = client.place_order(body)
                break
            except (TransportError, ServerError, RateLimitedError):
                stats["caller resends"] += 1
        else:
            raise AssertionError(f"not placed after {len(faults) + 3} sends: {faults}")
        order = patient.get_order(placed.order_id, placed.transaction_account_id)
        left = control.get("/_sandbox/faults").json()["data"]

    attempts = [e for e in exchanges if e.operation == "orders.place"]
    stats["order POSTs"] += len(attempts)
    stats["faults"] += len(faults)
    assert {e.request_body for e in attempts} == {attempts[0].request_body}, "bodies differ"
    assert all(f["remaining"] == 0 for f in left), f"faults not met: {left}"
    assert len(attempts) >= len(faults) + 1  # one per fault, and the one that succeeded
    # Exactly one order, one entitlement per item, one provisioning request it completed.
    order_id = body["orderId"]
    assert placed.order_id == order_id == order.order_id
    assert [i.status for i in order.items] == ["SUCCESS", "SUCCESS"]
    assert _count(server, "SELECT count(*) FROM orders") == 1
    assert _count(server, "SELECT count(*) FROM order_items WHERE order_id=?", order_id) == 2
    made = _count(server, "SELECT count(*) FROM entitlements WHERE order_id=?", order_id)
    assert made == 2 == len(set(order.entitlement_ids.values()))
    assert _count(server, "SELECT count(*) FROM provisioning WHERE order_id=?", order_id) == 1


def test_an_order_meeting_any_fault_sequence_is_placed_exactly_once(
    server: SandboxServer,
) -> None:
    sequences: list[list[str]] = []
    stats: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(faults=SEQUENCES)
    @example(faults=["drop-response"])
    @example(faults=["drop-response", "drop-response", "drop-response", "503", "delay"])
    def placed_once(faults: list[str]) -> None:
        _place_once(server, faults, stats)
        sequences.append(faults)

    started = time.perf_counter()
    placed_once()
    elapsed = time.perf_counter() - started
    assert len(sequences) >= EXAMPLES
    lost = sum("drop-response" in s for s in sequences)
    assert lost > 0  # the lost-response case was among them
    record(
        "idempotency",
        {
            "sequences": len(sequences),
            "with a lost response": lost,
            "faults injected": stats["faults"],
            "order POSTs": stats["order POSTs"],
            "caller resends": stats["caller resends"],
            "orders per sequence": 1,
            "seconds": round(elapsed, 1),
        },
    )
