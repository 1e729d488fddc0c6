"""Bad input: the order builder never makes an order the rules refuse; every mutation of a
valid order is refused with the same rule ids by the client-side check
(``harness.contracts.validate_order``) and by the sandbox; and bodies that are not JSON,
not UTF-8, too deep, too big or sent as another media type get a 4xx in the error
envelope, never a 500.

Mutations cover the rules an order for a new site can break (REL-001, 002, 004-007,
009-012, 015-021). REL-003 (a second body for one orderId), REL-008 (existing sites) and
REL-013/014 (apps) are each broken over HTTP in ``tests/sandbox/test_rules.py``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness._tls import tls_context
from harness.client import Client, OrderBuilder, OrgApiKey, UnprocessableEntityError
from harness.contracts import (
    OrderContext,
    ProvisioningFacts,
    load_profile,
    operations,
    schema_uri,
    validate,
    validate_order,
)
from harness.sandbox.testing import SandboxServer, running_sandbox

from .figures import record

PROFILE = load_profile()
CATALOGUE = PROFILE.catalogue
OFFERINGS = CATALOGUE.offerings
FROZEN = 1_767_225_600.0
UNKNOWN = "0b1e9f3a-7c2d-4e5f-8a6b-9c0d1e2f3a4b"
TIMESTAMPS = st.integers(min_value=1_700_000_000_000, max_value=1_900_000_000_000)
QUANTITIES = st.integers(min_value=1, max_value=1_000_000) | st.none()
Order = dict[str, Any]


# -- shapes of valid orders --------------------------------------------------------------


@st.composite
def new_site_orders(draw: st.DrawFn) -> OrderBuilder:
    """A builder for a new site: Enterprise products in any order and quantity, or Jira
    Premium (Open Source) with its end time and anchor."""
    builder = OrderBuilder.for_profile(PROFILE, order_id=str(draw(st.uuids(version=4))))
    if draw(st.booleans()):
        return builder.jira_premium(
            draw(QUANTITIES), ends_at=draw(TIMESTAMPS), billing_anchor=draw(TIMESTAMPS)
        )
    products = draw(st.permutations(["confluence", "jira", "jsm"]))
    for product in products[: draw(st.integers(min_value=1, max_value=3))]:
        builder.product(
            product,
            draw(QUANTITIES),
            skip_trial=draw(st.none() | st.booleans()),
        )
    return builder


@st.composite
def existing_site_orders(draw: st.DrawFn) -> tuple[OrderBuilder, str, str | None]:
    """A builder adding products onto a site of the profile, or an app on one of its
    products; the site it is for, and the product an app is installed on."""
    site = draw(st.sampled_from(CATALOGUE.sites))
    builder = OrderBuilder.for_profile(PROFILE, order_id=str(draw(st.uuids(version=4))))
    has = {p.product for p in site.products}
    if draw(st.booleans()) and site.products:
        parent = draw(st.sampled_from(site.products))
        return builder.app(parent.entitlement_id, draw(QUANTITIES)), site.name, parent.product
    missing = [p for p in ("confluence", "jira", "jsm") if p not in has]
    if not missing:
        first = site.products[0]
        return builder.app(first.entitlement_id), site.name, first.product
    if site.family_container:
        builder.on_site(site)
    for product in missing[: draw(st.integers(min_value=1, max_value=len(missing)))]:
        builder.product(product, draw(QUANTITIES))
    return builder, site.name, None


def context(body: Order, request_id: str, offerings: list[str], **facts: Any) -> OrderContext:
    provisioning = ProvisioningFacts(
        id=request_id,
        status="IN_PROGRESS",
        created_at=FROZEN,
        offerings=tuple(offerings),
        **facts,
    )
    named = body.get("metadata", {}).get("provisionRequestId")
    return OrderContext(
        now=FROZEN,
        provisioning=provisioning if named == request_id else None,
        transaction_account_header=body.get("transactionAccountId"),
    )


@settings(max_examples=300, deadline=None, database=None)
@given(builder=new_site_orders(), request_id=st.uuids(version=4))
def test_the_builder_makes_only_orders_the_rules_accept_for_a_new_site(
    builder: OrderBuilder, request_id: Any
) -> None:
    body = builder.for_request(str(request_id)).build()
    offerings = builder.offerings_to_provision()
    assert validate_order(body, CATALOGUE, context(body, str(request_id), offerings)) == []


@settings(max_examples=200, deadline=None, database=None)
@given(drawn=existing_site_orders(), request_id=st.uuids(version=4))
def test_the_builder_makes_only_orders_the_rules_accept_for_an_existing_site(
    drawn: tuple[OrderBuilder, str, str | None], request_id: Any
) -> None:
    builder, site_name, installed_on = drawn
    body = builder.for_request(str(request_id)).build()
    offerings = builder.offerings_to_provision()
    facts: dict[str, Any] = {"site_name": site_name}
    if installed_on is not None:  # an app, provisioned on that product of the site
        site = CATALOGUE.site(site_name)
        assert site is not None
        facts["product_ari"] = site.product_ari(installed_on)
    found = validate_order(body, CATALOGUE, context(body, str(request_id), offerings, **facts))
    assert found == []


@settings(max_examples=50, deadline=None, database=None)
@given(builder=new_site_orders())
def test_changing_a_built_order_leaves_the_builder_alone(builder: OrderBuilder) -> None:
    """A mutation of one build used to reach into the builder's own item options."""
    builder.for_request(UNKNOWN)
    first, pristine = builder.build(), builder.build()
    for item in first["items"]:
        for value in item.values():
            if isinstance(value, dict):
                value.clear()
    assert builder.build() == pristine


