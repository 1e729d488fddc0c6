"""Orders for an org unlike the default one, generated: sites with Confluence only (no
family container), with Confluence and JSM, with Jira and JSM; two Jira Enterprise
offerings; apps on Confluence, Jira and JSM. Every order ``OrderBuilder`` makes for what
was provisioned passes the client-side check and is placed by the sandbox, every item
reaching SUCCESS; and the client and the sandbox refuse a broken one with the same rules.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.client import ApiError, Client, OrderBuilder, OrgApiKey
from harness.contracts import (
    OrderContext,
    Profile,
    ProvisioningFacts,
    profile_from_data,
    validate_order,
)
from harness.sandbox.testing import SandboxServer, running_sandbox
from tests.other_org import _id, other_org

from .shapes import parent, pointers

FROZEN = 1_790_500_000.0
WIKI, MIXED = "wiki-only", "mixed-tools"


def _org() -> Profile:
    data: dict[str, Any] = copy.deepcopy(other_org())
    data["sandbox"] = {"processingDelaySeconds": 0}
    catalogue = data["catalogue"]
    jira = next(o for o in catalogue["offerings"] if o["product"] == "jira")
    # Another currency's Jira Enterprise, listed first: the one orders and roles take.
    catalogue["offerings"].insert(
        0, {**jira, "id": _id("offering/jira-eur"), "name": "Jira (Enterprise plan, EUR)"}
    )
    confluence = next(o["id"] for o in catalogue["offerings"] if o["product"] == "confluence")
    jsm = next(o["id"] for o in catalogue["offerings"] if o["product"] == "jsm")
    catalogue["sites"] += [
        {
            "name": WIKI,
            "cloudId": _id("cloud/wiki"),
            "products": [
                {
                    "product": "confluence",
                    "offeringId": confluence,
                    "entitlementId": _id("ent/wiki/confluence"),
                    "billingAnchorTimestamp": 1_793_000_000_000,
                }
            ],
        },
        {
            "name": MIXED,
            "cloudId": _id("cloud/mixed"),
            "familyContainerEntitlementId": _id("container/mixed"),
            "products": [
                {
                    "product": "confluence",
                    "offeringId": confluence,
                    "entitlementId": _id("ent/mixed/confluence"),
                    "billingAnchorTimestamp": 1_794_000_000_000,
                },
                {
                    "product": "jsm",
                    "offeringId": jsm,
                    "entitlementId": _id("ent/mixed/jsm"),
                    "billingAnchorTimestamp": 1_795_000_000_000,
                },
            ],
        },
    ]
    return profile_from_data(data, source="an org unlike the default")


ORG = _org()
CATALOGUE = ORG.catalogue
QUANTITIES = st.integers(min_value=1, max_value=10_000) | st.none()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with running_sandbox(ORG, clock=lambda: FROZEN) as server:
        yield server


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    """What to provision and order: products on a new or existing site, or an app on a
    product of a site."""
    site = draw(st.sampled_from([None, *CATALOGUE.sites]))
    if site is not None and draw(st.booleans()):
        product = draw(st.sampled_from(site.products))
        return {"app": (site, product.product), "quantity": draw(QUANTITIES)}
    has = {p.product for p in site.products} if site else set()
    missing = [p for p in ("confluence", "jira", "jsm") if p not in has]
    assert missing, "every site of this org lacks a product"
    products = draw(st.lists(st.sampled_from(missing), min_size=1, unique=True))
    return {
        "site": site,
        "products": products,
        "quantities": [draw(QUANTITIES) for _ in products],
    }


def _provision_and_build(
    client: Client, drawn: dict[str, Any], keep: dict[str, Any] | None = None
) -> dict[str, Any]:
    builder = OrderBuilder.for_profile(ORG)
    app = ORG.defaults["appKey"]
    if "app" in drawn:
        site, product = drawn["app"]
        parent = next(p for p in site.products if p.product == product)
        builder.app(client.entitlement_details(parent.entitlement_id), drawn["quantity"])
        request = client.provision_app(
            site.product_ari(product), builder.offerings_to_provision(), "a@example.test", app
        )
    else:
        site = drawn["site"]
        if site is not None and site.family_container:
            builder.on_site(site)
        for product, quantity in zip(drawn["products"], drawn["quantities"], strict=True):
            builder.product(product, quantity)
        request = client.provision_products(
            builder.offerings_to_provision(),
            "a@example.test",
            site.name if site else "fresh-site",
            None if site else "UTC",
        )
    if keep is not None:
        keep["provisioned"] = builder.offerings_to_provision()
    return builder.for_request(request).build()


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=orders())
def test_every_built_order_of_another_org_is_placed_and_succeeds(
    sandbox: SandboxServer, drawn: dict[str, Any]
) -> None:
    sandbox.reset(frozen_at=FROZEN)
    with Client(sandbox.base_url, org_id=ORG.org_id, auth=OrgApiKey(ORG.api_key or "")) as client:
        body = _provision_and_build(client, drawn)
        assert validate_order(body, CATALOGUE) == []
        placed = client.place_order(body)
        order = client.get_order(placed.order_id, body["transactionAccountId"])
    assert [item.status for item in order.items] == ["SUCCESS"] * len(body["items"])


# -- one mutation: the client and the sandbox refuse it alike ---------------------------

#: Values a mutation puts in place of an id: every id of the org an order could name.
POOL = sorted(
    {
        *CATALOGUE.offerings,
        *CATALOGUE.parent_entitlements.values(),
        *(s.family_container for s in CATALOGUE.sites if s.family_container),
        *(p.entitlement_id for s in CATALOGUE.sites for p in s.products),
    }
)
KINDS = {
    "relationshipType": ["FAMILY_CONTAINER", "ENTERPRISE", "APP_DEPENDENCE"],
    "chargeElement": ["user", "agent"],
}


@st.composite
def mutation(draw: st.DrawFn, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The order with one id, itemId, kind or relationship changed, or one item or
    relationship removed or doubled; and what was done."""
    doc = copy.deepcopy(body)
    ids = {i["itemId"] for i in doc["items"]}
    places = [
        (p, v)
        for p, v in pointers(doc)
        if p.rsplit("/", 1)[-1] in ("offeringId", "entitlementId", "itemId", *KINDS)
        or p.rsplit("/", 2)[-2:-1] in (["items"], ["relatesFromEntitlements"])
    ]
    pointer, value = draw(st.sampled_from(places))
    node, last = parent(doc, pointer)
    if isinstance(node, list):
        index = int(last)
        if draw(st.booleans()) or len(node) == 1:
            node.insert(index, copy.deepcopy(value))
            return f"{pointer} doubled", doc
        del node[index]
        return f"{pointer} removed", doc
    choices = KINDS.get(last) or (sorted(ids) if last == "itemId" else POOL)
    new = draw(st.sampled_from([c for c in choices if c != value] or choices))
    node[last] = new
    return f"{pointer} = {new}", doc


