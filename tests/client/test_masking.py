"""Credentials never show: not in repr(), str(), DEBUG logs, errors, exchanges or curl."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from typing import Any

import httpx
import pytest

from harness.client import (
    ApiError,
    Client,
    OrgApiKey,
    SiteAdmin,
    TransportError,
    UnauthorizedError,
)
from harness.contracts import load_profile

from .support import FaultServer, Reply, closed_port_url

PROFILE = load_profile()
KEY = "test-secret-key-Q7Zr29"
EMAIL, TOKEN = "admin@example.com", "test-secret-token-M4xw"
BASIC = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
SECRETS = (KEY, TOKEN, BASIC)
ENTITLEMENT = "f5050916-617d-49d5-9aa8-382185a0c0b3"


def assert_clean(text: str, secrets: tuple[str, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in text, (
            f"a secret leaked: ...{text[max(0, text.find(secret) - 40) :][:100]}"
        )


@pytest.mark.parametrize("auth", [OrgApiKey(KEY), SiteAdmin(EMAIL, TOKEN)], ids=["bearer", "basic"])
def test_auth_sets_the_header_and_hides_it(auth: Any) -> None:
    request = httpx.Request("GET", "https://api.example")
    next(auth.auth_flow(request))
    expected = f"Bearer {KEY}" if isinstance(auth, OrgApiKey) else f"Basic {BASIC}"
    assert request.headers["Authorization"] == expected
    for shown in (repr(auth), str(auth), auth.masked(), auth.curl_header()):
        assert_clean(shown)
    assert "***" in repr(auth)
    client = Client(org_id="o", auth=auth)
    assert_clean(repr(client))
    client.close()


def test_auths_refuse_empty_credentials() -> None:
    with pytest.raises(ValueError):
        OrgApiKey("")
    with pytest.raises(ValueError):
        SiteAdmin(EMAIL, "")


@pytest.mark.parametrize(
    ("auth", "secrets"),
    [(OrgApiKey(KEY), (KEY,)), (SiteAdmin(EMAIL, TOKEN), (TOKEN, BASIC))],
    ids=["bearer", "basic"],
)
def test_nothing_recorded_or_logged_shows_a_secret(
    auth: Any,
    secrets: tuple[str, ...],
    fault_server: FaultServer,
    fault_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A server that echoes credentials back, in an error and in a success body.
    echo = {
        "errors": [
            {"status": "401", "code": "BAD", "title": "Bad", "detail": f"{KEY} {BASIC} {TOKEN}"}
        ]
    }
    fault_server.then(
        Reply(429, echo, headers={"Retry-After": "1"}),
        Reply(401, echo),
        Reply(200, {"entitlementId": ENTITLEMENT, "note": f"{KEY} {TOKEN} {BASIC}"}),
    )
    caplog.set_level(logging.DEBUG, logger="harness.client")
    client = fault_client(auth=auth)
    with pytest.raises(UnauthorizedError) as caught:
        client.entitlement_details(ENTITLEMENT)
    error = caught.value
    for text in (str(error), repr(error), error.body, error.detail or "", *map(str, error.errors)):
        assert_clean(text, secrets)
    details = client.entitlement_details(ENTITLEMENT)
    assert_clean(json.dumps(dict(details.raw)), secrets)
    assert len(client.recorded) == 3
    for exchange in client.recorded:
        assert_clean(repr(exchange), secrets)
        assert_clean(json.dumps(exchange.as_dict()), secrets)
        assert_clean(exchange.as_curl(), secrets)
        assert exchange.request_headers["Authorization"] == f"{auth.scheme} ***"
    assert f"{auth.scheme} ***" in caplog.text
    assert "retrying entitlements.details" in caplog.text
    assert_clean(caplog.text, secrets)
    # The server did receive the real credentials.
    assert fault_server.received[0].headers["authorization"].endswith((KEY, BASIC))


def test_transport_errors_show_no_secret(
    fault_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="harness.client")
    client = fault_client(base_url=closed_port_url(), auth=SiteAdmin(EMAIL, TOKEN))
    with pytest.raises(TransportError) as caught:
        client.entitlement_details(ENTITLEMENT)
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__  # the httpx request stays out
    assert_clean(str(error))
    assert_clean(caplog.text)
    assert all(e.status is None and e.error for e in client.recorded)


def test_a_real_sandbox_run_logs_no_credentials(
    make_client: Any, sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="harness.client")
    admin = sandbox.profile.site_admin("direct")
    clients = [make_client(), make_client(auth=SiteAdmin(admin.email, admin.api_token))]
    for client in clients:
        client.entitlement_details(ENTITLEMENT)
        with pytest.raises(ApiError):
            client.entitlement_details(str(uuid.uuid4()))
    secrets = (sandbox.profile.api_key, admin.api_token)
    texts = [caplog.text] + [
        json.dumps(e.as_dict()) + e.as_curl() for c in clients for e in c.recorded
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "-> entitlements.details GET" in caplog.text and "Bearer ***" in caplog.text