# -- one rule broken ---------------------------------------------------------------------

Mutation = Callable[[Order], bool]  # breaks the order in place; False: does not apply
MUTATIONS: dict[str, Mutation] = {}


def breaks(rule: str) -> Callable[[Mutation], Mutation]:
    def register(fn: Mutation) -> Mutation:
        MUTATIONS[rule] = fn
        return fn

    return register


def _offering(item: Order) -> Any:
    return OFFERINGS[item["offeringId"]]


def _container(body: Order) -> Order | None:
    return next((i for i in body["items"] if _offering(i).is_family_container), None)


def _relations(body: Order, kind: str, reference: str | None = None) -> list[Order]:
    return [
        r
        for i in body["items"]
        for r in i.get("relatesFromEntitlements", [])
        if r["relationshipType"] == kind and reference in (None, r["referenceType"])
    ]


def _instances(body: Order) -> list[Order]:
    return [i for i in body["items"] if _offering(i).is_instance]


@breaks("REL-001")
def _duplicate_item_id(body: Order) -> bool:
    if len(body["items"]) < 2:
        return False
    body["items"][-1]["itemId"] = body["items"][0]["itemId"]
    return True


@breaks("REL-002")
def _unknown_offering(body: Order) -> bool:
    body["items"][-1]["offeringId"] = UNKNOWN
    return True


@breaks("REL-004")
def _dangling_item_reference(body: Order) -> bool:
    refs = _relations(body, "FAMILY_CONTAINER", "ORDER_ITEM")
    for ref in refs:
        ref["itemId"] = "O9"
    return bool(refs)


@breaks("REL-005")
def _unknown_entitlement(body: Order) -> bool:
    refs = _relations(body, "ENTERPRISE", "ENTITLEMENT")
    if refs:
        refs[0]["entitlementId"] = UNKNOWN
    return bool(refs)


@breaks("REL-006")
def _no_family_container(body: Order) -> bool:
    for item in body["items"]:
        rels = item.get("relatesFromEntitlements", [])
        kept = [r for r in rels if r["relationshipType"] != "FAMILY_CONTAINER"]
        if len(kept) < len(rels):
            item["relatesFromEntitlements"] = kept
            return True
    return False


@breaks("REL-007")
def _second_container(body: Order) -> bool:
    container = _container(body)
    if container is None:
        return False
    body["items"].append({**copy.deepcopy(container), "itemId": "O9"})
    return True


