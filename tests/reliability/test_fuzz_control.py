"""Fuzzing the sandbox's control endpoints (issue 13, deliver 5).

Hypothesis sends any method to any ``/_sandbox`` path (the real ones, unknown ones,
near misses), with or without the org key, the admin token, a site admin or a wrong
key, sent once or twice, any media type, any origin, and bodies that are any JSON value
(huge, negative, fractional, NaN-like, deep) or not JSON at all. After every call:

- the answer is no 5xx, and an error is the envelope;
- a call that is not admitted (no org key or admin token, another origin, a header twice,
  not JSON) changed nothing: the clock and the faults are as before;
- the sandbox still answers: its clock (within 9999-01-01 plus real time), entitlement
  details, workspaces;
- at the end, the database restarts: no call could store a state that breaks it.

``HARNESS_FUZZ_EXAMPLES`` (default 150) sets the number of calls.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness._tls import tls_context
from harness.client import Client, OrderBuilder, OrgApiKey
from harness.contracts import load_profile, schema_uri, validate
from harness.sandbox.clock import LATEST
from harness.sandbox.testing import running_sandbox

from .figures import record
from .shapes import mutated

PROFILE = load_profile()
EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "150"))
ACME_JIRA = PROFILE.catalogue.sites[0].products[0].entitlement_id
KEY = f"Bearer {PROFILE.api_key}"
ADMIN = f"Bearer {PROFILE.admin_token}"
ERROR_SCHEMA = schema_uri("error.json")

CONTROL_PATHS = [
    "/_sandbox/clock",
    "/_sandbox/clock/advance",
    "/_sandbox/clock/set",
    "/_sandbox/reset",
    "/_sandbox/faults",
]
#: Half the calls go to a real control path, the rest to near misses.
PATHS = st.sampled_from(CONTROL_PATHS) | st.sampled_from(
    [
        "/_sandbox/clock",
        "/_sandbox/clock/advance",
        "/_sandbox/reset",
        "/_sandbox/faults",
        "/_sandbox",
        "/_sandbox/",
        "/_sandbox/clock/",
        "/_sandbox/nope",
        "/_sandbox/clock/advance?seconds=5",
        "/_sandbox/%2E%2E/openapi.json",
        "/_sandbox//reset",
        "/_SANDBOX/reset",
        "/%5Fsandbox/reset",
    ]
)
METHODS = st.sampled_from(["GET", "POST", "DELETE"]) | st.sampled_from(
    ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]
)
CREDENTIALS = st.sampled_from(
    [None, KEY, ADMIN, "Bearer wrong-key-00000000", "Basic c2l0ZTphZG1pbg==", "bearer", KEY.lower()]
)
MEDIA = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
    ]
)
ORIGINS = st.sampled_from([None] * 6 + ["https://evil.example", "null", "http://x:1"])

NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 3, 600, 1e308, -1e308, 2.5e11, 1e16, 2**70]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20))
FIELDS = st.sampled_from(
    ["seconds", "epochSeconds", "frozen", "clock", "operation", "fault", "times", "retryAfter",
     "item", "reason", "x"]
)  # fmt: skip
FAULT_VALUES = st.sampled_from(
    ["orders.get", "orders.place", "orders.process", "workspaces.query", "nope", "503", "429",
     "drop", "drop-response", "delay", "fail-item", "418"]
)  # fmt: skip
JSON_VALUES = st.recursive(
    SCALARS | FAULT_VALUES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(FIELDS | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
FAULT_SPECS = st.fixed_dictionaries(
    {"operation": FAULT_VALUES, "fault": FAULT_VALUES},
    optional={
        "times": st.none() | st.integers(-2, 5) | NUMBERS,
        "seconds": st.floats(0, 0.05) | NUMBERS,
        "retryAfter": st.integers(-1, 5) | NUMBERS,
        "item": st.text(max_size=4),
        "reason": st.text(max_size=8),
    },
)
BODIES = st.one_of(
    st.none(),
    st.fixed_dictionaries({"seconds": NUMBERS}).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"epochSeconds": NUMBERS}, optional={"frozen": st.booleans()}).map(
        lambda v: json.dumps(v).encode()
    ),
    st.fixed_dictionaries({"clock": st.fixed_dictionaries({"epochSeconds": NUMBERS})}).map(
        lambda v: json.dumps(v).encode()
    ),
    FAULT_SPECS.map(lambda v: json.dumps(v).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b'{"seconds": NaN}',
            b'{"seconds": 1e999}',
            b'{"seconds": 1, "seconds": 1e308}',
            b'{"seconds": ' + b"9" * 5000 + b"}",
            b"[" * 5000 + b"]" * 5000,
            b'{"seconds": "\\ud800"}',
            b"\xff\xfe",
            b"seconds=5",
        ]
    ),
    st.binary(max_size=64),
)


def snapshot(client: httpx.Client) -> tuple[float, list[Any]]:
    key = {"Authorization": KEY}
    clock = client.get("/_sandbox/clock", headers=key)
    faults = client.get("/_sandbox/faults", headers=key)
    assert clock.status_code == faults.status_code == 200, clock.text + faults.text
    return clock.json()["offsetSeconds"], faults.json()["data"]


def answers(client: httpx.Client) -> None:
    """The sandbox still answers: faults cleared (they may be on purpose), then its clock
    and two of the cookbook's reads."""
    key = {"Authorization": KEY}
    cleared = client.delete("/_sandbox/faults", headers={**key, "Content-Type": "application/json"})
    assert cleared.status_code == 200, cleared.text
    clock = client.get("/_sandbox/clock", headers=key)
    assert clock.status_code == 200, clock.text
    assert clock.json()["epochSeconds"] < LATEST + 3600
    details = client.get(f"/commerce/api/v2/entitlements/{ACME_JIRA}/details", headers=key)
    assert details.status_code == 200, details.text
    workspaces = client.post(f"/admin/v2/orgs/{PROFILE.org_id}/workspaces", headers=key)
    assert workspaces.status_code == 200, workspaces.text