def _context_of(drawn: dict[str, Any], body: dict[str, Any], request_id: str) -> OrderContext:
    """What the sandbox knows of the order's provisioning request, for the client's check."""
    if "app" in drawn:
        site, product = drawn["app"]
        where = {"site_name": site.name, "product_ari": site.product_ari(product)}
    else:
        where = {"site_name": drawn["site"].name if drawn["site"] else None}
    return OrderContext(
        now=FROZEN,
        provisioning=ProvisioningFacts(
            request_id, "IN_PROGRESS", FROZEN, tuple(drawn["provisioned"]), **where
        ),
        transaction_account_header=body["transactionAccountId"],
    )


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=orders(), data=st.data())
def test_one_mutation_is_judged_alike_by_the_client_and_the_sandbox(
    sandbox: SandboxServer, drawn: dict[str, Any], data: st.DataObject
) -> None:
    sandbox.reset(frozen_at=FROZEN)
    with Client(
        sandbox.base_url,
        org_id=ORG.org_id,
        auth=OrgApiKey(ORG.api_key or ""),
        validate_contracts=False,
    ) as client:
        valid = _provision_and_build(client, drawn, keep=drawn)
        what, body = data.draw(mutation(valid), "mutation")
        request_id = valid["metadata"]["provisionRequestId"]
        here = validate_order(body, CATALOGUE, _context_of(drawn, body, request_id))
        client_rules = sorted({str(v.rule) for v in here})
        try:
            client.place_order(body)
            sandbox_rules: list[str] = []
        except ApiError as refused:
            sandbox_rules = sorted({str(e.rule_id) for e in refused.errors})
    assert client_rules == sandbox_rules, (what, [str(v) for v in here])