@breaks("REL-009")
def _parent_of_another_product(body: Order) -> bool:
    parents = CATALOGUE.parent_entitlements
    for item in body["items"]:
        for rel in item.get("relatesFromEntitlements", []):
            if rel["relationshipType"] == "ENTERPRISE":
                product = _offering(item).product
                rel["entitlementId"] = next(e for p, e in parents.items() if p != product)
                return True
    return False


@breaks("REL-010")
def _confluence_in_a_container(body: Order) -> bool:
    container = _container(body)
    confluence = [i for i in body["items"] if _offering(i).product == "confluence"]
    if container is None or not confluence:
        return False
    confluence[0].setdefault("relatesFromEntitlements", []).append(
        {
            "relationshipType": "FAMILY_CONTAINER",
            "referenceType": "ORDER_ITEM",
            "itemId": container["itemId"],
        }
    )
    return True


@breaks("REL-011")
def _dressed_container(body: Order) -> bool:
    container, instances = _container(body), _instances(body)
    if container is None or not instances:
        return False
    container["optedUsageOptions"] = copy.deepcopy(instances[0]["optedUsageOptions"])
    return True


@breaks("REL-012")
def _wrong_charge_element(body: Order) -> bool:
    item = _instances(body)[0]
    quantity = item["optedUsageOptions"]["chargingDetails"]["chargeQuantities"][0]
    quantity["chargeElement"] = "user" if _offering(item).product == "jsm" else "agent"
    return True


@breaks("REL-015")
def _unknown_request(body: Order) -> bool:
    body["metadata"]["provisionRequestId"] = UNKNOWN
    return True


@breaks("REL-016")
def _provisioned_but_not_ordered(body: Order) -> bool:
    instances = _instances(body)
    if len(instances) < 2:
        return False
    body["items"].remove(instances[-1])
    return True


@breaks("REL-017")
def _foreign_pricing_plan(body: Order) -> bool:
    app = CATALOGUE.offerings_of("app")[0]
    for item in _instances(body):
        details = item["optedUsageOptions"]["chargingDetails"]
        if "pricingPlanId" in details:
            details["pricingPlanId"] = app.pricing_plans[0]
            return True
    return False


@breaks("REL-018")
def _foreign_invoice_group(body: Order) -> bool:
    accounts = CATALOGUE.transaction_accounts
    other = next(a for a in accounts if a != body["transactionAccountId"] and accounts[a])
    body["invoiceGroupId"] = accounts[other][0]
    return True


@breaks("REL-019")
def _unused_container(body: Order) -> bool:
    if _container(body) is not None or any(_offering(i).is_jira_family for i in body["items"]):
        return False
    container = CATALOGUE.offerings_of("family-container")[0]
    body["items"].append({"type": "CREATION_ORDER", "itemId": "O9", "offeringId": container.id})
    return True


@breaks("REL-020")
def _second_instance(body: Order) -> bool:
    """A second item of an instance the order already holds (one site holds one)."""
    instances = [i for i in _instances(body) if not _offering(i).is_jira_family]
    if not instances:
        return False
    body["items"].append({**copy.deepcopy(instances[0]), "itemId": "O9"})
    return True


@breaks("REL-021")
def _product_promotion(body: Order) -> bool:
    instances = _instances(body)
    if not instances:
        return False
    instances[-1]["promotions"] = [{"promotionDefinition": {"promotionCode": "PROMO_CODE"}}]
    return True


def _applies(rule: str, builder: OrderBuilder) -> bool:
    """Whether the rule's mutation applies to this shape (judged on a throwaway build)."""
    return MUTATIONS[rule](builder.for_request(UNKNOWN).build())


@pytest.fixture(scope="module")
def frozen() -> Iterator[SandboxServer]:
    with running_sandbox(PROFILE, clock=lambda: FROZEN) as server:
        yield server


