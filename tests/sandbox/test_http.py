"""The HTTP surface: routing, bodies, the OpenAPI document, queries, control endpoints.
Every refusal is a 4xx in the error envelope, never a 500 (the ``Api`` hook checks both)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness._tls import tls_context
from harness.contracts import error_title, operations, schema_uri, validate
from harness.sandbox.app import CONTROL_ROUTES, PUBLIC_ROUTES
from harness.sandbox.testing import running_sandbox

from .support import (
    ACME_CLOUD_ID,
    ACME_CONTAINER,
    ACME_JIRA,
    APP,
    CONFLUENCE,
    CONTAINER,
    FIXTURES,
    HOOLI_CLOUD_ID,
    JIRA,
    JIRA_PREMIUM,
    JSM,
    UNKNOWN,
    Api,
    ari,
    codes,
    cookbook_order,
    encoded,
    errors,
)

# -- routing --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nope", "/commerce/api/v3/orders", "/_sandbox"])
def test_unknown_paths_are_404(api: Api, path: str) -> None:
    response = api.request("GET", path)
    assert response.status_code == 404
    assert codes(response) == {"NOT_FOUND"}


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/admin/v2/orgs/{org}/workspaces/", "workspaces.query"),
        ("GET", f"/commerce/api/v2/entitlements/{UNKNOWN}/details/", "entitlements.details"),
        ("POST", "/commerce/api/v1/orders/", "orders.place.v1"),
    ],
)
def test_a_path_with_a_final_slash_is_404_naming_the_operation_without_it(
    api: Api, method: str, path: str, operation: str
) -> None:
    """The cookbook's paths end in no '/'; one added is still refused (as an API would),
    with the hint."""
    response = api.request(method, path.format(org=api.org), json={})
    assert response.status_code == 404
    assert f"without the final '/' it is {operation}" in errors(response)[0]["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/commerce/api/v2/orders", "POST"),
        ("DELETE", f"/commerce/api/v2/orders/{UNKNOWN}", "GET, HEAD"),
        ("TRACE", "/commerce/api/v1/orders", "POST"),
        ("QUERY", "/admin/v2/orgs/x/workspaces", "POST"),
        ("HEAD", "/admin/v2/orgs/x/workspaces", "POST"),
        ("OPTIONS", "/admin/installations/v2/orgs/x/products", "POST"),
        ("PUT", "/_sandbox/clock", "GET, HEAD"),
        ("GET", "/_sandbox/reset", "POST"),
    ],
)
def test_known_paths_with_another_method_are_405(
    api: Api, method: str, path: str, allow: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert codes(response) == {"METHOD_NOT_ALLOWED"}


#: A request of every GET route: the cookbook's operations (by name) and the sandbox's own.
_GET_ROUTES = {
    "entitlements.list": "/admin/installations/v2/orgs/{org}/products/"
    + encoded(ari("jira-software", ACME_CLOUD_ID))
    + "/entitlements",
    "entitlements.details": f"/commerce/api/v2/entitlements/{ACME_JIRA}/details",
    "provisioning.status": "/admin/installations/v2/orgs/{org}/products/status/" + UNKNOWN,
    "orders.get": f"/commerce/api/v2/orders/{UNKNOWN}",
    "clock": "/_sandbox/clock",
    "faults": "/_sandbox/faults",
    "openapi": "/openapi.json",
}


@pytest.mark.parametrize("route", sorted(_GET_ROUTES))
def test_head_is_answered_as_get_without_the_body(api: Api, route: str) -> None:
    """RFC 9110 9.3.2: HEAD gets GET's status and headers, no body. Every GET route was
    405 to it (a monitor's or a proxy's HEAD probe, curl -I)."""
    path = _GET_ROUTES[route].format(org=quote(api.org, safe=""))
    headers = {"X-transaction-account": UNKNOWN} if route == "orders.get" else {}
    got = api.request("GET", path, headers=headers)
    head = api.request("HEAD", path, headers=headers)
    assert (head.status_code, head.content) == (got.status_code, b"")
    assert head.headers["content-type"] == got.headers["content-type"] == "application/json"
    if route != "clock":  # the clock's answer is the time: its length may differ
        assert head.headers["content-length"] == str(len(got.content))


def test_every_get_route_answers_head() -> None:
    """The table above covers every GET route, so a new one is tested with HEAD too."""
    gets = {op.name for op in operations() if op.method == "GET"}
    own = {path for method, path, _ in (*PUBLIC_ROUTES, *CONTROL_ROUTES) if method == "GET"}
    assert gets | own == {name if name in gets else _GET_ROUTES[name] for name in _GET_ROUTES}


@pytest.mark.parametrize(
    ("template", "parameter"),
    [
        ("/admin/installations/v2/orgs/{org}/products/status/{value}", "requestId"),
        ("/commerce/api/v2/orders/{value}", "orderId"),
        ("/commerce/api/v2/entitlements/{value}/details", "entitlementId"),
        ("/admin/installations/v2/orgs/{value}/products/status/" + UNKNOWN, "orgId"),
    ],
)
@pytest.mark.parametrize("value", [f"{UNKNOWN}%2F..", "..%2F..%2F_sandbox%2Freset", "%2F"])
def test_an_encoded_slash_in_a_path_parameter_is_a_4xx_naming_it(
    api: Api, template: str, parameter: str, value: str
) -> None:
    """%2F in an id stays in its segment: the id is refused in the envelope naming its
    parameter, never routed elsewhere (a control endpoint) nor a 500."""
    path = template.format(org=quote(api.org, safe=""), value=value)
    response = api.request("GET", path, headers={"X-transaction-account": UNKNOWN})
    assert response.status_code in (400, 404), response.text
    assert errors(response)[0]["source"] == {"parameter": parameter}


def test_openapi_json_is_the_contracts_with_this_server(api: Api) -> None:
    response = api.request("GET", "/openapi.json", auth={})
    doc = response.json()
    assert doc["servers"][0]["url"] == api.base_url
    assert doc["openapi"].startswith("3.1")
    assert {
        (m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"
    } == {(op.method, op.path) for op in operations()}
    assert "$ref" not in json.dumps(doc).replace('"$ref": "#/', "")  # self-contained


# -- bodies ---------------------------------------------------------------------------


ORDERS = "/commerce/api/v2/orders"


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"orderId": ', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"orderId": NaN}', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "deeper"),
        (b"[" * 65 + b"]" * 65, "deeper"),
        (b"1" * 5000, "5000 digits"),
    ],
    ids=["truncated", "utf8", "nan", "very-deep", "deep", "huge-int"],
)
def test_malformed_bodies_are_400(api: Api, content: bytes, detail: str) -> None:
    response = api.request(
        "POST", ORDERS, content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert codes(response) == {"MALFORMED_BODY"}
    assert detail in errors(response)[0]["detail"]


def test_a_cookbook_sample_with_comments_gets_a_hint(api: Api) -> None:
    """Erratum ERR-003: the samples carry // comments; JSON has none."""
    sample = (FIXTURES / "order-place-all-enterprise.request.jsonc").read_bytes()
    assert b"//" in sample
    response = api.request(
        "POST", ORDERS, content=sample, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "ERR-003" in errors(response)[0]["detail"]


def test_a_missing_body_is_400(api: Api) -> None:
    response = api.request("POST", ORDERS)
    assert response.status_code == 400
    assert "body is required" in errors(response)[0]["detail"]


def test_wrong_content_type_is_400(api: Api) -> None:
    order = cookbook_order("confluence-enterprise", str(uuid.uuid4()))
    response = api.request(
        "POST", ORDERS, content=json.dumps(order), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert errors(response)[0]["source"] == {"header": "Content-Type"}


def test_schema_violations_are_400_with_json_pointers(api: Api) -> None:
    order = cookbook_order("confluence-enterprise", str(uuid.uuid4()))
    del order["orderId"]
    order["items"][0]["type"] = "RENEWAL"
    order["items"][0]["nextBillingAchorTimestamp"] = 1  # ERR-006's spelling
    response = api.place(order)
    assert response.status_code == 400
    pointers = {e["source"]["pointer"] for e in errors(response)}
    assert pointers == {"/orderId", "/items/0/type", "/items/0/nextBillingAchorTimestamp"}
    assert {e["code"] for e in errors(response)} == {"SCHEMA_VIOLATION"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_one_mebibyte_are_413(api: Api, chunked: bool) -> None:
    payload = b'{"pad": "' + b"x" * (1 << 20) + b'"}'
    content = iter([payload[i : i + 65536] for i in range(0, len(payload), 65536)])
    response = api.request(
        "POST",
        ORDERS,
        content=content if chunked else payload,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert codes(response) == {"PAYLOAD_TOO_LARGE"}


@pytest.mark.parametrize(
    "path",
    [
        "/commerce/api/v2/orders/not-a-uuid",
        "/commerce/api/v2/entitlements/123/details",
        "/admin/installations/v2/orgs/o/products/status/6664d179-c5e8-4f6a-9f45-8a9f0756440",
    ],
)
def test_bad_path_parameters_are_400(api: Api, path: str) -> None:
    response = api.request("GET", path, headers={"X-transaction-account": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "parameter" in errors(response)[0]["source"]


def test_an_ari_with_an_encoded_newline_is_400(api: Api) -> None:
    """Erratum ERR-004: the cookbook's encoding example ends in %0A."""
    segment = encoded(ari("jira-software", ACME_CLOUD_ID)) + "%0A"
    response = api.request(
        "GET", f"/admin/installations/v2/orgs/{api.org}/products/{segment}/entitlements"
    )
    assert response.status_code == 400
    assert errors(response)[0]["source"] == {"parameter": "productAri"}


def test_an_unencoded_ari_is_not_one_segment(api: Api) -> None:
    raw = ari("jira-software", ACME_CLOUD_ID)
    response = api.request(
        "GET", f"/admin/installations/v2/orgs/{api.org}/products/{raw}/entitlements"
    )
    assert response.status_code == 404


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["orderId", "items", "offerings", "parameters", "query", "metadata", "x"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=JSON_VALUES,
    op_index=st.integers(min_value=0, max_value=len(operations()) - 1),
    segment=st.sampled_from(["x", "%2F", "%00", "%ZZ", "..", UNKNOWN, "ari%3Acloud"]),
)
def test_nothing_is_a_server_error(api: Api, body: object, op_index: int, segment: str) -> None:
    op = operations()[op_index]
    path = op.path
    for name in ("orgId", "productAri", "entitlementId", "requestId", "orderId"):
        path = path.replace("{" + name + "}", api.org if name == "orgId" else segment)
    # The Api hook fails the test on any 5xx or any answer outside the contracts.
    api.request(op.method, path, json=body, headers={"X-transaction-account": str(uuid.uuid4())})


# -- provisioning refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offerings", "name", "code", "pointer"),
    [
        ([UNKNOWN], "acme-2", "OFFERING_UNKNOWN", "/offerings/0/id"),
        ([APP], "acme-2", "OFFERING_NOT_PROVISIONABLE", "/offerings/0/id"),
        ([JIRA, JIRA_PREMIUM], "acme-2", "PRODUCT_CONFLICT", "/offerings/1/id"),
        ([JIRA], "acme", "PRODUCT_ALREADY_ON_SITE", "/offerings/0/id"),
    ],
)
def test_provisioning_refusals(
    api: Api, offerings: list[str], name: str, code: str, pointer: str
) -> None:
    response = api.provision(offerings, name)
    assert response.status_code == 422
    assert codes(response) == {code}
    assert errors(response)[0]["source"] == {"pointer": pointer}


def test_a_new_site_needs_a_timezone(api: Api) -> None:
    response = api.provision([CONFLUENCE], "brand-new", timezone=None)
    assert response.status_code == 422
    assert codes(response) == {"TIMEZONE_REQUIRED"}


def test_one_new_site_name_at_a_time(api: Api) -> None:
    api.provisioned([CONFLUENCE])
    response = api.provision([JIRA])
    assert response.status_code == 422
    assert codes(response) == {"SITE_NAME_PENDING"}


def _add_jsm_to_acme(api: Api, request_id: str) -> dict[str, Any]:
    order = cookbook_order(
        "add-jsm-existing-site", request_id, jiraFamilyContainerEntitlementId=ACME_CONTAINER
    )
    order["orderId"] = str(uuid.uuid4())
    return order


def test_a_site_gets_a_product_from_one_order_only(frozen: Api) -> None:
    """ASM-055: two requests may wait to add JSM to one site, but an order giving the site
    a product another order is still giving it, or that it has, is refused (both were
    placed, and the site showed two JSM workspaces with one product ARI)."""
    first = frozen.provisioned([JSM], "acme", timezone=None)
    second = frozen.provisioned([JSM], "acme", timezone=None)  # a resend after a lost answer
    assert frozen.place(_add_jsm_to_acme(frozen, first)).status_code == 200
    pending = frozen.place(_add_jsm_to_acme(frozen, second))
    assert pending.status_code == 422
    assert codes(pending) == {"PRODUCT_PENDING_ON_SITE"}
    assert errors(pending)[0]["source"] == {"pointer": "/items/0/offeringId"}
    frozen.advance(3)
    done = frozen.place(_add_jsm_to_acme(frozen, second))
    assert codes(done) == {"PRODUCT_ALREADY_ON_SITE"}
    assert errors(done)[0]["source"] == {"pointer": "/items/0/offeringId"}
    jsm = [w for w in frozen.workspaces(["acme"]).json()["data"] if "servicedesk" in w["id"]]
    assert len(jsm) == 1
    # The refused request waits on, and lapses, as any unordered one does.
    assert frozen.status(second).json()["data"]["status"] == "IN_PROGRESS"


def test_two_orders_each_bringing_a_new_family_container_to_one_site_place_one(
    frozen: Api,
) -> None:
    """ASM-055 for the family container: a site with Confluence only; Jira and JSM each
    ordered with a new container, on requests of their own. REL-008 sees no container on
    the site yet; the second order is refused as the container is already on its way."""
    made = frozen.provisioned([CONFLUENCE], "solo")
    confluence = cookbook_order("confluence-enterprise", made) | {"orderId": str(uuid.uuid4())}
    assert frozen.place(confluence).status_code == 200
    frozen.advance(3)
    for_jira = frozen.provisioned([JIRA], "solo", timezone=None)
    for_jsm = frozen.provisioned([JSM], "solo", timezone=None)
    jira = cookbook_order("jira-enterprise", for_jira) | {"orderId": str(uuid.uuid4())}
    jsm = cookbook_order("jsm-enterprise", for_jsm) | {"orderId": str(uuid.uuid4())}
    assert frozen.place(jira).status_code == 200
    refused = frozen.place(jsm)
    assert refused.status_code == 422
    assert codes(refused) == {"PRODUCT_PENDING_ON_SITE"}
    assert "family-container" in errors(refused)[0]["detail"]


def test_the_family_container_may_be_provisioned_and_ordered(api: Api) -> None:
    """A provisioned offering must be ordered (REL-016); the container is no exception."""
    request_id = api.provisioned([CONTAINER, JIRA])
    assert api.place(cookbook_order("jira-enterprise", request_id)).status_code == 200


@pytest.mark.parametrize(
    ("offering", "app_key", "code", "pointer"),
    [
        (CONFLUENCE, "com.example.cookbook-app", "OFFERING_NOT_PROVISIONABLE", "/offerings/0/id"),
        (UNKNOWN, "com.example.cookbook-app", "OFFERING_UNKNOWN", "/offerings/0/id"),
        (APP, "com.example.other", "APP_KEY_MISMATCH", "/parameters/appKey"),
    ],
)
def test_app_provisioning_refusals(
    api: Api, offering: str, app_key: str, code: str, pointer: str
) -> None:
    response = api.provision_app(ari("jira-servicedesk", HOOLI_CLOUD_ID), offering, app_key)
    assert response.status_code == 422
    assert codes(response) == {code}
    assert errors(response)[0]["source"] == {"pointer": pointer}


@pytest.mark.parametrize(
    ("product_ari", "code"),
    [
        (ari("jira-software", UNKNOWN), "SITE_NOT_FOUND"),
        (ari("confluence", ACME_CLOUD_ID), "PRODUCT_NOT_FOUND"),
        (ari("bitbucket", ACME_CLOUD_ID), "PRODUCT_NOT_FOUND"),
    ],
)
def test_unknown_products_are_404(api: Api, product_ari: str, code: str) -> None:
    for response in (api.entitlements(product_ari), api.provision_app(product_ari)):
        assert response.status_code == 404
        assert codes(response) == {code}


def test_unknown_ids_are_404(api: Api) -> None:
    assert codes(api.details(str(uuid.uuid4()))) == {"ENTITLEMENT_NOT_FOUND"}
    assert codes(api.status(str(uuid.uuid4()))) == {"PROVISIONING_REQUEST_NOT_FOUND"}


# -- workspaces -----------------------------------------------------------------------


def test_workspaces_filter_by_site_name(api: Api) -> None:
    acme = api.workspaces(["acme"]).json()
    assert [w["id"] for w in acme["data"]] == [ari("jira-software", ACME_CLOUD_ID)]
    both = api.workspaces(["acme", "hooli"]).json()
    assert both["meta"]["total"] == 3
    assert api.workspaces(["nowhere"]).json()["data"] == []


def test_workspaces_page_with_a_cursor(api: Api) -> None:
    seen: list[str] = []
    params: dict[str, object] = {"limit": 1}
    pages = 0
    while True:
        page = api.workspaces(params=params).json()
        pages += 1
        seen += [w["id"] for w in page["data"]]
        assert page["meta"]["pageSize"] == 1
        if page["links"]["next"] is None:
            break
        params = {"cursor": page["links"]["next"]}
        assert pages < 10
    assert pages == 4
    assert seen == [w["id"] for w in api.workspaces().json()["data"]]
    assert len(set(seen)) == 4


def test_a_cursor_keeps_its_query(api: Api) -> None:
    first = api.workspaces(["acme", "hooli"], params={"limit": 2}).json()
    assert first["meta"]["total"] == 3
    cursor = first["links"]["next"]
    # The same query again with the cursor, or no body at all: the next page.
    again = api.workspaces(["hooli", "acme"], params={"cursor": cursor}).json()
    assert api.workspaces(params={"cursor": cursor}).json() == again
    assert len(again["data"]) == 1
    assert again["links"]["prev"] is not None
    other = api.workspaces(["acme"], params={"cursor": cursor})
    assert other.status_code == 400
    assert errors(other)[0]["source"] == {"parameter": "cursor"}


def _query(api: Api, body: object, params: dict[str, object] | None = None) -> httpx.Response:
    path = f"/admin/v2/orgs/{api.org}/workspaces"
    return api.request("POST", path, json=body, params=params)


def test_workspaces_page_with_cursor_and_limit_in_the_body(api: Api) -> None:
    """'Query the Workspaces API to find the product ARI' (Provision apps): that API's
    reference pages with `limit` and `cursor` in the body (ASM-010). They were ignored:
    every workspace came back, page 1 again and again."""
    everything = [w["id"] for w in api.workspaces().json()["data"]]
    seen: list[str] = []
    body: dict[str, object] = {"limit": 1}
    for _ in range(len(everything)):
        page = _query(api, body).json()
        assert page["meta"]["pageSize"] == 1 and len(page["data"]) == 1
        seen += [w["id"] for w in page["data"]]
        if page["links"]["next"] is None:
            break
        body = {"cursor": page["links"]["next"]}
    assert seen == everything
    # The cursor carries its query (ASM-028), wherever it travels.
    first = _query(
        api, {"query": {"field": {"name": "attributes.name", "values": ["hooli"]}}, "limit": 1}
    ).json()
    second = _query(api, {"cursor": first["links"]["next"]}).json()
    assert [w["attributes"]["name"] for w in second["data"]] == ["hooli"]
    assert second == _query(api, None, {"cursor": first["links"]["next"]}).json()


@pytest.mark.parametrize(
    ("body", "params", "pointer"),
    [
        ({"limit": 0}, None, "/limit"),
        ({"limit": 101}, None, "/limit"),
        ({"limit": "5"}, None, "/limit"),
        ({"cursor": "bm9wZQ"}, None, "/cursor"),
        ({"cursor": ""}, None, "/cursor"),
        # Given twice, apart: neither silently wins (ASM-036).
        ({"limit": 2}, {"limit": 3}, "/limit"),
        # Operands the sandbox does not read are refused, never ignored (ASM-009).
        ({"sort": [{"field": "name", "order": "asc"}]}, None, "/sort"),
        ({"query": {"and": []}}, None, "/query/and"),
        (
            {"query": {"field": {"name": "attributes.name", "values": ["acme"], "op": "ne"}}},
            None,
            "/query/field/op",
        ),
    ],
)
def test_workspaces_body_paging_and_operands_it_does_not_read_are_400(
    api: Api, body: object, params: dict[str, object] | None, pointer: str
) -> None:
    response = _query(api, body, params)
    assert response.status_code == 400, response.text
    assert pointer in {e["source"].get("pointer") for e in errors(response)}, response.text


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "bm9wZQ"},
        {"cursor": "%%%"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "x"},
        # Python's int() reads these; an API reads digits.
        {"limit": " 5"},
        {"limit": "1_0"},
        {"limit": "\u0665"},  # ARABIC-INDIC DIGIT FIVE
    ],
)
def test_bad_paging_parameters_are_400(api: Api, params: dict[str, str]) -> None:
    response = api.workspaces(params=params)
    assert response.status_code == 400
    # One code, one title: the contracts' (a bad cursor was titled "Schema violation").
    assert {e["title"] for e in errors(response)} == {error_title("SCHEMA_VIOLATION")}


def test_workspaces_filter_only_on_the_site_name(api: Api) -> None:
    body = {"query": {"field": {"name": "attributes.status", "values": ["online"]}}}
    response = api.request("POST", f"/admin/v2/orgs/{api.org}/workspaces", json=body)
    assert response.status_code == 400
    assert codes(response) == {"FILTER_UNSUPPORTED"}
    assert errors(response)[0]["source"] == {"pointer": "/query/field/name"}


# -- control endpoints ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"seconds": -1}, {"seconds": True}, {"seconds": "5"}, {}, [], {"seconds": 1, "x": 2}],
)
def test_the_clock_moves_forward_only(api: Api, body: object) -> None:
    response = api.control("POST", "/_sandbox/clock/advance", body)
    assert response.status_code == 400


def test_the_clock_is_readable_and_movable(api: Api) -> None:
    before = api.control("GET", "/_sandbox/clock").json()
    after = api.control("POST", "/_sandbox/clock/advance", {"seconds": 3600}).json()
    assert after["offsetSeconds"] == before["offsetSeconds"] + 3600
    assert after["epochSeconds"] >= before["epochSeconds"] + 3600
    assert after["now"].endswith("Z")


def test_control_endpoints_and_the_api_need_credentials(api: Api) -> None:
    with httpx.Client(verify=tls_context(), base_url=api.base_url) as anonymous:
        assert anonymous.get("/_sandbox/clock").status_code == 401
        assert anonymous.post(f"/admin/v2/orgs/{quote(api.org)}/workspaces").status_code == 401


def test_a_product_ari_of_jsm_is_its_servicedesk_ari(api: Api) -> None:
    """ASM-021: JSM workspaces are ``ari:cloud:jira-servicedesk::site/...``."""
    hooli = api.workspaces(["hooli"]).json()["data"]
    assert ari("jira-servicedesk", HOOLI_CLOUD_ID) in {w["id"] for w in hooli}
    assert JSM  # the JSM offering is the one behind that workspace in the profile


def test_a_sandbox_bug_is_a_500_envelope_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The one 500: a bug in the sandbox itself, logged by path only, answered in the
    envelope with nothing of the request in it."""

    def broken(call: object) -> NoReturn:
        raise RuntimeError("a sandbox bug")

    with running_sandbox(handlers={"entitlements.details": broken}) as server:
        key = server.profile.api_key
        response = httpx.get(
            f"{server.base_url}/commerce/api/v2/entitlements/{uuid.uuid4()}/details",
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 500
    assert not validate(schema_uri("error.json"), response.json())
    assert codes(response) == {"INTERNAL_ERROR"}
    assert "a sandbox bug" not in response.text
    assert key and key not in caplog.text
    assert "a sandbox bug" in caplog.text


def test_a_database_failing_under_a_running_sandbox_is_a_503_not_a_bug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The file or the disk failing (damaged, full, I/O) is no sandbox bug: 503 saying so."""

    def damaged(call: object) -> NoReturn:
        failure = sqlite3.DatabaseError("database disk image is malformed")
        failure.sqlite_errorcode = 11  # type: ignore[attr-defined]
        raise failure

    with running_sandbox(handlers={"entitlements.details": damaged}) as server:
        response = httpx.get(
            f"{server.base_url}/commerce/api/v2/entitlements/{uuid.uuid4()}/details",
            headers={"Authorization": f"Bearer {server.profile.api_key}"},
        )
    assert response.status_code == 503
    assert not validate(schema_uri("error.json"), response.json())
    assert "database failed (damaged)" in errors(response)[0]["detail"]
    assert "sandbox bug" not in caplog.text


# -- ambiguity: nothing silently wins (issue 13, attack 8) -------------------------------


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("Authorization", "Bearer wrong-key-000000", None),
        ("X-transaction-account", "6d9cfcbc-0103-4c21-aa8b-462e1ef2d74e", None),
        ("Content-Type", "text/plain", "application/json"),
    ],
)
def test_a_header_sent_twice_is_refused_naming_it(
    api: Api, name: str, first: str, second: str | None
) -> None:
    order = cookbook_order("confluence-enterprise", api.provisioned([CONFLUENCE]))
    proper = {
        "Authorization": api.bearer["Authorization"],
        "X-transaction-account": order["transactionAccountId"],
        "Content-Type": "application/json",
    }
    headers = [(k, v) for k, v in proper.items() if k != name]
    headers += [(name, first), (name, second or proper[name])]
    response = api.client.post(ORDERS, headers=headers, content=json.dumps(order))
    assert response.status_code == 400, response.text
    assert codes(response) == {"DUPLICATE_HEADER"}
    assert errors(response)[0]["source"] == {"header": name}
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404


