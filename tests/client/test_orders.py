"""OrderBuilder: every order shape of the cookbook, equal to the cookbook's own sample,
valid by the contracts, and accepted by the sandbox end to end."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.client import (
    EntitlementDetails,
    OrderBuilder,
    OrderBuildError,
    wait_for_order,
    wait_for_provisioning,
)
from harness.client.journeys import place_order_in_window
from harness.contracts import Catalogue, load_profile, profile_from_data, validate_order
from harness.contracts.cookbook import Readings
from harness.contracts.roles import resolve

from .support import site

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
PROFILE = load_profile()
CATALOGUE = PROFILE.catalogue
ACME = site("acme")
# The details of acme's Jira, the product the app sample is installed on: its family
# container is the app sample's parent (ASM-041), its billing anchor the app's.
APP_PARENT = EntitlementDetails.from_json(
    {
        "entitlementId": "f5050916-617d-49d5-9aa8-382185a0c0b3",
        "offeringId": "799958b5-36bb-4a3d-9289-9fd2986352a7",
        "relatesFromEntitlements": [
            {
                "entitlementId": "d71ec13e-301b-35bf-9808-653f5be6c256",
                "relationshipType": "FAMILY_CONTAINER",
                "relationshipId": "c3758d24-c5ec-42f3-81f6-eec7a3cd9420",
            }
        ],
        "subscriptionv2": {"billingPeriodDetails": {"billingAnchorTimestamp": 1752745039000}},
    }
)


def sample(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.request.json").read_text())


# shape -> (cookbook sample, how to add its items, corrections of the sample's errata)
SHAPES: dict[str, tuple[str, Callable[[OrderBuilder], OrderBuilder], Callable[[dict], None]]] = {
    "confluence-enterprise": (
        "order-place-confluence-enterprise",
        lambda b: b.confluence(),
        lambda s: None,
    ),
    "jira-enterprise": ("order-place-jira-enterprise", lambda b: b.jira(), lambda s: None),
    "jsm-enterprise": ("order-place-jsm-enterprise", lambda b: b.jsm(), lambda s: None),
    "all-enterprise": (
        "order-place-all-enterprise",
        lambda b: b.confluence().jira().jsm(),
        lambda s: None,
    ),
    "jira-premium-open-source": (
        "order-place-jira-premium",
        lambda b: b.jira_premium(ends_at=1765520321000, billing_anchor=1765520321000),
        # ERR-011: the sample's orderId is the Postman variable {{$randomUUID}}.
        lambda s: s.update(orderId="0b6c7f0e-3c1a-4c53-9d55-2f3a3b1e9a01"),
    ),
    "jsm-existing-site": (
        "order-place-add-jsm-existing-site",
        lambda b: b.on_site(ACME).jsm(),
        # ERR-011: the family container is the placeholder {{jiraFamilyContainerEntitlementId}}.
        lambda s: s["items"][0]["relatesFromEntitlements"][0].update(
            entitlementId=ACME.family_container
        ),
    ),
    "app": (
        "order-place-app",
        lambda b: b.app(
            APP_PARENT, promotion_code="PROMO_CODE", skip_trial=True, ends_at=1752745039000
        ),
        # ERR-012: the sample's provisionRequestId is not a UUID.
        lambda s: s["metadata"].update(provisionRequestId="6664d179-c5e8-4f6a-9f45-8a9f07564400"),
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_is_the_cookbook_sample_and_valid(shape: str) -> None:
    name, add, correct = SHAPES[shape]
    want = sample(name)
    correct(want)
    builder = OrderBuilder.for_profile(
        PROFILE,
        want["metadata"]["provisionRequestId"],
        order_id=want["orderId"],
        transaction_account_id=want["transactionAccountId"],
        invoice_group_id=want["invoiceGroupId"],
    )
    order = add(builder).build()
    assert order == want
    assert validate_order(order, CATALOGUE) == []


def test_all_enterprise_shares_one_family_container_placed_before_jira() -> None:
    order = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).jsm().confluence().jira().build()
    containers = [
        i for i in order["items"] if i["offeringId"] == "009f8789-c10c-4366-9420-f712d02a6499"
    ]
    assert len(containers) == 1
    assert [i["itemId"] for i in order["items"]] == ["O1", "O2", "O3", "O4"]
    assert order["items"][0] is containers[0]  # before the first Jira-family item (JSM)
    refs = [
        rel["itemId"]
        for item in order["items"]
        for rel in item.get("relatesFromEntitlements", [])
        if rel["relationshipType"] == "FAMILY_CONTAINER"
    ]
    assert refs == ["O1", "O1"]
    assert validate_order(order, CATALOGUE) == []


def test_generated_ids_are_uuid4_and_stable_across_builds() -> None:
    builder = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).confluence()
    first, second = builder.build(), builder.build()
    assert uuid.UUID(first["orderId"]).version == 4
    assert first == second  # a resend is the same order: idempotent
    other = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).confluence().build()
    assert other["orderId"] != first["orderId"]


def test_item_ids_can_be_given() -> None:
    order = (
        OrderBuilder.for_profile(PROFILE, str(uuid.uuid4()), item_ids=["fc", "jira", "jsm"])
        .jira()
        .jsm()
        .build()
    )
    assert [i["itemId"] for i in order["items"]] == ["fc", "jira", "jsm"]
    assert order["items"][1]["relatesFromEntitlements"][0] == {
        "relationshipType": "FAMILY_CONTAINER",
        "referenceType": "ORDER_ITEM",
        "itemId": "fc",
    }
    assert validate_order(order, CATALOGUE) == []


def test_defaults_come_from_the_catalogue() -> None:
    builder = OrderBuilder(CATALOGUE, str(uuid.uuid4()), quantity=7).jsm()
    order = builder.build()
    account = next(iter(CATALOGUE.transaction_accounts))
    assert order["transactionAccountId"] == account
    assert order["invoiceGroupId"] == CATALOGUE.transaction_accounts[account][0]
    jsm = order["items"][1]
    assert jsm["offeringId"] == CATALOGUE.offerings_of("jsm", "enterprise")[0].id
    assert jsm["optedUsageOptions"]["chargingDetails"]["chargeQuantities"] == [
        {"chargeElement": "agent", "quantity": 7}
    ]
    assert builder.offerings_to_provision() == [jsm["offeringId"]]


def test_the_default_account_is_the_first_with_an_invoice_group() -> None:
    """As the role "a transaction account with an invoice group" finds it: an org whose
    first account has none is still ordered for (every order scenario failed so)."""
    data = copy.deepcopy(PROFILE.raw["catalogue"])
    first = {"id": "0c7e43a1-5d3b-4c2f-9a1e-6b8d2f4e1a90", "invoiceGroupIds": []}
    data["transactionAccounts"].insert(0, first)
    catalogue = Catalogue.from_data(data)
    account = resolve(profile_from_data({**PROFILE.raw, "catalogue": data}), _ACCOUNT)[0]
    order = OrderBuilder(catalogue, str(uuid.uuid4()), quantity=3).jsm().build()
    assert order["transactionAccountId"] == account != first["id"]
    assert order["invoiceGroupId"] == catalogue.transaction_accounts[account][0]
    with pytest.raises(OrderBuildError, match="no invoice group known"):
        OrderBuilder(catalogue, transaction_account_id=first["id"])


_ACCOUNT = "a transaction account with an invoice group"


def test_of_several_offerings_of_a_product_the_first_is_ordered_as_the_role_finds_it() -> None:
    """An org may have two Jira Enterprise offerings (another currency, a legacy one; a
    discovered profile lists each its sites use): the builder takes the one the suite's
    role "an offering for Jira Enterprise" finds, which is what the suite provisions.
    Before, it raised 'the catalogue has 2 jira enterprise offerings' and 39 scenarios of
    such an org failed."""
    data = copy.deepcopy(PROFILE.raw)
    catalogue = data["catalogue"]
    for product, words in (("jira", "Jira"), ("jsm", "JSM"), ("family-container", "Family")):
        extra = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, product)), "product": product}
        if product != "family-container":
            extra["edition"] = "enterprise"
        catalogue["offerings"].append({**extra, "name": f"{words} (another currency)"})
    profile = profile_from_data(data)
    order = OrderBuilder.for_profile(profile, str(uuid.uuid4())).jira().jsm().build()
    ordered = [item["offeringId"] for item in order["items"]]
    expected = [
        resolve(profile, f"an offering for {words}").id
        for words in (
            "Jira family container",
            "Jira Enterprise",
            "Jira Service Management Enterprise",
        )
    ]
    assert ordered == expected
    assert CATALOGUE.offerings_of("jira", "enterprise")[0].id in ordered
    with pytest.raises(OrderBuildError, match="has 0 confluence enterprise offerings") as none:
        OrderBuilder(Catalogue.from_data({**catalogue, "offerings": []}), "r").confluence()
    # Said to a user whose org's profile lacks the product (the notebook's journeys stop here).
    assert "catalogue.offerings (`harness profile discover`" in str(none.value)


def test_timestamps_may_be_aware_datetimes() -> None:
    when = datetime(2025, 12, 12, 6, 18, 41, tzinfo=UTC)
    order = (
        OrderBuilder.for_profile(PROFILE, str(uuid.uuid4()))
        .jira_premium(ends_at=when, billing_anchor=when + timedelta(seconds=1))
        .build()
    )
    item = order["items"][1]
    assert item["optedUsageOptions"]["effectiveTime"]["endsAt"]["endTimestamp"] == 1765520321000
    assert item["nextBillingAnchorTimestamp"] == 1765520322000
    with pytest.raises(OrderBuildError, match="needs a time zone"):
        OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).jira_premium(
            ends_at=datetime(2025, 1, 1)
        )


def test_app_anchor_comes_from_the_catalogue_when_only_an_id_is_given() -> None:
    """Given acme's Jira entitlement, the app depends on acme's family container (ASM-041)
    and bills from the Jira's anchor; read the other way, on the Jira entitlement."""
    jira = "f5050916-617d-49d5-9aa8-382185a0c0b3"
    order = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).app(jira).build()
    assert order["items"][0]["nextBillingAnchorTimestamp"] == 1752745039000
    parent = order["items"][0]["relatesFromEntitlements"][0]
    assert parent["entitlementId"] == "d71ec13e-301b-35bf-9808-653f5be6c256"
    other = Readings(frozenset({"ASM-041"}))
    order = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4()), readings=other).app(jira).build()
    assert order["items"][0]["relatesFromEntitlements"][0]["entitlementId"] == jira
    with pytest.raises(OrderBuildError, match="billing anchor of parent entitlement"):
        OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).app(str(uuid.uuid4()))