def test_every_mutation_targets_a_rule_of_the_contracts() -> None:
    from harness.contracts import RULES

    assert set(MUTATIONS) <= {r.id for r in RULES}
    assert len(MUTATIONS) == 17


#: Orders refused alike, by rule (the figure of this test).
REFUSED: dict[str, int] = {}


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_each_mutation_is_refused_with_the_same_rules_by_the_client_and_the_sandbox(
    frozen: SandboxServer, rule: str
) -> None:
    refused_orders = 0

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def refused_alike(data: st.DataObject) -> None:
        nonlocal refused_orders
        builder = data.draw(new_site_orders().filter(lambda b: _applies(rule, b)), "order")
        offerings = builder.offerings_to_provision()
        frozen.reset()
        with Client(
            frozen.base_url, org_id=PROFILE.org_id, auth=OrgApiKey(PROFILE.api_key or "")
        ) as client:
            request = client.provision_products(offerings, "a@example.com", "acme-m", "UTC")
            body = builder.for_request(request).build()
            assert MUTATIONS[rule](body)
            here = validate_order(body, CATALOGUE, context(body, request.request_id, offerings))
            client_rules = {v.rule for v in here}
            with pytest.raises(UnprocessableEntityError) as refused:
                client.place_order(body)
        sandbox_rules = {e.rule_id for e in refused.value.errors}
        assert None not in client_rules, [str(v) for v in here]  # no schema violation
        assert rule in client_rules, (rule, [str(v) for v in here])
        assert client_rules == sandbox_rules, (rule, client_rules, sandbox_rules)
        refused_orders += 1

    refused_alike()
    assert refused_orders >= 5, f"{rule}: only {refused_orders} orders could be broken"
    REFUSED[rule] = refused_orders
    record("mutations", {"orders refused alike": sum(REFUSED.values()), "by rule": REFUSED})


# -- bodies that are not an order at all -------------------------------------------------

ORG = PROFILE.org_id
ACME_JIRA_ARI = "ari%3Acloud%3Ajira-software%3A%3Asite%2F" + CATALOGUE.sites[0].cloud_id
#: Every path that takes a body: the operations' (path parameters filled in) and the
#: sandbox's own control endpoints.
OPERATION_PATHS = {
    op.id: op.path.replace("{orgId}", ORG).replace("{productAri}", ACME_JIRA_ARI)
    for op in operations()
    if op.request_schema
}
BODY_PATHS = {
    **OPERATION_PATHS,
    "_sandbox.faults": "/_sandbox/faults",
    "_sandbox.clock.advance": "/_sandbox/clock/advance",
}
BAD_BODIES = {
    "not-json": b"hello",
    "truncated": b'{"orderId": ',
    "not-utf8": b"\xff\xfe\xfd{}",
    "lone-surrogate": b'{"\\ud800": "\\udfff"}',
    "byte-order-mark": "\ufeff{}".encode(),
    "nan": b'{"seconds": NaN}',
    "huge-integer": b'{"seconds": ' + b"9" * 5000 + b"}",
    "xml": b"<order><id>1</id></order>",
    "form": b"orderId=1&items=2",
    "an-array": b"[1, 2, 3]",
    "a-string": b'"order"',
    "nested-500-deep": b"[" * 500 + b"]" * 500,
}
MEDIA_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    None,
]
ERROR_SCHEMA = schema_uri("error.json")


def assert_refused_in_envelope(response: httpx.Response, *statuses: int) -> None:
    what = f"{response.request.method} {response.request.url.path}"
    assert response.status_code in statuses, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"] == "application/json", what
    body = response.json()
    assert validate(ERROR_SCHEMA, body) == [], what
    assert body["errors"][0]["status"] == str(response.status_code), what


@pytest.fixture(scope="module")
def http(frozen: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        verify=tls_context(),
        base_url=frozen.base_url,
        headers={"Authorization": f"Bearer {PROFILE.api_key}"},
        timeout=30.0,
    ) as client:
        yield client


