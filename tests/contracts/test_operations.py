"""Finding the operation of a concrete URL, and validating requests and responses."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from harness import contracts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
ARI = "ari:cloud:jira-software::site/4745a76c-290c-49d4-aa23-04d5ccb3c52d"
ENCODED = "ari%3Acloud%3Ajira-software%3A%3Asite%2F4745a76c-290c-49d4-aa23-04d5ccb3c52d"
BEARER = {"Authorization": "Bearer k", "Content-Type": "application/json"}
ORDER_ID = "0aed15e5-3d09-4319-800d-d65a5e73f783"
ACCOUNT = "78e855e6-731e-4819-b23e-7854aad854c8"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("method", "url", "expected", "params"),
    [
        (
            "GET",
            f"https://api.atlassian.com/admin/installations/v2/orgs/o1/products/{ENCODED}/entitlements",
            "entitlements.list",
            {"orgId": "o1", "productAri": ARI},
        ),
        (
            "POST",
            f"http://127.0.0.1:9/admin/installations/v2/orgs/o1/products/{ENCODED}/apps",
            "apps.provision",
            {"orgId": "o1", "productAri": ARI},
        ),
        ("POST", "/admin/installations/v2/orgs/o1/products", "products.provision", {"orgId": "o1"}),
        (
            "GET",
            f"/admin/installations/v2/orgs/o1/products/status/{ORDER_ID}",
            "provisioning.status",
            {"orgId": "o1", "requestId": ORDER_ID},
        ),
        ("post", "/commerce/api/v1/orders?x=1", "orders.place.v1", {}),
        ("POST", "/commerce/api/v2/orders", "orders.place", {}),
        ("GET", f"/commerce/api/v2/orders/{ORDER_ID}", "orders.get", {"orderId": ORDER_ID}),
    ],
)
def test_find_operation(method: str, url: str, expected: str, params: dict) -> None:
    match = contracts.find_operation(method, url)
    assert match is not None
    assert match.operation.id == expected
    assert dict(match.path_params) == params


def test_an_unencoded_ari_is_not_one_segment() -> None:
    url = f"/admin/installations/v2/orgs/o1/products/{ARI}/entitlements"
    assert contracts.find_operation("GET", url) is None


def test_unknown_path_and_wrong_method() -> None:
    assert contracts.find_operation("GET", "/nope") is None
    assert contracts.find_operation("DELETE", "/commerce/api/v2/orders") is None
    assert contracts.path_allows("/commerce/api/v2/orders") == ("POST",)
    assert contracts.path_allows("/nope") == ()


def test_operation_url_encodes_the_ari_as_one_segment() -> None:
    url = contracts.operation("entitlements.list").url("https://h/", orgId="o1", productAri=ARI)
    assert url == f"https://h/admin/installations/v2/orgs/o1/products/{ENCODED}/entitlements"


def test_validate_request_rejects_unknown_operation() -> None:
    with pytest.raises(LookupError, match="no operation"):
        contracts.validate_request("GET", "/nope", {})


def test_basic_auth_is_refused_for_product_provisioning_by_contract() -> None:
    body = _fixture("products-provision-new-site.request.json")
    url = "/admin/installations/v2/orgs/o1/products"
    headers = {"Authorization": "Basic abc", "Content-Type": "application/json"}
    assert [v.location for v in contracts.validate_request("POST", url, headers, body)] == [
        "header Authorization"
    ]
    assert contracts.validate_request("POST", url, BEARER, body) == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("Zyx-raw-secret-key-0123456789", "not a value with no scheme"),
        ("Token Zyx-raw-secret-key-0123456789", "not Token"),
        ("Zyx-raw-secret-key-0123456789 Bearer", "not a value with no scheme"),
    ],
)
def test_an_authorization_of_no_scheme_is_refused_without_repeating_it(
    value: str, says: str
) -> None:
    """The message names a scheme, never what may be a key sent without one."""
    (violation,) = contracts.validate_request(
        "GET", f"/commerce/api/v2/entitlements/{ORDER_ID}/details", {"Authorization": value}
    )
    assert says in violation.message
    assert "secret" not in violation.message.lower()


def test_orders_get_needs_a_transaction_account_header_that_is_a_uuid() -> None:
    url = f"/commerce/api/v2/orders/{ORDER_ID}"
    missing = contracts.validate_request("GET", url, {"Authorization": "Bearer k"})
    assert [str(v) for v in missing] == ["schema header X-transaction-account: is required"]
    bad = contracts.validate_request(
        "GET", url, {"Authorization": "Bearer k", "X-Transaction-Account": "nope"}
    )
    assert [v.location for v in bad] == ["header X-transaction-account"]
    assert "not a valid uuid" in bad[0].message
    ok = contracts.validate_request(
        "GET", url, {"authorization": "Bearer k", "x-transaction-account": ACCOUNT}
    )
    assert ok == []


def test_request_body_problems_name_pointer_and_schema_location() -> None:
    body = _fixture("order-place-jira-enterprise.request.json")
    del body["items"][1]["offeringId"]
    body["items"][0]["type"] = "AMENDMENT_ORDER"
    body["items"][1]["nextBillingAchorTimestamp"] = 1  # erratum ERR-006's misspelling
    found = {
        v.location: v
        for v in contracts.validate_request("POST", "/commerce/api/v2/orders", BEARER, body)
    }
    assert set(found) == {
        "/items/1/offeringId",
        "/items/0/type",
        "/items/1/nextBillingAchorTimestamp",
    }
    assert found["/items/1/offeringId"].message == "missing required field 'offeringId'"
    assert (
        found["/items/0/type"].message == "must be one of 'CREATION_ORDER', got 'AMENDMENT_ORDER'"
    )
    assert found["/items/0/type"].schema_location == (
        "order-place.request.json#/$defs/item/properties/type/enum"
    )
    assert found["/items/1/nextBillingAchorTimestamp"].message == (
        "unexpected field 'nextBillingAchorTimestamp'"
    )


def test_relationship_reference_must_match_its_type() -> None:
    body = _fixture("order-place-jira-enterprise.request.json")
    rel = body["items"][1]["relatesFromEntitlements"][0]
    rel["entitlementId"] = "92ee1d1d-9f6c-3288-b1d9-12dbf5086ef6"  # ORDER_ITEM with an entitlement
    found = contracts.validate_request("POST", "/commerce/api/v2/orders", BEARER, body)
    assert [v.location for v in found] == ["/items/1/relatesFromEntitlements/0/entitlementId"]
    assert "not allowed" in found[0].message


def test_wrong_content_type_and_missing_body() -> None:
    url = "/commerce/api/v2/orders"
    body = _fixture("order-place-jira-enterprise.request.json")
    found = contracts.validate_request("POST", url, {**BEARER, "Content-Type": "text/plain"}, body)
    assert [v.location for v in found] == ["header Content-Type"]
    assert [str(v) for v in contracts.validate_request("POST", url, BEARER)] == [
        "schema /: a JSON body is required"
    ]


def test_entitlement_appears_only_after_success() -> None:
    """Cookbook, 'Track the order': processingInfo.entitlement.id only after SUCCESS."""
    body = _fixture("order.response.json")
    url = f"/commerce/api/v2/orders/{ORDER_ID}"
    headers = {"content-type": "application/json"}
    assert contracts.validate_response("GET", url, 200, headers, body) == []
    early = copy.deepcopy(body)
    early["items"][0]["processingInfo"]["status"] = "PROCESSING"
    found = contracts.validate_response("GET", url, 200, headers, early)
    assert [v.location for v in found] == ["/items/0/processingInfo/entitlement"]
    assert "only after the item reaches SUCCESS" in found[0].message
    missing = copy.deepcopy(body)
    missing["items"][1]["processingInfo"]["entitlement"] = None
    found = contracts.validate_response("GET", url, 200, headers, missing)
    assert [v.location for v in found] == ["/items/1/processingInfo/entitlement"]


def test_a_dropped_required_response_field_is_named() -> None:
    body = _fixture("provisioning-status.response.json")
    del body["data"]["status"]
    url = f"/admin/installations/v2/orgs/o/products/status/{ORDER_ID}"
    found = contracts.validate_response("GET", url, 200, {"content-type": "application/json"}, body)
    assert [str(v) for v in found] == ["schema /data/status: missing required field 'status'"]


def test_response_headers_that_matter() -> None:
    url = f"/commerce/api/v2/orders/{ORDER_ID}"
    error = {"errors": [{"status": "429", "code": "THROTTLED", "title": "Slow down"}]}
    found = contracts.validate_response(
        "GET", url, 429, {"content-type": "text/html", "retry-after": "soon"}, error
    )
    assert {v.location for v in found} == {"header Content-Type", "header Retry-After"}
    assert (
        contracts.validate_response(
            "GET", url, 429, {"content-type": "application/json", "retry-after": "2"}, error
        )
        == []
    )


def test_error_responses_must_be_the_envelope() -> None:
    url = "/commerce/api/v2/orders"
    found = contracts.validate_response(
        "POST", url, 422, {"content-type": "application/json"}, {"message": "bad"}
    )
    assert [v.location for v in found] == ["/errors"]


def test_violation_to_error_entry_round_trips_through_the_envelope_schema() -> None:
    violation = contracts.Violation(
        "/items/0", "bad", rule="REL-007", code="RULE_VIOLATION", status=422
    )
    envelope = contracts.envelope([violation])
    assert envelope["errors"][0]["meta"] == {"ruleId": "REL-007"}
    assert contracts.validate(contracts.schema_uri("error.json"), envelope) == []
    assert contracts.envelope_status([violation]) == 422
    assert str(violation) == "REL-007 /items/0: bad"


def test_each_lookup_gets_path_parameters_of_its_own() -> None:
    """Lookups are remembered; what a caller does with its Match touches no later one."""
    url = "/commerce/api/v2/orders/0b1e9f3a-7c2d-4e5f-8a6b-9c0d1e2f3a4b"
    first = contracts.find_operation("GET", url)
    assert first is not None
    first.path_params["orderId"] = "changed"  # type: ignore[index]
    again = contracts.find_operation("get", url)
    assert again is not None and again.operation == first.operation
    assert again.path_params == {"orderId": "0b1e9f3a-7c2d-4e5f-8a6b-9c0d1e2f3a4b"}
    long = "/commerce/api/v2/orders/" + "a" * 600  # not remembered, matched all the same
    found = contracts.find_operation("GET", long)
    assert found is not None and found.path_params["orderId"] == "a" * 600


def test_answers_may_hold_kinds_an_order_may_not_send() -> None:
    """ASM-064: an org's entitlements were made by more than this cookbook's orders, so an
    answer's relationship of another type or reference, or a charge quantity of another
    element or with more fields, is read, not a breach; an order sending them is refused."""
    headers = {"content-type": "application/json"}
    details = _fixture("entitlement-details.response.json")
    details["relatesFromEntitlements"].append(
        {"entitlementId": ORDER_ID, "relationshipType": "COLLECTION", "relationshipId": ACCOUNT}
    )
    url = f"/commerce/api/v2/entitlements/{ORDER_ID}/details"
    assert contracts.validate_response("GET", url, 200, headers, details) == []
    order = _fixture("order.response.json")
    item = order["items"][1]
    item["relatesFromEntitlements"].append(
        {"relationshipType": "BUNDLE", "referenceType": "SUBSCRIPTION", "subscriptionId": "s-1"}
    )
    item["optedUsageOptions"]["chargingDetails"]["chargeQuantities"].append(
        {"chargeElement": "seat", "quantity": 5, "unit": "each"}
    )
    url = f"/commerce/api/v2/orders/{ORDER_ID}"
    assert contracts.validate_response("GET", url, 200, headers, order) == []
    # The references the harness reads still carry their id.
    del item["relatesFromEntitlements"][1]["entitlementId"]
    found = contracts.validate_response("GET", url, 200, headers, order)
    assert [v.location for v in found] == ["/items/1/relatesFromEntitlements/1/entitlementId"]
    # An order may send only what the cookbook's orders send.
    sent = _fixture("order-place-jira-enterprise.request.json")
    sent["items"][1]["relatesFromEntitlements"][1]["relationshipType"] = "COLLECTION"
    sent["items"][1]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0]["unit"] = "x"
    refused = contracts.validate_request("POST", "/commerce/api/v2/orders", BEARER, sent)
    assert sorted(v.location for v in refused) == [
        "/items/1/optedUsageOptions/chargingDetails/chargeQuantities/0/unit",
        "/items/1/relatesFromEntitlements/1/relationshipType",
    ]
