"""The control endpoints (``/_sandbox/...``) answer only the org's own tools (issue 13,
attack 2): the org API key or the sandbox admin token as Bearer, a JSON body on anything
but GET, and no browser on another origin. The guard is a property of the path prefix,
so a control route added later is guarded too."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from harness._tls import tls_context
from harness.sandbox import app as sandbox_app
from harness.sandbox.testing import SandboxServer, running_sandbox

from .support import Api, codes

#: Every control route, with a body it takes.
ROUTES = [
    ("GET", "/_sandbox/clock", None),
    ("POST", "/_sandbox/clock/advance", {"seconds": 1}),
    ("POST", "/_sandbox/clock/set", {"epochSeconds": 1_767_225_600, "frozen": True}),
    ("POST", "/_sandbox/reset", {}),
    ("GET", "/_sandbox/faults", None),
    ("POST", "/_sandbox/faults", {"operation": "orders.get", "fault": "503"}),
    ("DELETE", "/_sandbox/faults", {}),
]


@pytest.fixture
def raw(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(verify=tls_context(), base_url=sandbox.base_url, timeout=10.0) as client:
        yield client


def state(sandbox: SandboxServer) -> tuple[float, list[Any]]:
    """The clock offset and the registered faults: what a control call could change."""
    caller = Api(sandbox.base_url, sandbox.profile)
    try:
        offset = caller.control("GET", "/_sandbox/clock").json()["offsetSeconds"]
        return offset, caller.control("GET", "/_sandbox/faults").json()["data"]
    finally:
        caller.close()


def test_every_control_route_is_in_the_table() -> None:
    assert {(m, p) for m, p, _ in ROUTES} == {(m, p) for m, p, _ in sandbox_app.CONTROL_ROUTES}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(
    "credentials",
    [None, "Bearer wrong-key-0000", "Basic", "Token sandbox-org-api-key"],
    ids=["none", "wrong-bearer", "site-admin", "other-scheme"],
)
def test_without_the_org_key_a_control_call_is_refused_and_changes_nothing(
    sandbox: SandboxServer, raw: httpx.Client, method: str, path: str, body: Any, credentials: Any
) -> None:
    api = Api(sandbox.base_url, sandbox.profile)
    api.advance(7)  # some state a reset would lose
    before = state(sandbox)
    headers = {"Content-Type": "application/json"}
    if credentials == "Basic":
        headers.update(api.basic())
    elif credentials:
        headers["Authorization"] = credentials
    response = raw.request(method, path, headers=headers, json=body)
    assert response.status_code == (403 if credentials == "Basic" else 401), response.text
    assert codes(response) <= {"UNAUTHENTICATED", "FORBIDDEN"}
    assert state(sandbox) == before
    api.close()


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] != "GET"])
@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_state_changing_control_call_needs_a_json_body(
    sandbox: SandboxServer,
    raw: httpx.Client,
    method: str,
    path: str,
    body: Any,
    content_type: str | None,
) -> None:
    """What a cross-site form or fetch could send as a 'simple request' is refused."""
    api = Api(sandbox.base_url, sandbox.profile)
    api.advance(7)
    before = state(sandbox)
    headers = dict(api.bearer)
    if content_type:
        headers["Content-Type"] = content_type
    response = raw.request(method, path, headers=headers, content=json.dumps(body))
    assert response.status_code == 415, response.text
    assert codes(response) == {"UNSUPPORTED_MEDIA_TYPE"}
    assert state(sandbox) == before
    api.close()


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1"])
def test_a_browser_on_another_origin_is_refused(
    sandbox: SandboxServer, raw: httpx.Client, method: str, path: str, body: Any, origin: str
) -> None:
    api = Api(sandbox.base_url, sandbox.profile)
    api.advance(7)
    before = state(sandbox)
    headers = {**api.bearer, "Origin": origin}
    response = raw.request(method, path, headers=headers, json=body)
    assert response.status_code == 403, response.text
    assert "access-control-allow-origin" not in response.headers
    assert state(sandbox) == before
    # The preflight a browser sends first gets no CORS permission either.
    preflight = raw.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 403
    assert not any(h.startswith("access-control-") for h in preflight.headers)
    api.close()


def test_the_sandboxs_own_origin_and_the_org_key_are_let_through(
    sandbox: SandboxServer, raw: httpx.Client
) -> None:
    api = Api(sandbox.base_url, sandbox.profile)
    headers = {**api.bearer, "Origin": sandbox.base_url}
    moved = raw.post("/_sandbox/clock/advance", headers=headers, json={"seconds": 5})
    assert moved.status_code == 200, moved.text
    assert moved.json()["offsetSeconds"] == 5
    reset = raw.post("/_sandbox/reset", headers={**api.bearer, "Content-Type": "application/json"})
    assert reset.status_code == 200, reset.text
    api.close()


def test_the_sandbox_admin_token_of_the_profile_is_let_through(
    sandbox: SandboxServer, raw: httpx.Client
) -> None:
    token = sandbox.profile.admin_token
    assert token and token != sandbox.profile.api_key
    bearer = {"Authorization": f"Bearer {token}"}
    assert raw.get("/_sandbox/clock", headers=bearer).status_code == 200
    assert raw.post("/_sandbox/reset", headers=bearer, json={}).status_code == 200
    # ... and it is no key to the org's API
    workspaces = raw.post(f"/admin/v2/orgs/{sandbox.profile.org_id}/workspaces", headers=bearer)
    assert workspaces.status_code == 401


def test_a_control_route_added_later_is_guarded_too() -> None:
    """The guard belongs to the /_sandbox prefix, not to each handler."""

    def shout(sandbox: Any, request: Request, body: Any) -> Response:
        return JSONResponse({"shouted": body})

    routes = (*sandbox_app.CONTROL_ROUTES, ("POST", "/_sandbox/x", shout))
    with (
        running_sandbox(control_routes=routes) as server,
        httpx.Client(verify=tls_context(), base_url=server.base_url) as client,
    ):
        key = {"Authorization": f"Bearer {server.profile.api_key}"}
        assert client.post("/_sandbox/x", json={"a": 1}).status_code == 401
        assert client.post("/_sandbox/x", headers=key, content=b"{}").status_code == 415
        shouted = client.post("/_sandbox/x", headers=key, json={"a": 1})
        assert shouted.json() == {"shouted": {"a": 1}}


def test_the_contracts_stay_public(raw: httpx.Client) -> None:
    """``/openapi.json`` is for the tools users point at it: no credentials needed."""
    assert raw.get("/openapi.json").status_code == 200


def test_a_site_admins_basic_credentials_are_not_an_org_key(sandbox: SandboxServer) -> None:
    admin = sandbox.profile.site_admin("direct")
    token = base64.b64encode(f"{admin.email}:{admin.api_token}".encode()).decode()
    with httpx.Client(verify=tls_context(), base_url=sandbox.base_url) as client:
        response = client.get("/_sandbox/clock", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 403