@pytest.mark.parametrize("media", MEDIA_TYPES, ids=lambda m: str(m).split(";")[0])
@pytest.mark.parametrize("path", sorted(BODY_PATHS))
def test_a_body_that_is_no_json_object_is_a_4xx_envelope(
    http: httpx.Client, path: str, media: str | None
) -> None:
    headers = {"X-transaction-account": next(iter(CATALOGUE.transaction_accounts))}
    if media:
        headers["Content-Type"] = media
    for name, content in BAD_BODIES.items():
        response = http.post(BODY_PATHS[path], content=content, headers=headers)
        assert_refused_in_envelope(response, 400, 415, 422), name


@pytest.mark.parametrize("path", sorted(OPERATION_PATHS))
def test_a_valid_json_body_under_another_media_type_is_refused(
    http: httpx.Client, path: str
) -> None:
    """The API's operations take application/json only (the control endpoints too, with
    415: ``tests/sandbox/test_control.py``)."""
    response = http.post(
        OPERATION_PATHS[path], content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert_refused_in_envelope(response, 400)
    assert {"header": "Content-Type"} in [e.get("source") for e in response.json()["errors"]]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", sorted(BODY_PATHS))
def test_a_body_over_the_limit_is_413(http: httpx.Client, path: str, chunked: bool) -> None:
    payload = b'{"pad": "' + b"x" * (2 << 20) + b'"}'
    content = iter([payload[i : i + 65536] for i in range(0, len(payload), 65536)])
    response = http.post(
        BODY_PATHS[path],
        content=content if chunked else payload,
        headers={"Content-Type": "application/json"},
    )
    assert_refused_in_envelope(response, 413)


@pytest.mark.parametrize("path", sorted(BODY_PATHS))
def test_very_deep_nesting_is_400(http: httpx.Client, path: str) -> None:
    for content in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        response = http.post(
            BODY_PATHS[path], content=content, headers={"Content-Type": "application/json"}
        )
        assert_refused_in_envelope(response, 400)
        assert "deeper" in response.json()["errors"][0]["detail"]


def test_a_pointer_to_a_key_with_a_line_break_keeps_the_envelope(http: httpx.Client) -> None:
    """Found by schemathesis: the envelope's pointer pattern refused a key holding a newline."""
    response = http.post(
        BODY_PATHS["products.provision"],
        json={"offerings": [{"id": UNKNOWN, "a\nb\u2028c": 1}], "parameters": {}},
    )
    assert_refused_in_envelope(response, 400)
    pointers = [e["source"].get("pointer") for e in response.json()["errors"]]
    assert "/offerings/0/a\nb\u2028c" in pointers


def test_a_lone_surrogate_is_refused_by_name(http: httpx.Client) -> None:
    response = http.post(
        BODY_PATHS["orders.place"],
        content=json.dumps({"orderId": "\ud800"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_refused_in_envelope(response, 400)
    assert "surrogate" in response.json()["errors"][0]["detail"]


def test_a_timestamp_past_year_9999_is_a_schema_violation(frozen: SandboxServer) -> None:
    """ASM-032: it used to be stored and then fail every later request (SQLite INTEGER)."""
    frozen.reset()
    with Client(
        frozen.base_url, org_id=PROFILE.org_id, auth=OrgApiKey(PROFILE.api_key or "")
    ) as client:
        builder = OrderBuilder.for_profile(PROFILE).jira()
        request = client.provision_products(
            builder.offerings_to_provision(), "a@example.com", "acme-late", "UTC"
        )
        body = builder.for_request(request).build()
        body["items"][1]["nextBillingAnchorTimestamp"] = 10**30
        response = httpx.post(
            f"{frozen.base_url}/commerce/api/v2/orders",
            json=body,
            headers={"Authorization": f"Bearer {PROFILE.api_key}"},
        )
        assert_refused_in_envelope(response, 400)
        assert response.json()["errors"][0]["source"] == {
            "pointer": "/items/1/nextBillingAnchorTimestamp"
        }
        assert client.query_workspaces("acme").workspaces  # the sandbox still answers
