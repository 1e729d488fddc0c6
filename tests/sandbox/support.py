"""A plain-httpx caller of the sandbox for the tests, checking every response it gets.

``Api`` is deliberately not the harness's client library: it sends exactly the requests
the cookbook shows, and a response hook holds every answer against the contracts
(``validate_response``, or the error envelope's schema for paths outside them).
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from harness._tls import tls_context
from harness.contracts import Profile, find_operation, schema_uri, validate, validate_response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"

# Catalogue ids of the default profile (the cookbook's sample ids).
CONFLUENCE = "39605741-b92f-4763-8229-7bba2d16433c"
JIRA = "799958b5-36bb-4a3d-9289-9fd2986352a7"
JSM = "4021727f-e6d1-47ad-be64-2367755f5c51"
JIRA_PREMIUM = "6dd805b4-da75-4374-a7a7-cf0b12f7ea07"
CONTAINER = "009f8789-c10c-4366-9420-f712d02a6499"
APP = "3198373c-f623-445a-be6d-da924f4161d2"
APP_KEY = "com.example.cookbook-app"
PARENT = {
    "confluence": "1036832a-8660-4293-9178-3a12b19bc67c",
    "jira": "58146793-4749-4db3-8c36-0cd59aa10b50",
    "jsm": "a4c95dd2-eb2d-46a8-b9a4-7076fb8e7548",
}
ACME_CLOUD_ID = "4745a76c-290c-49d4-aa23-04d5ccb3c52d"
ACME_JIRA = "f5050916-617d-49d5-9aa8-382185a0c0b3"
ACME_CONTAINER = "d71ec13e-301b-35bf-9808-653f5be6c256"  # the app sample's parent
GLOBEX_CLOUD_ID = "c9c33dfb-7cc6-42dc-8243-4abe82128f16"
GLOBEX_JIRA = "edf3f6c3-22a3-3f34-a21f-8c6395ac0074"
GLOBEX_CONTAINER = "c69b31ea-ed4b-37d0-91c3-583a40c8fd9c"
HOOLI_CLOUD_ID = "b1e2f8d5-7b5e-47d2-9fcd-83b6b64da4e7"
HOOLI_JIRA = "73a8edb7-a48f-3a03-8609-5a616930f01c"  # the entitlement-details sample's
HOOLI_JSM = "d2e47e7a-f7c7-4fc2-8999-f8e2e3c2a385"
HOOLI_CONTAINER = "92ee1d1d-9f6c-3288-b1d9-12dbf5086ef6"
#: An id nothing in the sandbox has (fixed: test ids must be the same in every xdist worker).
UNKNOWN = "0b1e9f3a-7c2d-4e5f-8a6b-9c0d1e2f3a4b"


def ari(product_part: str, cloud_id: str) -> str:
    return f"ari:cloud:{product_part}::site/{cloud_id}"


def encoded(value: str) -> str:
    """A product ARI as one path segment, as the cookbook says."""
    return quote(value, safe="")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def cookbook_order(name: str, provision_request_id: str, **replace: str) -> dict[str, Any]:
    """A cookbook order sample (``order-place-{name}.request.json``) with the ids an earlier
    step produced: the provisioning request, a real orderId for the Postman placeholder
    (ERR-011), and any ``{{placeholder}}`` given as keyword (``jiraFamilyContainerEntitlementId``).
    """
    text = (FIXTURES / f"order-place-{name}.request.json").read_text(encoding="utf-8")
    text = text.replace("{{$randomUUID}}", str(uuid.uuid4()))
    for key, value in replace.items():
        text = text.replace("{{" + key + "}}", value)
    order = json.loads(text)
    order["metadata"]["provisionRequestId"] = provision_request_id
    return order


class Api:
    """The sandbox's HTTP API, called with plain httpx; every response is checked."""

    def __init__(self, base_url: str, profile: Profile) -> None:
        self.base_url = base_url
        self.profile = profile
        self.org = profile.org_id
        self.checked = 0
        self.client = httpx.Client(
            verify=tls_context(),
            base_url=base_url,
            timeout=10.0,
            event_hooks={"response": [self._check]},
        )

    def close(self) -> None:
        self.client.close()

    # credentials ----------------------------------------------------------------------

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.profile.api_key}"}

    def basic(self, role_via: str = "direct") -> dict[str, str]:
        admin = self.profile.site_admin(role_via)
        token = base64.b64encode(f"{admin.email}:{admin.api_token}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    # calls ----------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, auth: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(self.bearer if auth is None else auth), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def provision(
        self,
        offerings: list[str],
        name: str = "acme-2",
        *,
        timezone: str | None = "Australia/Sydney",
        auth: dict[str, str] | None = None,
    ) -> httpx.Response:
        parameters: dict[str, Any] = {"adminEmail": "admin@example.com", "name": name}
        if timezone:
            parameters["timezone"] = timezone
        body = {
            "offerings": [{"id": o, "location": "us"} for o in offerings],
            "parameters": parameters,
        }
        return self.request(
            "POST", f"/admin/installations/v2/orgs/{self.org}/products", json=body, auth=auth
        )

    def provisioned(self, offerings: list[str], name: str = "acme-2", **kwargs: Any) -> str:
        """Provision and return the request id, the statusUrl's last segment."""
        response = self.provision(offerings, name, **kwargs)
        assert response.status_code == 200, response.text
        status_url = response.json()["data"]["statusUrl"]
        assert status_url.startswith(f"{self.base_url}/admin/installations/v2/orgs/{self.org}/")
        return status_url.rsplit("/", 1)[1]

    def provision_app(
        self,
        product_ari: str,
        offering: str = APP,
        app_key: str = APP_KEY,
        *,
        auth: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = fixture("apps-provision.request.json")
        body["offerings"] = [{"id": offering}]
        body["parameters"]["appKey"] = app_key
        path = f"/admin/installations/v2/orgs/{self.org}/products/{encoded(product_ari)}/apps"
        return self.request("POST", path, json=body, auth=auth)

    def status(self, request_id: str, *, auth: dict[str, str] | None = None) -> httpx.Response:
        path = f"/admin/installations/v2/orgs/{self.org}/products/status/{request_id}"
        return self.request("GET", path, auth=auth)

    def place(
        self,
        order: Any,
        *,
        version: str = "v2",
        account_header: bool = True,
        auth: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if account_header and isinstance(order, dict) and "transactionAccountId" in order:
            sent.setdefault("X-transaction-account", order["transactionAccountId"])
        return self.request(
            "POST", f"/commerce/api/{version}/orders", json=order, auth=auth, headers=sent
        )

    def order(
        self, order_id: str, account: str | None, *, auth: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = {"X-transaction-account": account} if account else {}
        return self.request(
            "GET", f"/commerce/api/v2/orders/{order_id}", auth=auth, headers=headers
        )

    def workspaces(
        self,
        names: list[str] | None = None,
        *,
        auth: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        body = (
            {"query": {"field": {"name": "attributes.name", "values": names}}}
            if names is not None
            else None
        )
        return self.request(
            "POST", f"/admin/v2/orgs/{self.org}/workspaces", json=body, auth=auth, params=params
        )

    def entitlements(
        self, product_ari: str, *, auth: dict[str, str] | None = None
    ) -> httpx.Response:
        path = (
            f"/admin/installations/v2/orgs/{self.org}/products/{encoded(product_ari)}/entitlements"
        )
        return self.request("GET", path, auth=auth)

    def details(self, entitlement_id: str, *, auth: dict[str, str] | None = None) -> httpx.Response:
        return self.request(
            "GET", f"/commerce/api/v2/entitlements/{entitlement_id}/details", auth=auth
        )

    def control(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """A control endpoint (``/_sandbox/...``), called as they require: the org API key,
        and a JSON body on anything but GET (``{}`` when there is nothing to say)."""
        if body is None and method != "GET":
            body = {}
        return self.client.request(method, path, headers=self.bearer, json=body)

    def advance(self, seconds: float) -> None:
        response = self.control("POST", "/_sandbox/clock/advance", {"seconds": seconds})
        assert response.status_code == 200, response.text

    # the check ------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        """Every response is JSON, an error is the envelope, and an operation's response
        conforms to the contracts."""
        response.read()
        request = response.request
        target = request.url.raw_path.decode("ascii")
        status = response.status_code
        assert status < 500, f"{request.method} {target}: {status} {response.text[:500]}"
        self.checked += 1
        if request.method == "HEAD":  # a HEAD answer has headers only
            return
        media = response.headers.get("content-type", "").split(";")[0]
        assert media == "application/json", f"{request.method} {target}: {media!r}"
        body = response.json()
        if find_operation(request.method, target) is not None:
            problems = validate_response(request.method, target, status, response.headers, body)
        elif status >= 400:
            problems = validate(schema_uri("error.json"), body)
        else:
            problems = []
        assert not problems, f"{request.method} {target} {status}: " + "; ".join(map(str, problems))
        if status >= 400:
            assert str(status) in {e["status"] for e in body["errors"]}, body


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    return response.json()["errors"]


def rule_ids(response: httpx.Response) -> set[str]:
    return {e.get("meta", {}).get("ruleId") for e in errors(response)} - {None}


def codes(response: httpx.Response) -> set[str]:
    return {e["code"] for e in errors(response)}


def item_of(order: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(item for item in order["items"] if item["itemId"] == item_id)


def deep(value: Any) -> Any:
    return copy.deepcopy(value)
