"""Every method of the client against the sandbox over real HTTP, and its errors."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest

from harness.client import (
    ApiError,
    BadRequestError,
    Client,
    ConfigurationError,
    ConflictError,
    ContractViolationError,
    ForbiddenError,
    NotFoundError,
    OrderBuilder,
    OrgApiKey,
    ProvisioningRequest,
    SiteAdmin,
    UnauthorizedError,
    UnprocessableEntityError,
    poll_seconds_from_env,
)
from harness.contracts import load_profile

from .support import site

PROFILE = load_profile()
ACME = site("acme")
GLOBEX = site("globex")
HOOLI = site("hooli")
ACME_JIRA = ACME.products[0].entitlement_id
ADMIN = PROFILE.defaults["adminEmail"]
JSM = PROFILE.catalogue.offerings_of("jsm", "enterprise")[0].id
CONFLUENCE = PROFILE.catalogue.offerings_of("confluence", "enterprise")[0].id


def site_admin(role_via: str = "direct") -> SiteAdmin:
    admin = PROFILE.site_admin(role_via)
    return SiteAdmin(admin.email, admin.api_token)


# -- prerequisites --------------------------------------------------------------------


def test_entitlements_sends_the_ari_as_one_encoded_segment(client: Any) -> None:
    ari = ACME.product_ari("jira")
    found = client.entitlements(ari)
    assert found.entitlement_ids == (ACME_JIRA,)
    assert found.entitlements[0].provisioning_status == "ACTIVE"
    assert found.family_container_id == ACME.family_container
    assert found.raw["entitlements"][0]["entitlement_id"] == ACME_JIRA
    encoded = "ari%3Acloud%3Ajira-software%3A%3Asite%2F" + ACME.cloud_id
    assert client.recorded[-1].url.endswith(f"/products/{encoded}/entitlements")


@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["%3A", "%3a"])
def test_an_ari_given_encoded_as_the_cookbook_shows_it_is_not_encoded_twice(
    client: Any, case: Any
) -> None:
    encoded = quote(ACME.product_ari("jira"), safe="")
    given = encoded.replace("%3A", case("%3A")).replace("%2F", case("%2F"))
    assert client.entitlements(given).entitlement_ids == (ACME_JIRA,)
    assert client.recorded[-1].url.endswith(f"/products/{encoded}/entitlements")


def test_an_encoded_ari_with_the_cookbooks_trailing_newline_is_refused_naming_err_004(
    client: Any,
) -> None:
    sent = len(client.recorded)
    with pytest.raises(ContractViolationError) as raised:
        client.entitlements(quote(ACME.product_ari("jira"), safe="") + "%0A")
    assert "path productAri" in str(raised.value) and "ERR-004" in str(raised.value)
    assert len(client.recorded) == sent  # refused before it was sent


def test_entitlement_details_reads_container_parent_and_anchor(client: Any) -> None:
    details = client.entitlement_details(ACME_JIRA)
    assert details.entitlement_id == ACME_JIRA
    assert details.family_container_id == ACME.family_container
    assert details.enterprise_parent_id == PROFILE.catalogue.parent_entitlements["jira"]
    assert details.billing_anchor == ACME.products[0].billing_anchor
    assert details.raw["offeringId"] == details.offering_id


# -- provisioning ---------------------------------------------------------------------


def test_provision_products_on_a_new_site(client: Any) -> None:
    sent_at = client.clock()
    request = client.provision_products(
        [CONFLUENCE], ADMIN, "newsite", timezone="Australia/Sydney", location="us"
    )
    assert uuid.UUID(request.request_id)
    assert request.status_url.endswith(f"/products/status/{request.request_id}")
    assert request.created_at == sent_at
    assert request.order_deadline == sent_at + 600
    assert client.recorded[-1].request_json == {
        "offerings": [{"id": CONFLUENCE, "location": "us"}],
        "parameters": {"adminEmail": ADMIN, "name": "newsite", "timezone": "Australia/Sydney"},
    }


def test_provisioning_status_by_request_url_or_id(client: Any) -> None:
    request = client.provision_products([JSM], ADMIN, "acme")
    for target in (request, request.status_url, request.request_id):
        status = client.provisioning_status(target)
        assert (status.request_id, status.status) == (request.request_id, "IN_PROGRESS")
        assert not status.is_final
    # A statusUrl naming another host is asked of this client's base URL only.
    elsewhere = "https://elsewhere.example/" + request.status_url.split("/", 3)[3]
    assert client.provisioning_status(elsewhere).request_id == request.request_id
    assert client.recorded[-1].url.startswith(client.base_url + "/admin/")
    with pytest.raises(ValueError, match="not a provisioning status URL"):
        client.provisioning_status("https://api.atlassian.com/commerce/api/v2/orders")


def test_provision_app_on_a_product_ari(client: Any) -> None:
    app = PROFILE.catalogue.offerings_of("app")[0]
    request = client.provision_app(HOOLI.product_ari("jsm"), [app.id], ADMIN, app.app_key)
    assert isinstance(request, ProvisioningRequest)
    assert client.provisioning_status(request).status == "IN_PROGRESS"
    assert "%3Asite%2F" in client.recorded[0].url


# -- workspaces -----------------------------------------------------------------------


def test_query_workspaces_by_site_name(client: Any) -> None:
    page = client.query_workspaces("acme")
    assert {w.name for w in page.workspaces} == {"acme"}
    jira = next(w for w in page.workspaces if w.type_key == "jira-software")
    assert jira.product_ari == ACME.product_ari("jira")
    assert jira.entitlement_id == ACME_JIRA
    assert page.next_cursor is None
    assert client.recorded[-1].request_json == {
        "query": {"field": {"name": "attributes.name", "values": ["acme"]}}
    }


def test_iterating_workspaces_follows_links_next_as_cursor(client: Any) -> None:
    everything = client.query_workspaces(limit=100).workspaces
    assert len(everything) >= 3
    pages = list(client.iter_workspace_pages(limit=1))
    assert len(pages) == len(everything)
    assert [w.id for p in pages for w in p.workspaces] == [w.id for w in everything]
    # The Org Workspaces API reference's place: the body, a cursor alone (ASM-010).
    sent = [e.request_json for e in client.recorded[1:]]
    assert sent[0] == {"limit": 1}
    assert all(set(body) == {"cursor"} for body in sent[1:])
    assert [body["cursor"] for body in sent[1:]] == [p.next_cursor for p in pages[:-1]]
    assert all("?" not in e.url for e in client.recorded)
    assert [w.id for w in client.iter_workspaces(["acme", "globex"], limit=2)] == [
        w.id for w in everything if w.name in ("acme", "globex")
    ]


# -- commerce -------------------------------------------------------------------------


def _order(client: Any, **kw: Any) -> tuple[ProvisioningRequest, dict[str, Any]]:
    request = client.provision_products([JSM], ADMIN, "acme")
    return request, OrderBuilder.for_profile(PROFILE, request, **kw).on_site(ACME).jsm().build()


def test_place_order_sends_the_transaction_account_header(client: Any) -> None:
    _, body = _order(client)
    placed = client.place_order(body)
    assert placed.order_id == body["orderId"]
    assert placed.provision_request_id == body["metadata"]["provisionRequestId"]
    assert [i.item_id for i in placed.items] == ["O1"]
    assert placed.status == "PROCESSING"
    sent = client.recorded[-1]
    assert sent.url.endswith("/commerce/api/v2/orders")
    assert sent.request_headers["X-transaction-account"] == body["transactionAccountId"]


def test_place_order_v1_without_header(client: Any) -> None:
    _, body = _order(client)
    client.place_order(body, api_version="v1", send_transaction_account_header=False)
    sent = client.recorded[-1]
    assert sent.url.endswith("/commerce/api/v1/orders")
    assert "X-transaction-account" not in sent.request_headers
    with pytest.raises(ValueError, match="api_version"):
        client.place_order(body, api_version="v3")


def test_place_order_is_idempotent_and_refuses_another_body(client: Any) -> None:
    _, body = _order(client)
    first = client.place_order(body)
    again = client.place_order(body)
    assert again.order_id == first.order_id and again.slug == first.slug
    changed = {**body, "items": [{**body["items"][0], "itemId": "X1"}]}
    with pytest.raises(ConflictError) as caught:
        client.place_order(changed)
    assert caught.value.status == 409 and caught.value.operation == "orders.place"


def test_get_order_tracks_items_to_success(client: Any, sandbox: Any) -> None:
    _, body = _order(client)
    client.place_order(body)
    order = client.get_order(body["orderId"], body["transactionAccountId"])
    assert order.status == "PROCESSING" and order.entitlement_ids == {}
    sandbox.advance(10)
    order = client.get_order(body["orderId"], body["transactionAccountId"])
    assert order.status == "SUCCESS" and order.is_final
    assert set(order.entitlement_ids) == {"O1"}
    assert order.item("O1").entitlement_version
    assert (
        client.recorded[-1].request_headers["X-transaction-account"]
        == (body["transactionAccountId"])
    )


# -- auth -----------------------------------------------------------------------------


def test_site_admin_basic_auth_reads_its_site(make_client: Any) -> None:
    client = make_client(auth=site_admin(), validate_contracts=True)
    assert client.entitlements(ACME.product_ari("jira")).entitlement_ids == (ACME_JIRA,)
    assert client.recorded[-1].request_headers["Authorization"] == "Basic ***"


def test_basic_auth_is_refused_for_provisioning_products(make_client: Any) -> None:
    client = make_client(auth=site_admin())
    with pytest.raises(ForbiddenError) as caught:
        client.provision_products([JSM], ADMIN, "acme")
    error = caught.value
    assert (error.status, error.code, error.pointer) == (403, "FORBIDDEN", "header Authorization")
    assert "products.provision: HTTP 403 FORBIDDEN at header Authorization" in str(error)


def test_group_site_admin_is_refused(make_client: Any) -> None:
    with pytest.raises(ForbiddenError, match="through a group"):
        make_client(auth=site_admin("group")).entitlement_details(ACME_JIRA)


def test_wrong_api_key_is_unauthorized(make_client: Any) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        make_client(auth=OrgApiKey("not-the-key")).entitlement_details(ACME_JIRA)
    assert caught.value.code == "UNAUTHENTICATED"
    assert "not-the-key" not in str(caught.value)


# -- errors ---------------------------------------------------------------------------


def test_not_found_carries_the_envelope(client: Any) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError) as caught:
        client.entitlement_details(missing)
    error = caught.value
    assert error.code == "ENTITLEMENT_NOT_FOUND"
    assert error.pointer == "parameter entitlementId"
    assert missing in (error.detail or "")
    assert str(error).startswith("entitlements.details: HTTP 404 ENTITLEMENT_NOT_FOUND")


def test_schema_violation_is_a_bad_request_with_its_pointer(make_client: Any) -> None:
    with pytest.raises(BadRequestError) as caught:
        make_client().provision_products([JSM], ADMIN, "Not A Site Name")
    assert caught.value.pointer == "/parameters/name"
    assert caught.value.code == "SCHEMA_VIOLATION"


def test_rule_violation_names_rule_and_pointer(client: Any) -> None:
    _, body = _order(client)
    body["items"][0]["relatesFromEntitlements"][1]["entitlementId"] = (
        PROFILE.catalogue.parent_entitlements["jira"]
    )
    with pytest.raises(UnprocessableEntityError) as caught:
        client.place_order(body)
    error = caught.value
    assert (error.status, error.rule_id) == (422, "REL-009")
    assert error.pointer == "/items/0/relatesFromEntitlements/1/entitlementId"
    for part in ("orders.place", "HTTP 422", "RULE_VIOLATION", "REL-009", error.pointer):
        assert part in str(error)
    assert isinstance(error, ApiError)


def test_validate_contracts_stops_a_bad_request_before_sending(client: Any, sandbox: Any) -> None:
    with pytest.raises(ContractViolationError) as caught:
        client.provision_products(["not-a-uuid"], ADMIN, "acme")
    error = caught.value
    assert error.direction == "request" and client.recorded == []
    assert error.violations[0].pointer == "/offerings/0/id"
    assert "request (not sent)" in str(error) and "/offerings/0/id" in str(error)


# -- configuration --------------------------------------------------------------------


def test_from_env_uses_the_profile_when_only_the_base_url_is_set(sandbox: Any) -> None:
    env = {"ATLASSIAN_BASE_URL": sandbox.base_url}
    with Client.from_env(env, profile=sandbox.profile) as client:
        assert (client.base_url, client.org_id) == (sandbox.base_url, sandbox.profile.org_id)
        assert isinstance(client.auth, OrgApiKey)
        assert client.entitlement_details(ACME_JIRA).entitlement_id == ACME_JIRA


def test_from_env_prefers_the_environment() -> None:
    env = {
        "ATLASSIAN_ORG_ID": "org-1",
        "ATLASSIAN_SITE_ADMIN_EMAIL": "a@example.com",
        "ATLASSIAN_SITE_ADMIN_TOKEN": "tok",
    }
    with Client.from_env(env, profile=PROFILE) as client:
        assert client.base_url == "https://api.atlassian.com"
        assert client.org_id == "org-1"
        assert isinstance(client.auth, SiteAdmin) and client.auth.email == "a@example.com"
    with Client.from_env({**env, "ATLASSIAN_API_KEY": "k"}) as client:
        assert isinstance(client.auth, OrgApiKey)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no org id"),
        ({"ATLASSIAN_ORG_ID": "o"}, "no credentials"),
        ({"ATLASSIAN_ORG_ID": "o", "ATLASSIAN_SITE_ADMIN_EMAIL": "a@b.c"}, "set both"),
    ],
)
def test_from_env_says_what_is_missing(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Client.from_env(env)


def test_client_needs_org_and_auth() -> None:
    with pytest.raises(ConfigurationError, match="org_id"):
        Client(org_id="", auth=OrgApiKey("k"))
    with pytest.raises(ConfigurationError, match="auth must be"):
        Client(org_id="o", auth="Bearer k")  # type: ignore[arg-type]


def test_a_transport_can_be_injected_and_the_client_closes() -> None:
    import httpx

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"entitlementId": ACME_JIRA})

    with Client(org_id="o", auth=OrgApiKey("k"), transport=httpx.MockTransport(answer)) as client:
        assert client.entitlement_details(ACME_JIRA).entitlement_id == ACME_JIRA
    assert str(seen[0].url) == (
        f"https://api.atlassian.com/commerce/api/v2/entitlements/{ACME_JIRA}/details"
    )
    assert seen[0].headers["Authorization"] == "Bearer k"
    assert client._http.is_closed


def test_base_url_must_be_http() -> None:
    with pytest.raises(ConfigurationError, match="base_url must be an http"):
        Client("api.atlassian.com", org_id="o", auth=OrgApiKey("k"))


def test_every_id_the_client_cites_exists() -> None:
    import re
    from pathlib import Path

    from harness.contracts import RULES, cookbook

    known = {a.id for a in cookbook.ASSUMPTIONS} | {e.id for e in cookbook.ERRATA}
    known |= {r.id for r in RULES}
    root = Path(__file__).resolve().parents[2]
    files = [*(root / "harness" / "client").glob("*.py"), *(root / "examples").glob("*.py")]
    cited = {m for f in files for m in re.findall(r"(?:ASM|ERR|REL)-\d{3}", f.read_text())}
    assert cited and cited <= known, cited - known


def test_the_tests_cannot_reach_the_real_api() -> None:
    from harness.client import RetryPolicy, TransportError

    client = Client(org_id="o", auth=OrgApiKey("test-key-0000"), retry=RetryPolicy.never())
    with client, pytest.raises(TransportError, match=r"loopback only, not api\.atlassian\.com"):
        client.entitlement_details(ACME_JIRA)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, 1.0),
        ({"ATLASSIAN_POLL_SECONDS": "0.25"}, 0.25),
        ({"ATLASSIAN_POLL_SECONDS": "30"}, 30.0),
    ],
)
def test_poll_seconds_from_env_reads_the_variable_or_gives_the_default(
    environ: dict[str, str], expected: float
) -> None:
    assert poll_seconds_from_env(environ) == expected


@pytest.mark.parametrize("text", ["abc", "", "0", "-1", "nan", "inf"])
def test_poll_seconds_from_env_refuses_what_is_no_wait_naming_the_value(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        poll_seconds_from_env({"ATLASSIAN_POLL_SECONDS": text})
    assert (
        str(caught.value) == f"ATLASSIAN_POLL_SECONDS {text!r} is not a number of seconds above 0"
    )


def test_a_plain_http_client_loads_no_ca_bundle_and_refuses_any_tls_peer() -> None:
    """A client of a loopback sandbox (http) skips loading the CA bundle (~30 ms of every
    process that makes one); its context still verifies, with nothing to trust, so a TLS
    connection through it would fail. An https client gets the verifying context."""
    import ssl

    from harness._tls import tls_context, tls_context_for

    plain = tls_context_for("http://127.0.0.1:8080")
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert tls_context_for("HTTPS://api.atlassian.com") is tls_context()
    assert tls_context().cert_store_stats()["x509_ca"] > 0