def test_no_control_call_breaks_the_sandbox(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    seen: dict[str, int] = {}
    with (
        running_sandbox(db=db) as server,
        httpx.Client(verify=tls_context(), base_url=server.base_url, timeout=30.0) as client,
    ):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            method=METHODS,
            path=PATHS,
            credentials=st.sampled_from([KEY, ADMIN]) | CREDENTIALS,
            twice=st.sampled_from([False] * 4 + [True]),
            media=st.just("application/json") | MEDIA,
            origin=ORIGINS,
            body=BODIES,
        )
        def call(
            method: str,
            path: str,
            credentials: str | None,
            twice: bool,
            media: str | None,
            origin: str | None,
            body: bytes | None,
        ) -> None:
            headers: list[tuple[str, str]] = []
            if credentials:
                headers.append(("Authorization", credentials))
                if twice:
                    headers.append(("Authorization", KEY))
            if media:
                headers.append(("Content-Type", media))
            if origin:
                headers.append(("Origin", origin))
            before = snapshot(client)
            response = client.request(method, path, headers=headers, content=body)
            seen[str(response.status_code)] = seen.get(str(response.status_code), 0) + 1
            assert response.status_code < 500, f"{method} {path}: {response.text[:300]}"
            if response.status_code >= 400 and method != "HEAD":
                assert validate(ERROR_SCHEMA, response.json()) == [], response.text
            json_body = media is not None and media.split(";")[0] == "application/json"
            admitted = (
                credentials in (KEY, ADMIN)
                and not twice
                and origin is None
                and (method in ("GET", "HEAD") or json_body)
            )
            if not admitted:
                assert snapshot(client) == before, f"{method} {path}: {response.text[:300]}"
            answers(client)

        call()
    # Nothing stored by any call keeps the database from serving again.
    with (
        running_sandbox(db=db) as again,
        httpx.Client(verify=tls_context(), base_url=again.base_url) as client,
    ):
        answers(client)
    record("fuzz-control", {"calls": sum(seen.values()), "by status": dict(sorted(seen.items()))})


def test_no_order_shape_breaks_the_sandbox() -> None:
    """A placeable order (Jira, JSM and Confluence on a new site, its request just made)
    with one place replaced by any JSON value, or removed: refused or placed, never a 5xx;
    and the sandbox answers afterwards."""
    seen: dict[str, int] = {}
    key = {"Authorization": KEY}
    with (
        running_sandbox(clock=lambda: 1_767_225_600.0) as server,
        httpx.Client(
            verify=tls_context(), base_url=server.base_url, timeout=30.0, headers=key
        ) as client,
    ):
        client_api = Client(
            server.base_url, org_id=PROFILE.org_id, auth=OrgApiKey(PROFILE.api_key or "")
        )
        builder = OrderBuilder.for_profile(PROFILE).jira().jsm().confluence()

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        @given(data=st.data())
        def place(data: st.DataObject) -> None:
            server.reset()
            request = client_api.provision_products(
                builder.offerings_to_provision(), "a@example.com", "acme-fuzz", "UTC"
            )
            order = data.draw(mutated(builder.for_request(request).build()))
            account = order.get("transactionAccountId")
            sendable = isinstance(account, str) and account.isascii() and account.isprintable()
            headers = {"X-transaction-account": account} if sendable else {}
            response = client.post("/commerce/api/v2/orders", json=order, headers=headers)
            seen[str(response.status_code)] = seen.get(str(response.status_code), 0) + 1
            assert response.status_code < 500, response.text[:300]
            answers(client)

        with client_api:
            place()
    record("fuzz-orders", {"orders": sum(seen.values()), "by status": dict(sorted(seen.items()))})