def test_a_parent_with_another_anchor_than_the_catalogues_is_refused() -> None:
    builder = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).app(
        "f5050916-617d-49d5-9aa8-382185a0c0b3", billing_anchor=1
    )
    with pytest.raises(OrderBuildError, match="REL-014") as caught:
        builder.build()
    assert caught.value.violations[0].rule == "REL-014"


def test_on_site_with_an_entitlement_that_is_not_a_container_is_refused() -> None:
    jira_entitlement = ACME.products[0].entitlement_id
    builder = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).on_site(jira_entitlement).jsm()
    with pytest.raises(OrderBuildError, match=r"REL-006.*is not a family container"):
        builder.build()


def test_on_site_with_details_reads_the_family_container() -> None:
    details = EntitlementDetails.from_json(
        json.loads((FIXTURES / "entitlement-details.response.json").read_text())
    )
    order = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).on_site(details).jsm().build()
    assert order["items"][0]["relatesFromEntitlements"][0]["entitlementId"] == (
        "92ee1d1d-9f6c-3288-b1d9-12dbf5086ef6"
    )
    # An existing container of a site the profile does not list counts as the org's.
    unknown = str(uuid.uuid4())
    order = OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())).on_site(unknown).jira().build()
    assert order["items"][0]["relatesFromEntitlements"][0]["entitlementId"] == unknown
    assert len(order["items"]) == 1


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda b: b.build(), "no items"),
        (lambda b: b.confluence(offering_id=str(uuid.uuid4())), "is not in the catalogue"),
        (
            lambda b: b.jira(offering_id="39605741-b92f-4763-8229-7bba2d16433c"),
            "is Confluence Enterprise, not jira",
        ),
        (lambda b: b.confluence(0), "positive whole charge quantity"),
        (lambda b: b.jira(edition="standard"), "has 0 jira standard offerings"),
        (lambda b: b.jira().on_site(ACME), "before the first Jira or JSM item"),
        (lambda b: b.app(APP_PARENT, app_key="no.such.app"), "0 apps with key"),
        (
            lambda b: b.on_site(EntitlementDetails.from_json({"entitlementId": str(uuid.uuid4())})),
            "has no FAMILY_CONTAINER relationship",
        ),
    ],
)
def test_what_cannot_be_built_says_why(build: Callable[[OrderBuilder], Any], message: str) -> None:
    with pytest.raises(OrderBuildError, match=message):
        build(OrderBuilder.for_profile(PROFILE, str(uuid.uuid4())))


