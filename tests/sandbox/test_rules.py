"""Each relationship rule, broken once over HTTP: 422 in the envelope with its rule id and
the JSON pointer of the fault, and nothing is created."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness.contracts import RULES
from tests.edits import set_at

from .support import (
    ACME_CLOUD_ID,
    ACME_CONTAINER,
    ACME_JIRA,
    APP,
    CONFLUENCE,
    CONTAINER,
    JIRA,
    JIRA_PREMIUM,
    JSM,
    PARENT,
    UNKNOWN,
    Api,
    ari,
    cookbook_order,
    errors,
    item_of,
    rule_ids,
)

Order = dict[str, Any]


@dataclass(frozen=True)
class Case:
    rule: str
    sample: str  # cookbook order sample the case starts from
    offerings: list[str]  # what is provisioned first (an app: on acme's Jira, as the sample)
    breaks: Callable[[Order], None]
    pointer: str
    site: str = "acme-2"


def _drop_relation(item: int, kind: str) -> Callable[[Order], None]:
    def apply(order: Order) -> None:
        rels = order["items"][item]["relatesFromEntitlements"]
        rels[:] = [r for r in rels if r["relationshipType"] != kind]

    return apply


def _add_item(item: dict[str, Any]) -> Callable[[Order], None]:
    return lambda order: order["items"].append(item)


def _add_relation(item: int, relation: dict[str, Any]) -> Callable[[Order], None]:
    return lambda order: (
        order["items"][item].setdefault("relatesFromEntitlements", []).append(relation)
    )


def _only_first_item(order: Order) -> None:
    del order["items"][1:]


def _setting(rule: str, sample: str, offerings: list[str], path: str, value: Any) -> Case:
    """A case that sets one field; the refusal points at that field."""
    return Case(rule, sample, offerings, set_at(path, value), path)


ALL = [CONFLUENCE, JIRA, JSM]
RELS = "relatesFromEntitlements"
CHARGE = "optedUsageOptions/chargingDetails"
OTHER_PLAN = "99eb1387-befd-47bc-a2e6-9e66eb086281"  # the app's pricing plan
OTHER_GROUP = "63f48e7a-3da6-47af-87c6-724cca25096f"  # another account's invoice group
NEW_CONTAINER_ITEM = {"type": "CREATION_ORDER", "itemId": "O3", "offeringId": CONTAINER}
CONTAINER_RELATION = {
    "relationshipType": "FAMILY_CONTAINER",
    "referenceType": "ORDER_ITEM",
    "itemId": "O2",
}

CASES = [
    _setting("REL-001", "all-enterprise", ALL, "/items/3/itemId", "O3"),
    _setting("REL-002", "all-enterprise", ALL, "/items/0/offeringId", UNKNOWN),
    _setting("REL-004", "jira-enterprise", [JIRA], f"/items/1/{RELS}/0/itemId", "O9"),
    _setting(
        "REL-005",
        "confluence-enterprise",
        [CONFLUENCE],
        f"/items/0/{RELS}/0/entitlementId",
        UNKNOWN,
    ),
    Case(
        "REL-006", "all-enterprise", ALL, _drop_relation(2, "FAMILY_CONTAINER"), f"/items/2/{RELS}"
    ),
    Case("REL-007", "jira-enterprise", [JIRA], _add_item(NEW_CONTAINER_ITEM), "/items/2"),
    # The JSM sample orders a new container: on acme, which has one, that is refused.
    Case("REL-008", "jsm-enterprise", [JSM], lambda order: None, "/items/0", site="acme"),
    _setting(
        "REL-009",
        "jira-enterprise",
        [JIRA],
        f"/items/1/{RELS}/1/entitlementId",
        PARENT["confluence"],
    ),
    Case(
        "REL-010", "all-enterprise", ALL, _add_relation(0, CONTAINER_RELATION), f"/items/0/{RELS}/1"
    ),
    _setting("REL-011", "jira-enterprise", [JIRA], "/items/0/optedUsageOptions", {"trial": {}}),
    _setting(
        "REL-012",
        "jsm-enterprise",
        [JSM],
        f"/items/1/{CHARGE}/chargeQuantities/0/chargeElement",
        "user",
    ),
    _setting("REL-013", "app", [APP], f"/items/0/{RELS}/0/entitlementId", ACME_JIRA),
    _setting("REL-014", "app", [APP], "/items/0/nextBillingAnchorTimestamp", 1),
    _setting(
        "REL-015",
        "confluence-enterprise",
        [CONFLUENCE],
        "/metadata/provisionRequestId",
        UNKNOWN,
    ),
    Case("REL-016", "all-enterprise", ALL, _only_first_item, "/items"),
    _setting(
        "REL-017", "jira-premium", [JIRA_PREMIUM], f"/items/1/{CHARGE}/pricingPlanId", OTHER_PLAN
    ),
    _setting("REL-018", "confluence-enterprise", [CONFLUENCE], "/invoiceGroupId", OTHER_GROUP),
    Case(
        "REL-019",
        "confluence-enterprise",
        [CONFLUENCE],
        _add_item({**NEW_CONTAINER_ITEM, "itemId": "O2"}),
        "/items/1",
    ),
    # ASM-047: a second Confluence for the one site (the sandbox would show two workspaces).
    Case(
        "REL-020",
        "confluence-enterprise",
        [CONFLUENCE],
        lambda order: order["items"].append({**copy.deepcopy(order["items"][0]), "itemId": "O2"}),
        "/items/1/offeringId",
    ),
    _setting(
        "REL-021",
        "jira-enterprise",
        [JIRA],
        "/items/1/promotions",
        [{"promotionDefinition": {"promotionCode": "PROMO_CODE"}}],
    ),
]


def _provision(api: Api, case: Case) -> str:
    if case.offerings == [APP]:
        response = api.provision_app(ari("jira-software", ACME_CLOUD_ID))
        assert response.status_code == 200, response.text
        return response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    timezone = None if case.site == "acme" else "Australia/Sydney"
    return api.provisioned(case.offerings, case.site, timezone=timezone)


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_each_rule_is_refused_with_its_id(api: Api, case: Case) -> None:
    request_id = _provision(api, case)
    order = cookbook_order(case.sample, request_id)
    case.breaks(order)
    refused = api.place(order)
    assert refused.status_code == 422, refused.text
    assert case.rule in rule_ids(refused)
    found = [e for e in refused.json()["errors"] if e.get("meta", {}).get("ruleId") == case.rule]
    assert case.pointer in {e["source"]["pointer"] for e in found}
    # A refused order creates nothing: the id is unknown and the request still waits.
    assert api.order(order["orderId"], order["transactionAccountId"]).status_code == 404
    if case.rule != "REL-015":
        assert api.status(request_id).json()["data"]["status"] == "IN_PROGRESS"
    # The unbroken sample is accepted on the same request (the case breaks one thing only).
    if case.rule not in ("REL-008", "REL-015"):
        fixed = cookbook_order(case.sample, request_id)
        assert api.place(fixed).status_code == 200


def test_every_rule_the_sandbox_can_trigger_has_a_case() -> None:
    covered = {c.rule for c in CASES} | {"REL-003"}  # REL-003: test_orders idempotency
    assert covered == {r.id for r in RULES}


def test_existing_site_must_relate_to_its_own_container(api: Api) -> None:
    """REL-008, second form: on acme, the JSM item names globex's container."""
    request_id = api.provisioned([JSM], "acme", timezone=None)
    order = cookbook_order(
        "add-jsm-existing-site",
        request_id,
        jiraFamilyContainerEntitlementId="c69b31ea-ed4b-37d0-91c3-583a40c8fd9c",
    )
    refused = api.place(order)
    assert refused.status_code == 422
    assert "REL-008" in rule_ids(refused)