def test_a_duplicate_authorization_reaches_no_control_endpoint(api: Api) -> None:
    headers = [("Authorization", "Bearer nothing"), *api.bearer.items()]
    response = api.client.post("/_sandbox/reset", headers=headers, json={})
    assert response.status_code == 400
    assert codes(response) == {"DUPLICATE_HEADER"}


@pytest.mark.parametrize(
    ("twice", "key", "pointer"),
    [
        (("{", '{"orderId": "0aed15e5-3d09-4319-800d-d65a5e73f783", '), "orderId", "/"),
        (('"itemId": "O1"', '"itemId": "O1", "itemId": "O2"'), "itemId", "/items/0"),
    ],
    ids=["top-level", "nested"],
)
def test_a_key_twice_in_a_json_object_is_refused_naming_it(
    api: Api, twice: tuple[str, str], key: str, pointer: str
) -> None:
    order = cookbook_order("confluence-enterprise", api.provisioned([CONFLUENCE]))
    text = json.dumps(order).replace(*twice, 1)
    response = api.request(
        "POST",
        ORDERS,
        content=text.encode(),
        headers={
            "Content-Type": "application/json",
            "X-transaction-account": order["transactionAccountId"],
        },
    )
    assert response.status_code == 400, response.text
    detail = errors(response)[0]["detail"]
    assert f"the key {key!r} twice in the object at {pointer}" in detail


def test_a_key_twice_reaches_no_control_endpoint(api: Api) -> None:
    response = api.client.post(
        "/_sandbox/clock/advance",
        headers={**api.bearer, "Content-Type": "application/json"},
        content=b'{"seconds": 1, "seconds": 1e308}',
    )
    assert response.status_code == 400
    assert "'seconds' twice" in errors(response)[0]["detail"]