def test_missing_request_quantity_or_ids_are_refused() -> None:
    with pytest.raises(OrderBuildError, match="no provisioning request"):
        OrderBuilder.for_profile(PROFILE).confluence().build()
    with pytest.raises(OrderBuildError, match="positive whole charge quantity, got None"):
        OrderBuilder(CATALOGUE, str(uuid.uuid4())).confluence()
    with pytest.raises(OrderBuildError, match="item_ids must be 2 distinct ids"):
        OrderBuilder.for_profile(PROFILE, str(uuid.uuid4()), item_ids=["A", "A"]).jira().build()


# -- end to end against the sandbox ---------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_is_accepted_and_succeeds_in_the_sandbox(shape: str, client: Any) -> None:
    _, add, _ = SHAPES[shape]
    profile = PROFILE
    builder = add(OrderBuilder.for_profile(profile))
    admin = profile.defaults["adminEmail"]
    if shape == "app":
        request = client.provision_app(
            ACME.product_ari("jira"),
            builder.offerings_to_provision(),
            admin,
            profile.defaults["appKey"],
        )
    elif shape == "jsm-existing-site":
        request = client.provision_products(builder.offerings_to_provision(), admin, "acme")
    else:
        request = client.provision_products(
            builder.offerings_to_provision(), admin, f"shape-{shape}", timezone="Australia/Sydney"
        )
    assert client.provisioning_status(request).status == "IN_PROGRESS"
    placed = place_order_in_window(client, request, builder.for_request(request).build())
    assert placed.order_id == builder.order_id
    done = wait_for_order(client, placed, poll_interval=1.0)
    assert done.status == "SUCCESS"
    assert set(done.entitlement_ids) == {i["itemId"] for i in builder.build()["items"]}
    for entitlement_id in done.entitlement_ids.values():
        assert client.entitlement_details(entitlement_id).entitlement_id == entitlement_id
    assert wait_for_provisioning(client, request, poll_interval=1.0).status == "COMPLETED"