def test_a_new_site_has_no_container_to_reuse(api: Api) -> None:
    """REL-008 on a new site: a Jira item must relate to a container order item."""
    request_id = api.provisioned([JSM])
    order = cookbook_order(
        "add-jsm-existing-site",
        request_id,
        jiraFamilyContainerEntitlementId=ACME_CONTAINER,
    )
    refused = api.place(order)
    assert refused.status_code == 422
    assert "REL-008" in rule_ids(refused)


def test_a_site_made_by_an_order_then_has_its_container(api: Api) -> None:
    """After a Jira order makes acme-2 and its container, adding JSM must reuse it."""
    first = api.provisioned([JIRA])
    order = cookbook_order("jira-enterprise", first)
    api.place(order)
    api.advance(3)
    container = item_of(api.order(order["orderId"], order["transactionAccountId"]).json(), "O1")[
        "processingInfo"
    ]["entitlement"]["id"]

    second = api.provisioned([JSM], "acme-2", timezone=None)
    refused = api.place(cookbook_order("jsm-enterprise", second) | {"orderId": str(uuid.uuid4())})
    assert "REL-008" in rule_ids(refused)
    reuse = cookbook_order(
        "add-jsm-existing-site", second, jiraFamilyContainerEntitlementId=container
    ) | {"orderId": str(uuid.uuid4())}
    assert api.place(reuse).status_code == 200


def test_app_on_a_parent_entitlement_is_refused(api: Api) -> None:
    """REL-013: APP_DEPENDENCE names the site's family container (ASM-041), never a parent
    entitlement."""
    response = api.provision_app(ari("jira-software", ACME_CLOUD_ID))
    request_id = response.json()["data"]["statusUrl"].rsplit("/", 1)[1]
    order = cookbook_order("app", request_id)
    order["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = PARENT["jsm"]
    refused = api.place(order)
    assert refused.status_code == 422
    assert "REL-013" in rule_ids(refused)


def test_an_app_depending_on_another_apps_entitlement_is_refused_as_such(api: Api) -> None:
    """An app's entitlement is one of the org's (its details answer): an app depending on
    it is refused by REL-013 (an app depends on a product or its site's container), at
    its entitlementId, not by REL-005 as an entitlement 'not known in this org'."""
    acme_jira = ari("jira-software", ACME_CLOUD_ID)
    first = api.provision_app(acme_jira).json()["data"]["statusUrl"].rsplit("/", 1)[1]
    order = cookbook_order("app", first)
    assert api.place(order).status_code == 200
    api.advance(3)
    placed = api.order(order["orderId"], order["transactionAccountId"]).json()
    app_entitlement = item_of(placed, "O1")["processingInfo"]["entitlement"]["id"]
    assert api.details(app_entitlement).status_code == 200

    second = api.provision_app(acme_jira).json()["data"]["statusUrl"].rsplit("/", 1)[1]
    again = cookbook_order("app", second) | {"orderId": str(uuid.uuid4())}
    again["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = app_entitlement
    refused = api.place(again)
    assert refused.status_code == 422
    found = [(e["meta"]["ruleId"], e["source"]["pointer"]) for e in errors(refused)]
    assert found == [("REL-013", "/items/0/relatesFromEntitlements/0/entitlementId")], found
