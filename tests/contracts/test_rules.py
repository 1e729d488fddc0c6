"""Each relationship rule: an order that passes it, and an order that breaks it once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.contracts import (
    RULES,
    Catalogue,
    OrderContext,
    ProvisioningFacts,
    Readings,
    check_order,
    load_catalogue,
    load_profile,
    rules,
)
from harness.contracts.profile import Entitlement
from tests.edits import Edit, append_at, delete_at, set_at

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookbook"
CATALOGUE = load_catalogue()
NOW = 1_800_000_000.0
JIRA = "799958b5-36bb-4a3d-9289-9fd2986352a7"
JSM = "4021727f-e6d1-47ad-be64-2367755f5c51"
CONFLUENCE = "39605741-b92f-4763-8229-7bba2d16433c"
CONTAINER = "009f8789-c10c-4366-9420-f712d02a6499"
PREMIUM = "6dd805b4-da75-4374-a7a7-cf0b12f7ea07"
APP = "3198373c-f623-445a-be6d-da924f4161d2"
ACME_CONTAINER = "d71ec13e-301b-35bf-9808-653f5be6c256"  # the app sample's parent
GLOBEX_CONTAINER = "c69b31ea-ed4b-37d0-91c3-583a40c8fd9c"
ACME_JIRA = "f5050916-617d-49d5-9aa8-382185a0c0b3"
ACME_JIRA_ARI = "ari:cloud:jira-software::site/4745a76c-290c-49d4-aa23-04d5ccb3c52d"
GLOBEX_JIRA_ARI = "ari:cloud:jira-software::site/c9c33dfb-7cc6-42dc-8243-4abe82128f16"
PROMO = [{"promotionDefinition": {"promotionCode": "PROMO_CODE"}}]


def order(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"order-place-{name}.request.json").read_text())
    text = json.dumps(data).replace("{{$randomUUID}}", "5b0f1f1e-8d55-4c63-9a57-0f3f3c6f1a01")
    text = text.replace("{{jiraFamilyContainerEntitlementId}}", ACME_CONTAINER)
    return json.loads(
        text.replace("6664d179-c5e8-4f6a-9f45-8a9f0756440", "6664d179-c5e8-4f6a-9f45-8a9f07564400")
    )


def provisioning(
    offerings: list[str],
    *,
    site: str | None = "acme-2",
    age: float = 30,
    status: str = "IN_PROGRESS",
    ordered: bool = False,
    product_ari: str | None = None,
) -> OrderContext:
    facts = ProvisioningFacts(
        "bb8c5447-c7d3-4aaf-8897-ab28370a753b",
        status,
        NOW - age,
        tuple(offerings),
        site,
        product_ari,
        ordered,
    )
    return OrderContext(now=NOW, provisioning=facts)


def ctx_for(body: dict[str, Any], **kwargs: Any) -> OrderContext:
    offerings = [i["offeringId"] for i in body["items"] if i["offeringId"] != CONTAINER]
    return provisioning(offerings, **kwargs)


def found(body: dict[str, Any], context: OrderContext | None = None) -> list[tuple[str, str]]:
    return [(v.rule or "", v.pointer) for v in check_order(body, CATALOGUE, context)]


JSM_CHARGE = "/items/1/optedUsageOptions/chargingDetails/chargeQuantities/0"
FC_ITEM = {"relationshipType": "FAMILY_CONTAINER", "referenceType": "ORDER_ITEM", "itemId": "O1"}
USER_100 = {"chargingDetails": {"chargeQuantities": [{"chargeElement": "user", "quantity": 100}]}}

# rule, base order, mutation, expected (rule, pointer); context-free rules.
BROKEN: list[tuple[str, str, Edit, str]] = [
    ("REL-001", "all-enterprise", set_at("/items/3/itemId", "O3"), "/items/3/itemId"),
    (
        "REL-002",
        "confluence-enterprise",
        set_at("/items/0/offeringId", "00000000-0000-4000-8000-000000000000"),
        "/items/0/offeringId",
    ),
    (
        "REL-004",
        "jira-enterprise",
        set_at("/items/1/relatesFromEntitlements/0/itemId", "O9"),
        "/items/1/relatesFromEntitlements/0/itemId",
    ),
    (
        "REL-005",
        "confluence-enterprise",
        set_at(
            "/items/0/relatesFromEntitlements/0/entitlementId",
            "00000000-0000-4000-8000-00000000000a",
        ),
        "/items/0/relatesFromEntitlements/0/entitlementId",
    ),
    (
        "REL-006",
        "jsm-enterprise",
        delete_at("/items/1/relatesFromEntitlements/0"),
        "/items/1/relatesFromEntitlements",
    ),
    (
        "REL-007",
        "all-enterprise",
        append_at("/items", {"type": "CREATION_ORDER", "itemId": "O5", "offeringId": CONTAINER}),
        "/items/4",
    ),
    (
        "REL-009",
        "jira-enterprise",
        set_at(
            "/items/1/relatesFromEntitlements/1/entitlementId",
            "a4c95dd2-eb2d-46a8-b9a4-7076fb8e7548",
        ),
        "/items/1/relatesFromEntitlements/1/entitlementId",
    ),
    (
        "REL-010",
        "all-enterprise",
        append_at("/items/0/relatesFromEntitlements", {**FC_ITEM, "itemId": "O2"}),
        "/items/0/relatesFromEntitlements/1",
    ),
    (
        "REL-011",
        "jira-enterprise",
        set_at("/items/0/optedUsageOptions", USER_100),
        "/items/0/optedUsageOptions",
    ),
    (
        "REL-012",
        "jsm-enterprise",
        set_at(
            "/items/1/optedUsageOptions/chargingDetails/chargeQuantities/0/chargeElement", "user"
        ),
        "/items/1/optedUsageOptions/chargingDetails/chargeQuantities/0/chargeElement",
    ),
    (
        # ASM-041: an app on Jira depends on the family container, not the Jira itself.
        "REL-013",
        "app",
        set_at("/items/0/relatesFromEntitlements/0/entitlementId", ACME_JIRA),
        "/items/0/relatesFromEntitlements/0/entitlementId",
    ),
    (
        "REL-014",
        "app",
        set_at("/items/0/nextBillingAnchorTimestamp", 1765520321000),
        "/items/0/nextBillingAnchorTimestamp",
    ),
    (
        "REL-017",
        "jira-premium",
        set_at(
            "/items/1/optedUsageOptions/chargingDetails/pricingPlanId",
            "99eb1387-befd-47bc-a2e6-9e66eb086281",
        ),
        "/items/1/optedUsageOptions/chargingDetails/pricingPlanId",
    ),
    (
        "REL-018",
        "jira-enterprise",
        set_at("/invoiceGroupId", "2f100e51-b40a-4d9a-8809-63b1ffdde012"),
        "/invoiceGroupId",
    ),
    (
        "REL-019",
        "confluence-enterprise",
        append_at("/items", {"type": "CREATION_ORDER", "itemId": "O2", "offeringId": CONTAINER}),
        "/items/1",
    ),
    (
        # ASM-047: a second Confluence instance for the one site of the order.
        "REL-020",
        "all-enterprise",
        append_at(
            "/items",
            {
                "type": "CREATION_ORDER",
                "itemId": "O5",
                "offeringId": CONFLUENCE,
                "optedUsageOptions": USER_100,
                "relatesFromEntitlements": [
                    {
                        "relationshipType": "ENTERPRISE",
                        "referenceType": "ENTITLEMENT",
                        "entitlementId": "1036832a-8660-4293-9178-3a12b19bc67c",
                    }
                ],
            },
        ),
        "/items/4/offeringId",
    ),
    (
        # ASM-045: the cookbook's promotion code is the app's.
        "REL-021",
        "jira-enterprise",
        set_at("/items/1/promotions", PROMO),
        "/items/1/promotions",
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "base", "mutate", "pointer"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_breaking_a_rule_once_is_refused_with_its_id(
    rule_id: str,
    base: str,
    mutate: Edit,
    pointer: str,
) -> None:
    body = order(base)
    assert found(body) == []  # the base passes every rule
    mutate(body)
    assert found(body) == [(rule_id, pointer)]


@pytest.mark.parametrize(
    "base",
    [
        "confluence-enterprise",
        "jira-enterprise",
        "jsm-enterprise",
        "all-enterprise",
        "jira-premium",
    ],
)
def test_new_site_orders_pass_the_context_rules(base: str) -> None:
    body = order(base)
    assert found(body, ctx_for(body)) == []


def test_add_jsm_to_an_existing_site_passes_with_its_container() -> None:
    body = order("add-jsm-existing-site")
    assert found(body, ctx_for(body, site="acme")) == []


def test_app_order_passes_when_provisioned_on_its_parent() -> None:
    """The app sample, installed on acme's Jira: it depends on acme's family container
    d71ec13e and bills from acme's Jira anchor (ASM-041)."""
    body = order("app")
    assert found(body, ctx_for(body, site=None, product_ari=ACME_JIRA_ARI)) == []


