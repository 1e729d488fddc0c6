"""What checking one message against the contracts costs, in microseconds.

The messages are real ones, made by a sandbox for the benchmark: an all-products order
request (Confluence, Jira and JSM Enterprise and their family container) as the suite
sends it, and the order status response the sandbox answers for it. Each is checked the
way the suite and the sandbox check every message (``validate_request`` and
``validate_response``: operation lookup, headers, parameters, schema); each figure is
the median over ``repeats`` batches of the mean time per call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from statistics import median
from typing import Any

from harness.contracts import Violation, load_profile, validate_request, validate_response


def messages() -> dict[str, Any]:
    """An all-products order request and its order status response, from a sandbox."""
    from .sandbox import Workloads, _orders, run_load, running

    profile = load_profile(None)
    with running("sandbox") as server:
        work = Workloads(profile, server.port)
        order = _orders(work, server.port, 1, "validation", 1)[0]
        placed = run_load(server.port, [work.place(order)], concurrency=1, collect=True)
        got = run_load(server.port, [work.get(order["orderId"])], concurrency=1, collect=True)
        if placed["statuses"] != {"200": 1} or got["statuses"] != {"200": 1}:
            raise RuntimeError("the sandbox did not take the benchmark's order")
        return {
            "order": order,
            "order_headers": work.place_headers | {"Content-Type": "application/json"},
            "order_url": work.path("orders.place"),
            "status": json.loads(got["bodies"][0]),
            "status_url": work.path("orders.get", orderId=order["orderId"]),
        }


def per_call_us(call: Callable[[], Any], *, repeats: int, batch: int) -> float:
    """Median over ``repeats`` batches of the mean microseconds per call."""
    call()  # the first call builds and caches the validators
    means = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            call()
        means.append((time.perf_counter() - start) / batch * 1e6)
    return median(means)


def measure(repeats: int = 7, batch: int = 200) -> dict[str, Any]:
    m = messages()

    def request() -> list[Violation]:
        return validate_request("POST", m["order_url"], m["order_headers"], m["order"])

    def response() -> list[Violation]:
        headers = {"content-type": "application/json"}
        return validate_response("GET", m["status_url"], 200, headers, m["status"])

    problems = request() + response()
    if problems:
        raise RuntimeError(f"the benchmark's messages break the contracts: {problems}")
    # For comparison: the Python validator alone, as every message was checked before
    # jsonschema-rs gave the verdict (it now runs for messages that break a contract).
    from harness.contracts import operation
    from harness.contracts import schema_validator as validator

    slow_request = validator(operation("orders.place").request_schema or "")
    slow_response = validator(operation("orders.get").response_schema(200) or "")
    return {
        "order_request_us": per_call_us(request, repeats=repeats, batch=batch),
        "order_status_response_us": per_call_us(response, repeats=repeats, batch=batch),
        "order_request_python_us": per_call_us(
            lambda: list(slow_request.iter_errors(m["order"])), repeats=repeats, batch=batch // 4
        ),
        "order_status_response_python_us": per_call_us(
            lambda: list(slow_response.iter_errors(m["status"])), repeats=repeats, batch=batch // 4
        ),
        "order_request_bytes": len(json.dumps(m["order"])),
        "order_status_response_bytes": len(json.dumps(m["status"])),
        "repeats": repeats,
        "batch": batch,
    }
