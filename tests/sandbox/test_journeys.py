"""Every journey of the cookbook, end to end over HTTP, with the cookbook's own sample
bodies: only the host, the credentials, the org id and ids from earlier steps change."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    ACME_CLOUD_ID,
    ACME_CONTAINER,
    ACME_JIRA,
    APP,
    CONFLUENCE,
    GLOBEX_CLOUD_ID,
    GLOBEX_CONTAINER,
    GLOBEX_JIRA,
    JIRA,
    JIRA_PREMIUM,
    JSM,
    PARENT,
    Api,
    ari,
    cookbook_order,
    fixture,
)

PART = {CONFLUENCE: "confluence", JIRA: "jira-software", JIRA_PREMIUM: "jira-software"}
PART[JSM] = "jira-servicedesk"


def test_prerequisites_answer_as_the_cookbook_samples(api: Api) -> None:
    """Get the product entitlement ID, then its details (cookbook, 'Prerequisites')."""
    # The sample answers the site's ARI: asked for the site, the list is the sample (ASM-042).
    listed = api.entitlements(ari("platform", GLOBEX_CLOUD_ID))
    assert listed.status_code == 200
    assert listed.json() == fixture("entitlements-list.response.json")
    # Asked for the product, it names the product: resource_ari echoes what was asked.
    product = api.entitlements(ari("jira-software", GLOBEX_CLOUD_ID)).json()
    assert product == {**listed.json(), "resource_ari": ari("jira-software", GLOBEX_CLOUD_ID)}

    details = api.details(listed.json()["entitlements"][0]["entitlement_id"]).json()
    assert details["entitlementId"] == GLOBEX_JIRA  # the one asked for (ERR-008)
    relations = {
        r["relationshipType"]: r["entitlementId"] for r in details["relatesFromEntitlements"]
    }
    assert relations == {"ENTERPRISE": PARENT["jira"], "FAMILY_CONTAINER": GLOBEX_CONTAINER}
    assert all(r["relationshipId"] for r in details["relatesFromEntitlements"])
    assert details["subscriptionv2"]["billingPeriodDetails"]["billingAnchorTimestamp"] > 0


NEW_SITE_JOURNEYS = [
    pytest.param("confluence-enterprise", [CONFLUENCE], id="confluence"),
    pytest.param("jira-enterprise", [JIRA], id="jira"),
    pytest.param("jsm-enterprise", [JSM], id="jsm"),
    pytest.param("all-enterprise", [CONFLUENCE, JIRA, JSM], id="all-enterprise"),
    pytest.param("jira-premium", [JIRA_PREMIUM], id="jira-premium-open-source"),
]


@pytest.mark.parametrize(("sample", "offerings"), NEW_SITE_JOURNEYS)
def test_new_site_journey(api: Api, sample: str, offerings: list[str]) -> None:
    # Provision product instances on a new site; save the statusUrl.
    body = fixture("products-provision-new-site.request.json")
    body["offerings"] = [{"id": o, "location": "us"} for o in offerings]
    accepted = api.request("POST", f"/admin/installations/v2/orgs/{api.org}/products", json=body)
    assert accepted.status_code == 200
    status_url = accepted.json()["data"]["statusUrl"]
    request_id = status_url.rsplit("/", 1)[1]

    # Check provisioning status: the statusUrl itself, on this server.
    waiting = api.request("GET", status_url.removeprefix(api.base_url))
    assert waiting.json() == {"data": {"requestId": request_id, "status": "IN_PROGRESS"}}

    # Place the order: the cookbook's sample with this request's id.
    order = cookbook_order(sample, request_id)
    placed = api.place(order)
    assert placed.status_code == 200, placed.text
    answer = placed.json()
    assert answer["orderId"] == order["orderId"]
    assert [i["itemId"] for i in answer["items"]] == [i["itemId"] for i in order["items"]]
    assert [i["orderItemId"] for i in answer["items"]] == [
        f"{order['orderId']}-{n}" for n in range(1, len(order["items"]) + 1)
    ]  # ERR-007
    assert all(i["processingInfo"] is None for i in answer["items"])

    # Track the order: PROCESSING, no entitlement yet ...
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"PROCESSING"}
    assert all(i["processingInfo"]["entitlement"] is None for i in tracked["items"])

    # ... then SUCCESS with an entitlement, once the processing delay has passed.
    api.advance(3)
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    assert {i["processingInfo"]["status"] for i in tracked["items"]} == {"SUCCESS"}
    made = {i["itemId"]: i["processingInfo"]["entitlement"]["id"] for i in tracked["items"]}
    assert len(set(made.values())) == len(made)
    assert api.status(request_id).json()["data"]["status"] == "COMPLETED"

    # The new site acme-2.atlassian.net exists, with one workspace per product ordered.
    workspaces = api.workspaces(["acme-2"]).json()["data"]
    assert {w["attributes"]["hostUrl"] for w in workspaces} == {"https://acme-2.atlassian.net"}
    instance_items = [i for i in order["items"] if i["offeringId"] in PART]
    assert sorted(w["attributes"]["typeKey"] for w in workspaces) == sorted(
        PART[i["offeringId"]] for i in instance_items
    )
    container = next(
        (made[i["itemId"]] for i in order["items"] if i["offeringId"] not in PART), None
    )
    for item in instance_items:
        workspace = next(
            w for w in workspaces if w["attributes"]["typeKey"] == PART[item["offeringId"]]
        )
        assert workspace["relationships"]["entitlement"][0]["id"] == made[item["itemId"]]
        # The workspace id is the product ARI: list its entitlements with it.
        listed = api.entitlements(workspace["id"]).json()
        assert [e["entitlement_id"] for e in listed["entitlements"]] == [made[item["itemId"]]]
        # The site's container (None for a Confluence-only site), whatever the product.
        assert listed["metadata"]["jira_family_container"] == container
        _assert_related_as_ordered(api, made[item["itemId"]], item, made)


def _assert_related_as_ordered(
    api: Api, entitlement_id: str, item: dict[str, Any], made: dict[str, str]
) -> None:
    details = api.details(entitlement_id).json()
    expected = sorted(
        (
            r["relationshipType"],
            r["entitlementId"] if r["referenceType"] == "ENTITLEMENT" else made[r["itemId"]],
        )
        for r in item.get("relatesFromEntitlements", [])
    )
    got = sorted(
        (r["relationshipType"], r["entitlementId"]) for r in details["relatesFromEntitlements"]
    )
    assert got == expected
    anchor = details["subscriptionv2"]["billingPeriodDetails"]["billingAnchorTimestamp"]
    if "nextBillingAnchorTimestamp" in item:
        assert anchor == item["nextBillingAnchorTimestamp"]


def test_existing_site_provisioned_by_name(api: Api) -> None:
    """Provision Confluence on acme by its name, order it, and acme gains a workspace."""
    body = fixture("products-provision-existing-site.request.json")
    accepted = api.request("POST", f"/admin/installations/v2/orgs/{api.org}/products", json=body)
    assert accepted.status_code == 200
    request_id = accepted.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    order = cookbook_order("confluence-enterprise", request_id)
    assert api.place(order).status_code == 200
    api.advance(3)
    workspaces = api.workspaces(["acme"]).json()["data"]
    assert {w["id"] for w in workspaces} == {
        ari("jira-software", ACME_CLOUD_ID),
        ari("confluence", ACME_CLOUD_ID),
    }
    assert {w["attributes"]["hostUrl"] for w in workspaces} == {"https://acme.atlassian.net"}


@pytest.mark.parametrize("who", ["org API key", "site admin"])
def test_add_jsm_to_a_site_with_jira(api: Api, who: str) -> None:
    """Cookbook, 'Existing sites': workspaces -> Jira entitlement -> details -> family
    container -> order (on /v1, as the sample) reusing the container."""
    auth = api.bearer if who == "org API key" else api.basic()
    # 1. The Jira workspace of acme and its entitlement: $.relationships.entitlement[0].id
    data = api.workspaces(["acme"], auth=auth).json()["data"]
    jira = next(w for w in data if w["attributes"]["typeKey"] == "jira-software")
    assert jira["id"] == ari("jira-software", ACME_CLOUD_ID)
    jira_entitlement = jira["relationships"]["entitlement"][0]["id"]
    assert jira_entitlement == ACME_JIRA
    # 2. Its details: the family container is the FAMILY_CONTAINER relation.
    details = api.details(jira_entitlement, auth=auth).json()
    container = next(
        r["entitlementId"]
        for r in details["relatesFromEntitlements"]
        if r["relationshipType"] == "FAMILY_CONTAINER"
    )
    assert container == ACME_CONTAINER
    # 3. Provision JSM on acme (org API key only), then 4. the order.
    request_id = api.provisioned([JSM], "acme", timezone=None)
    order = cookbook_order(
        "add-jsm-existing-site", request_id, jiraFamilyContainerEntitlementId=container
    )
    placed = api.place(order, version="v1", auth=auth)
    assert placed.status_code == 200, placed.text
    api.advance(3)
    tracked = api.order(order["orderId"], order["transactionAccountId"], auth=auth).json()
    assert tracked["items"][0]["processingInfo"]["status"] == "SUCCESS"
    jsm_entitlement = tracked["items"][0]["processingInfo"]["entitlement"]["id"]

    listed = api.entitlements(ari("jira-servicedesk", ACME_CLOUD_ID), auth=auth).json()
    assert [e["entitlement_id"] for e in listed["entitlements"]] == [jsm_entitlement]
    assert listed["metadata"]["jira_family_container"] == ACME_CONTAINER  # reused, not new
    relations = {
        r["relationshipType"]: r["entitlementId"]
        for r in api.details(jsm_entitlement).json()["relatesFromEntitlements"]
    }
    assert relations == {"FAMILY_CONTAINER": ACME_CONTAINER, "ENTERPRISE": PARENT["jsm"]}


def test_app_journey(api: Api) -> None:
    """Cookbook, 'Provision apps' and the app order, as its samples run: the workspaces
    query for "acme" -> the Jira workspace id -> apps.provision -> status -> the product's
    details (family container and billing anchor) -> the app sample's order, which depends
    on acme's family container d71ec13e (ASM-041) and bills from its Jira's anchor."""
    data = api.workspaces(["acme"]).json()["data"]
    jira = next(w for w in data if w["attributes"]["typeKey"] == "jira-software")
    product = jira["relationships"]["entitlement"][0]["id"]

    accepted = api.provision_app(jira["id"])
    assert accepted.status_code == 200, accepted.text
    request_id = accepted.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"

    details = api.details(product).json()
    anchor = details["subscriptionv2"]["billingPeriodDetails"]["billingAnchorTimestamp"]
    container = next(
        r["entitlementId"]
        for r in details["relatesFromEntitlements"]
        if r["relationshipType"] == "FAMILY_CONTAINER"
    )
    assert container == ACME_CONTAINER  # the cookbook's containerId
    order = cookbook_order("app", request_id)
    assert order["items"][0]["nextBillingAnchorTimestamp"] == anchor
    assert order["items"][0]["relatesFromEntitlements"][0]["entitlementId"] == container
    placed = api.place(order, account_header=False)  # the app sample sends no header
    assert placed.status_code == 200, placed.text
    assert placed.json()["items"][0]["orderItemId"] == f"{order['orderId']}-1"

    api.advance(3)
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    item = tracked["items"][0]
    assert item["offeringId"] == APP
    assert item["processingInfo"]["status"] == "SUCCESS"
    assert item["relatesFromEntitlements"] == [
        {
            "relationshipType": "APP_DEPENDENCE",
            "referenceType": "ENTITLEMENT",
            "entitlementId": container,
        }
    ]
    assert api.status(request_id).json()["data"]["status"] == "COMPLETED"
    app = api.details(item["processingInfo"]["entitlement"]["id"]).json()
    assert app["offeringId"] == APP
    assert app["relatesFromEntitlements"][0]["relationshipType"] == "APP_DEPENDENCE"
    assert app["relatesFromEntitlements"][0]["entitlementId"] == container
    assert app["subscriptionv2"]["billingPeriodDetails"]["billingAnchorTimestamp"] == anchor


def test_order_status_relationships_name_order_items_by_order_item_id(api: Api) -> None:
    """As the cookbook's order-status sample: an ORDER_ITEM reference shows orderItemId."""
    request_id = api.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", request_id)
    api.place(order)
    tracked = api.order(order["orderId"], order["transactionAccountId"]).json()
    jira = next(i for i in tracked["items"] if i["itemId"] == "O2")
    assert {
        "relationshipType": "FAMILY_CONTAINER",
        "referenceType": "ORDER_ITEM",
        "orderItemId": f"{order['orderId']}-1",
    } in jira["relatesFromEntitlements"]
    assert tracked["transactionAccount"]["id"] == order["transactionAccountId"]