def test_rel_008_existing_site_must_reuse_its_container() -> None:
    body = order("jsm-enterprise")  # orders a new container item
    assert found(body, ctx_for(body, site="acme")) == [("REL-008", "/items/0")]


def test_rel_008_container_of_another_site_is_refused() -> None:
    body = order("add-jsm-existing-site")
    body["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = GLOBEX_CONTAINER
    assert found(body, ctx_for(body, site="acme")) == [
        ("REL-008", "/items/0/relatesFromEntitlements/0/entitlementId")
    ]


def test_rel_008_a_new_site_has_no_container_to_reuse() -> None:
    body = order("add-jsm-existing-site")
    assert found(body, ctx_for(body, site="acme-9")) == [
        ("REL-008", "/items/0/relatesFromEntitlements/0/entitlementId")
    ]


def test_rel_013_app_must_depend_on_the_product_it_was_provisioned_on() -> None:
    """Installed on globex's Jira, the app depends on globex's container, not acme's, and
    bills from globex's Jira anchor."""
    body = order("app")
    assert found(body, ctx_for(body, site=None, product_ari=GLOBEX_JIRA_ARI)) == [
        ("REL-013", "/items/0/relatesFromEntitlements/0/entitlementId"),
        ("REL-014", "/items/0/nextBillingAnchorTimestamp"),
    ]
    body["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = GLOBEX_CONTAINER
    body["items"][0]["nextBillingAnchorTimestamp"] = 1765520321000
    assert found(body, ctx_for(body, site=None, product_ari=GLOBEX_JIRA_ARI)) == []


ALTERNATIVE = Readings(frozenset({"ASM-041", "ASM-043"}))


def test_rel_013_read_the_other_way_an_app_depends_on_its_product() -> None:
    """ASM-041's alternative: the app sample (parent: acme's family container) is refused;
    the same app depending on acme's Jira passes. Both sides, with and without context."""
    body = order("app")
    context = ctx_for(body, site=None, product_ari=ACME_JIRA_ARI)
    other = OrderContext(context.now, context.provisioning, readings=ALTERNATIVE)
    pointer = ("REL-013", "/items/0/relatesFromEntitlements/0/entitlementId")
    assert found(body, other) == [pointer]
    assert [(v.rule, v.pointer) for v in check_order(body, CATALOGUE, readings=ALTERNATIVE)] == [
        pointer
    ]
    body["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = ACME_JIRA
    assert found(body, other) == []
    assert found(body, context) == [pointer]  # the harness's reading: the container


def test_rel_012_read_the_other_way_enterprise_needs_no_charge_quantity() -> None:
    """ASM-043: an Enterprise item without charge quantities is refused by the harness's
    reading and accepted by the other; Jira Premium needs one either way."""
    body = order("confluence-enterprise")
    del body["items"][0]["optedUsageOptions"]
    missing = ("REL-012", "/items/0/optedUsageOptions/chargingDetails/chargeQuantities")
    assert found(body) == [missing]
    assert check_order(body, CATALOGUE, readings=ALTERNATIVE) == []
    premium = order("jira-premium")
    del premium["items"][1]["optedUsageOptions"]["chargingDetails"]["chargeQuantities"]
    assert [v.rule for v in check_order(premium, CATALOGUE, readings=ALTERNATIVE)] == ["REL-012"]


def test_rel_014_an_app_without_its_anchor_is_refused() -> None:
    """ASM-044: the anchor is required of an app item; a product item may carry one."""
    body = order("app")
    del body["items"][0]["nextBillingAnchorTimestamp"]
    assert found(body) == [("REL-014", "/items/0/nextBillingAnchorTimestamp")]
    assert "1752745039000" in check_order(body, CATALOGUE)[0].message
    premium = order("jira-premium")
    assert "nextBillingAnchorTimestamp" in premium["items"][1] and found(premium) == []


def test_rel_021_promotions_on_an_app_pass() -> None:
    body = order("app")
    assert body["items"][0]["promotions"] == PROMO and found(body) == []


def test_rel_013_only_apps_use_app_dependence() -> None:
    body = order("confluence-enterprise")
    body["items"][0]["relatesFromEntitlements"].append(
        {
            "relationshipType": "APP_DEPENDENCE",
            "referenceType": "ENTITLEMENT",
            "entitlementId": ACME_JIRA,
        }
    )
    assert found(body) == [("REL-013", "/items/0/relatesFromEntitlements/1")]


@pytest.mark.parametrize(
    ("age", "status", "ordered", "code"),
    [
        (599, "IN_PROGRESS", False, None),
        (600, "IN_PROGRESS", False, None),
        (601, "IN_PROGRESS", False, "PROVISIONING_WINDOW_CLOSED"),
        (30, "FAILED", False, "PROVISIONING_WINDOW_CLOSED"),
        (30, "COMPLETED", True, "PROVISIONING_REQUEST_NOT_WAITING"),
        (30, "IN_PROGRESS", True, "PROVISIONING_REQUEST_NOT_WAITING"),
    ],
)
def test_rel_015_provisioning_window(
    age: float, status: str, ordered: bool, code: str | None
) -> None:
    body = order("jira-enterprise")
    violations = check_order(
        body, CATALOGUE, ctx_for(body, age=age, status=status, ordered=ordered)
    )
    assert [(v.rule, v.code, v.pointer) for v in violations] == (
        [] if code is None else [("REL-015", code, "/metadata/provisionRequestId")]
    )


def test_rel_015_unknown_provisioning_request() -> None:
    violations = check_order(order("jira-enterprise"), CATALOGUE, OrderContext(NOW, None))
    assert [(v.rule, v.code) for v in violations] == [("REL-015", "PROVISIONING_REQUEST_UNKNOWN")]


def test_rel_016_provisioned_but_not_ordered_and_ordered_but_not_provisioned() -> None:
    body = order("jira-enterprise")
    assert found(body, provisioning([JIRA, CONFLUENCE])) == [("REL-016", "/items")]
    assert found(body, provisioning([JSM])) == [
        ("REL-016", "/items"),
        ("REL-016", "/items/1/offeringId"),
    ]


def test_rel_018_header_must_match_the_body() -> None:
    body = order("jira-enterprise")
    context = OrderContext(
        NOW,
        ctx_for(body).provisioning,
        transaction_account_header="78e855e6-731e-4819-b23e-7854aad854c8",
    )
    assert found(body, context) == [("REL-018", "/transactionAccountId")]


def test_rules_without_context_skip_the_context_rules() -> None:
    body = order("jira-enterprise")
    body["metadata"]["provisionRequestId"] = "00000000-0000-4000-8000-000000000001"
    assert found(body) == []


def test_rules_survive_schema_invalid_orders() -> None:
    for junk in [
        None,
        [],
        {"items": "x"},
        {"items": [1, None, {"relatesFromEntitlements": [1]}]},
        {
            "items": [
                {
                    "offeringId": JIRA,
                    "relatesFromEntitlements": "x",
                    "optedUsageOptions": {"chargingDetails": {"chargeQuantities": [7]}},
                }
            ]
        },
    ]:
        check_order(junk, CATALOGUE, provisioning([JIRA]))


def test_every_rule_is_documented_and_covered_here() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.quote and rule.title and rule.section
        assert rule.check is None or rule.doc, rule.id
    covered = {b[0] for b in BROKEN} | {"REL-003", "REL-008", "REL-015", "REL-016"}
    assert covered == set(ids)
    assert rules.rule("REL-003").needs == "store"


@pytest.mark.parametrize(
    "edit",
    [
        set_at("/items/2/relatesFromEntitlements/0/itemId", ["O2"]),
        set_at("/items/0/itemId", {"O": 1}),
        set_at("/items/1/itemId", ["O2"]),
        set_at("/items/0/offeringId", [JIRA]),
        set_at("/items/0/optedUsageOptions/chargingDetails", True),
        set_at("/items/0/optedUsageOptions", [1]),
        set_at("/metadata", ["x"]),
        set_at("/items/0/relatesFromEntitlements", {"a": 1}),
    ],
    ids=[
        "list-as-reference",
        "object-as-itemId",
        "list-as-container-itemId",
        "list-as-offeringId",
        "true-as-chargingDetails",
        "list-as-usage-options",
        "list-as-metadata",
        "object-as-relationships",
    ],
)
def test_the_rules_judge_any_shape_without_raising(edit: Edit) -> None:
    """Found by fuzzing (issue 13): wrong-typed values made the rules raise, and
    ``harness validate order`` end in a traceback. The schema names them; the rules pass."""
    broken = order("all-enterprise")
    edit(broken)
    context = provisioning([CONFLUENCE, JIRA, JSM])
    assert isinstance(check_order(broken, CATALOGUE, context), list)


def test_rel_012_judges_by_the_product_when_the_catalogue_names_no_charge_element() -> None:
    """The schema lets an offering omit chargeElement (a real org's catalogue need not
    say it); the cookbook's rule is the product's: user for Jira and Confluence, agent for
    JSM. Before, such an offering was never judged, and the REL-012 scenarios of an org
    whose profile omitted it failed (the sandbox accepted the broken order)."""
    data = json.loads(json.dumps(load_profile().raw["catalogue"]))
    for offering in data["offerings"]:
        if offering["product"] != "app":
            offering.pop("chargeElement", None)
    plain = Catalogue.from_data(data)
    jsm_per_user = order("jsm-enterprise")
    jsm_per_user["items"][1]["optedUsageOptions"] = USER_100
    assert [(v.rule, v.pointer) for v in check_order(jsm_per_user, plain)] == [
        ("REL-012", JSM_CHARGE + "/chargeElement")
    ]
    without = order("confluence-enterprise")
    del without["items"][0]["optedUsageOptions"]
    assert [(v.rule, v.pointer) for v in check_order(without, plain)] == [
        ("REL-012", "/items/0/optedUsageOptions/chargingDetails/chargeQuantities")
    ]
    assert check_order(order("all-enterprise"), plain) == []


@pytest.mark.parametrize(
    "relation",
    [
        {"relationshipType": "FAMILY_CONTAINER", "referenceType": "ENTITLEMENT"},
        {"relationshipType": "FAMILY_CONTAINER", "referenceType": "ORDER_ITEM", "itemId": "O2"},
    ],
    ids=["entitlement", "order-item"],
)
def test_rel_010_an_app_relates_to_no_family_container(relation: dict[str, Any]) -> None:
    """Only Jira and JSM relate to a family container (the cookbook's app sample carries
    its APP_DEPENDENCE alone): an app item with a FAMILY_CONTAINER relationship, to its
    site's container entitlement or to a container item of the order, is refused there."""
    body = order("app")
    if relation["referenceType"] == "ENTITLEMENT":
        relation = {**relation, "entitlementId": ACME_CONTAINER}
    else:
        body["items"].append({"type": "CREATION_ORDER", "itemId": "O2", "offeringId": CONTAINER})
    body["items"][0]["relatesFromEntitlements"].append(relation)
    assert ("REL-010", "/items/0/relatesFromEntitlements/1") in found(body)
    context = ctx_for(body, site="acme", product_ari=ACME_JIRA_ARI)
    assert ("REL-010", "/items/0/relatesFromEntitlements/1") in found(body, context)


def test_rel_011_the_family_container_item_takes_no_billing_anchor() -> None:
    """The cookbook's container item is bare (type, itemId, offeringId): a billing anchor
    on it is refused there, as usage options and relationships are (its promotions are
    REL-021's)."""
    body = order("jira-enterprise")
    body["items"][0]["nextBillingAnchorTimestamp"] = 1765520321000
    assert found(body) == [("REL-011", "/items/0/nextBillingAnchorTimestamp")]
    body["items"][0]["promotions"] = PROMO
    assert sorted(found(body)) == [
        ("REL-011", "/items/0/nextBillingAnchorTimestamp"),
        ("REL-021", "/items/0/promotions"),
    ]


GLOBEX_FAMILY = {
    "relationshipType": "FAMILY_CONTAINER",
    "referenceType": "ENTITLEMENT",
    "entitlementId": GLOBEX_CONTAINER,
}


@pytest.mark.parametrize(
    ("jira", "jsm"),
    [
        (None, {**GLOBEX_FAMILY, "entitlementId": ACME_CONTAINER}),
        (GLOBEX_FAMILY, {**GLOBEX_FAMILY, "entitlementId": ACME_CONTAINER}),
    ],
    ids=["order-item-and-entitlement", "two-sites-containers"],
)
def test_rel_006_jira_and_jsm_of_one_order_share_one_family_container(
    jira: dict[str, Any] | None, jsm: dict[str, Any]
) -> None:
    """'There is only one order item for the Jira family container, which is referenced in
    both Jira and JSM': Jira relating to one container and JSM to another (the order's
    item and a site's entitlement, or two sites' entitlements) is refused at the second,
    by the order alone, as the client judges it. Against a site, REL-008 says which one
    is the site's, and REL-006 does not report it again."""
    body = order("all-enterprise")
    if jira is not None:
        body["items"][2]["relatesFromEntitlements"][0] = jira
        del body["items"][1]  # no container item: both relate to entitlements
        jsm_at = 2
    else:
        jsm_at = 3
    body["items"][jsm_at]["relatesFromEntitlements"][0] = jsm
    assert found(body) == [("REL-006", f"/items/{jsm_at}/relatesFromEntitlements/0/entitlementId")]
    for site in ("acme", None):
        assert "REL-006" not in {rule for rule, _ in found(body, ctx_for(body, site=site))}
        assert "REL-008" in {rule for rule, _ in found(body, ctx_for(body, site=site))}


def test_rel_009_an_org_without_the_products_parent_says_so() -> None:
    """An org whose catalogue lists no parent Enterprise entitlement for a product cannot
    order its Enterprise instance: REL-009 refuses it saying that, never 'parent None'."""
    catalogue = Catalogue(
        CATALOGUE.offerings,
        {p: e for p, e in CATALOGUE.parent_entitlements.items() if p != "jsm"},
        CATALOGUE.transaction_accounts,
        CATALOGUE.sites,
    )
    body = order("jsm-enterprise")
    jira_parent = CATALOGUE.parent_entitlements["jira"]
    for relation in (jira_parent, None):
        rels = body["items"][1]["relatesFromEntitlements"]
        if relation is None:
            del rels[1]
        else:
            rels[1]["entitlementId"] = relation
        refused = check_order(body, catalogue)
        assert [(v.rule, v.pointer) for v in refused] == [
            (
                "REL-009",
                "/items/1/relatesFromEntitlements" + ("/1/entitlementId" if relation else ""),
            )
        ]
        assert "None" not in refused[0].message, refused[0].message
        assert "no parent Enterprise entitlement for jsm" in refused[0].message


def test_an_apps_entitlement_is_the_orgs_and_no_parent() -> None:
    """An app's entitlement (the sandbox's catalogue lists those its orders made) is known:
    an app depending on it is refused by REL-013, a Jira item's family container naming it
    by REL-006, each at its entitlementId, never by REL-005 as unknown."""
    app_entitlement = "5d7c8a34-9f1e-4b6a-8c2d-3e4f5a6b7c8d"
    acme = CATALOGUE.site("acme")
    assert acme is not None
    catalogue = CATALOGUE.with_sites(
        CATALOGUE.sites, [Entitlement(app_entitlement, "app", "app", acme, 1752745039000)]
    )
    assert catalogue.entitlement(app_entitlement) is not None
    assert catalogue.with_sites(catalogue.sites).entitlement(app_entitlement) is not None

    def judged(body: dict[str, Any], context: OrderContext | None = None) -> list[Any]:
        return [(v.rule, v.pointer) for v in check_order(body, catalogue, context)]

    app = order("app")
    app["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = app_entitlement
    at = "/items/0/relatesFromEntitlements/0/entitlementId"
    assert judged(app) == [("REL-013", at)]
    assert judged(app, ctx_for(app, site="acme", product_ari=ACME_JIRA_ARI)) == [("REL-013", at)]
    jira = order("add-jsm-existing-site")
    jira["items"][0]["relatesFromEntitlements"][0]["entitlementId"] = app_entitlement
    assert judged(jira) == [("REL-006", at)]
