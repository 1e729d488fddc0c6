"""Order steps: build each cookbook order shape, place it, track it, and read refusals."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pytest_bdd import parsers, then, when

from harness.client import (
    Order,
    OrderBuilder,
    OrderFailed,
    ProvisioningRequest,
    ProvisioningWindowClosed,
)
from harness.client.journeys import place_order_in_window
from harness.contracts import roles
from harness.contracts.profile import WORKSPACE_TYPE
from harness.suite.plan import ScenarioPlan, planned
from harness.suite.world import World

#: Cookbook, 'Place order for apps': the app vendor's code.
PROMOTION_CODE = "PROMO_CODE"


def _builder(world: World) -> OrderBuilder:
    request = world.provisioning
    assert isinstance(request, ProvisioningRequest), f"no provisioning request: {request}"
    return OrderBuilder.for_profile(world.profile, request, **world.order_options())


def _premium(builder: OrderBuilder, world: World) -> OrderBuilder:
    # The Jira Premium (Open Source) sample's end time is also its billing anchor.
    ends_at = roles.premium_ends_at(world.profile)
    return builder.jira_premium(ends_at=ends_at, billing_anchor=ends_at)


#: The order shapes of the cookbook, by the name the features give them.
SHAPES: dict[str, Callable[[OrderBuilder, World], OrderBuilder]] = {
    "Confluence Enterprise": lambda b, w: b.confluence(),
    "Jira Enterprise": lambda b, w: b.jira(),
    "JSM Enterprise": lambda b, w: b.jsm(),
    "all Enterprise products": lambda b, w: b.confluence().jira().jsm(),
    "Jira Premium (Open Source)": _premium,
}


def _shape(world: World, kind: str) -> dict[str, Any]:
    if kind not in SHAPES:
        raise AssertionError(f"no order shape {kind!r}; known: {', '.join(SHAPES)}")
    return SHAPES[kind](_builder(world), world).build()


def _send(world: World, body: dict[str, Any], *, in_window: bool = True, **kw: Any) -> None:
    """Place ``body``: through the 10-minute guard (``in_window``) or straight."""
    world.guard_order()
    world.order_body = body
    request = world.provisioning

    def place() -> Order:
        if in_window:
            return place_order_in_window(world.api, request, body, **kw)
        return world.api.place_order(body, **kw)

    try:
        world.attempt(place)
    except ProvisioningWindowClosed as refused:
        world.not_sent("orders.place", refused, body)
    if isinstance(world.outcome, Order):
        world.order = world.outcome
        world.placed.append(world.outcome)


def _one_order(plan: ScenarioPlan, **_: Any) -> None:
    plan.order()


_PLACE = parsers.re(r"I place the (?P<kind>.+?) order for that provisioning request")


@planned(_PLACE, _one_order)
@when(_PLACE)
def place_order(world: World, kind: str) -> None:
    _send(world, _shape(world, kind))


_SEND = parsers.re(r"I send the (?P<kind>.+?) order for that provisioning request")


@planned(_SEND, _one_order)
@when(_SEND)
def send_order(world: World, kind: str) -> None:
    _send(world, _shape(world, kind), in_window=False)


_BROKEN = parsers.re(
    r"I place the (?P<kind>.+?) order for that provisioning request, except that (?P<breakage>.+)"
)


def _plan_broken(plan: ScenarioPlan, breakage: str) -> None:
    plan.order()
    plan.need(*BREAKAGE_ROLES.get(breakage, ()))


@planned(_BROKEN, _plan_broken)
@when(_BROKEN)
def place_broken_order(world: World, kind: str, breakage: str) -> None:
    body = copy.deepcopy(_shape(world, kind))
    if breakage not in BREAKAGES:
        raise AssertionError(f"no breakage {breakage!r}; known: {', '.join(BREAKAGES)}")
    BREAKAGES[breakage](world, body)
    _send(world, body)


_NAMING = parsers.re(
    r'I place the (?P<kind>.+?) order naming provisioning request "(?P<request_id>[^"]+)"'
)


@planned(_NAMING, _one_order)
@when(_NAMING)
def place_order_naming(world: World, kind: str, request_id: str) -> None:
    body = _shape(world, kind)
    body["metadata"]["provisionRequestId"] = request_id
    _send(world, body, in_window=False)


_ONTO_SITE = parsers.re(
    r"I place the JSM order onto the site's family container(?P<v1> on the v1 path)?"
)


@planned(_ONTO_SITE, _one_order)
@when(_ONTO_SITE)
def place_jsm_on_site(world: World, v1: str | None) -> None:
    # Cookbook, 'Existing sites': the container comes from the entitlement details, or
    # (when the scenario skipped that step) from the site the role gave the scenario.
    container = world.details if world.details is not None else world.site
    assert container is not None, "no site yet: a 'Given a site with ...' step is missing"
    body = _builder(world).on_site(container).jsm().build()
    _send(world, body, api_version="v1" if v1 else "v2")


def _app_order(world: World, **kw: Any) -> dict[str, Any]:
    parent = world.app_parent
    if parent is None:  # no details step: the parent is the workspace's entitlement
        parent = world.workspace.entitlement_id
        known = world.profile.catalogue.entitlement(parent)
        if known is None or known.billing_anchor is None:
            # The profile does not know the anchor it bills from: the details give it
            # (cookbook, 'Prerequisites').
            parent = world.api.entitlement_details(parent)
    # The app the scenario provisioned (the role's), not merely the catalogue's first.
    return _builder(world).app(parent, offering_id=world.role("the app").id, **kw).build()


_APP_ORDER = (
    "I place the app order with a promotion code, skipping the trial, billed from the "
    "parent's anchor"
)


@planned(_APP_ORDER, _one_order)
@when(_APP_ORDER)
def place_app_order(world: World) -> None:
    _send(world, _app_order(world, promotion_code=PROMOTION_CODE, skip_trial=True))


_OTHER_ANCHOR = "I place the app order billed from another entitlement's anchor"


@planned(_OTHER_ANCHOR, _one_order)
@when(_OTHER_ANCHOR)
def place_app_order_with_another_anchor(world: World) -> None:
    body = _app_order(world)
    item = body["items"][0]
    item["nextBillingAnchorTimestamp"] = roles.other_billing_anchor(
        world.profile, item.get("nextBillingAnchorTimestamp")
    )
    _send(world, body)


_NO_DEPENDENCE = "I place the app order without its APP_DEPENDENCE relationship"


@planned(_NO_DEPENDENCE, _one_order)
@when(_NO_DEPENDENCE)
def place_app_order_without_dependence(world: World) -> None:
    body = _app_order(world)
    body["items"][0]["relatesFromEntitlements"] = []
    _send(world, body)


@when("I send the same order again")
def send_same_order_again(world: World) -> None:
    assert world.order_body is not None
    _send(world, copy.deepcopy(world.order_body))


@when("I send the same orderId with twice the users")
def send_conflicting_order(world: World) -> None:
    body = copy.deepcopy(world.order_body)
    assert body is not None
    changed = 0
    for item in body["items"]:
        for quantity in (
            item.get("optedUsageOptions", {}).get("chargingDetails", {}).get("chargeQuantities", [])
        ):
            quantity["quantity"] *= 2
            changed += 1
    assert changed, "the order has no charge quantity to change"
    _send(world, body)


@when("I get the order")
def get_the_order(world: World) -> None:
    order = world.order
    world.attempt(lambda: world.api.get_order(order.order_id, order.transaction_account_id))


@when("I get the order without the X-transaction-account header")
def get_order_without_header(world: World) -> None:
    order = world.order
    with world.breaking_the_request_contract():
        # The client always sends the header; an empty one stands for a missing one.
        world.attempt(lambda: world.api.get_order(order.order_id, ""))


_ACCOUNT = "a transaction account with an invoice group"
_GET_BY_ID = parsers.parse('I get the order "{order_id}"')


@planned(_GET_BY_ID, lambda plan: plan.need(_ACCOUNT))
@when(_GET_BY_ID)
def get_order_by_id(world: World, order_id: str) -> None:
    account = world.role(_ACCOUNT)[0]
    world.attempt(lambda: world.api.get_order(order_id, account))


# -- outcomes -----------------------------------------------------------------------


@then("the order is accepted with one item per ordered offering")
def order_accepted(world: World) -> None:
    order = world.result(Order)
    body = world.order_body
    assert body is not None
    assert order.order_id == body["orderId"]
    assert [i.item_id for i in order.items] == [i["itemId"] for i in body["items"]]


@then("every item of the order reaches SUCCESS")
def every_item_succeeds(world: World) -> None:
    order = world.order
    assert isinstance(order, Order), f"no order was placed: {world.outcome}"
    world.order = world.wait_for_order(order)


@then("every item of the order has its entitlement")
def every_item_has_entitlement(world: World) -> None:
    order = world.order
    ids = [item.entitlement_id for item in order.items]
    assert all(ids) and len(set(ids)) == len(ids), f"entitlements: {ids}"


@then("every item of the order is PROCESSING without an entitlement")
def every_item_processing(world: World) -> None:
    order = world.result(Order)
    assert [(i.status, i.entitlement_id) for i in order.items] == [("PROCESSING", None)] * len(
        order.items
    )


@then(parsers.parse('the order fails at item "{label}" with a reason'))
def order_fails_at_item(world: World, label: str) -> None:
    item_id = world.item_id(label)
    failed = world.order_outcome(world.order)
    assert isinstance(failed, OrderFailed), "the order succeeded; it should have failed"
    item = failed.order.item(item_id)
    assert item.status == "FAILED" and item.reason, f"{item_id}: {item}"
    assert item_id in str(failed)


@then(
    parsers.parse('the order is refused with status {status:d} naming rule "{rule}" at "{pointer}"')
)
def order_refused_naming_rule(world: World, status: int, rule: str, pointer: str) -> None:
    """The harness sandbox names the rule; an org is held to the status and to pointing at
    the field the rule names, or within it (ASM-060): rule ids are the harness's own."""
    error = world.refusal()
    assert error.status == status, f"expected {status}: {error}"
    if world.sandbox_answers:
        named = [(e.rule_id, e.pointer) for e in error.errors]
        assert (rule, pointer) in named, f"{rule} at {pointer} is not among {named}"
        return
    world.unchecked_against_org(f"the rule id {rule}")
    pointers = [e.pointer for e in error.errors]
    assert any(p == pointer or p.startswith(pointer + "/") for p in pointers if p), (
        f"the org refused the order but points at {pointers}, not at {pointer} (where "
        f"{rule} is broken): it contradicts ASM-060 (docs/errata.md)"
    )


@then(parsers.parse('the order is refused with status {status:d} and code "{code}"'))
def order_refused_with_code(world: World, status: int, code: str) -> None:
    error = world.refusal()
    if not world.sandbox_answers:  # codes are the harness sandbox's own (ASM-060)
        world.unchecked_against_org(f"the code {code}")
        assert error.status == status, f"expected {status}: {error}"
        return
    assert (error.status, error.code) == (status, code), str(error)


@then("the client refused to send the order because the window closed")
def client_refused_late_order(world: World) -> None:
    assert isinstance(world.outcome, ProvisioningWindowClosed), world.outcome
    assert not any(e.operation.startswith("orders.place") for e in world.exchanges)


@then("both answers are the same order")
def both_answers_same(world: World) -> None:
    first, second = world.placed[-2:]
    assert first.raw == second.raw


@then("the org has exactly one order with that orderId and one entitlement per item")
def one_order_one_entitlement_each(world: World) -> None:
    """The order read back holds every item sent, once, each with an entitlement of its
    own; and every product the order added to the site lists that item's entitlement and
    no other (a resend created nothing)."""
    placed = world.order
    order = world.api.get_order(placed.order_id, placed.transaction_account_id)
    sent = world.order_body["items"]
    assert [i.item_id for i in order.items] == [i["itemId"] for i in sent], (
        f"the org's order holds {[i.item_id for i in order.items]}, the order sent "
        f"{[i['itemId'] for i in sent]}"
    )
    entitlements = {item.item_id: item.entitlement_id for item in order.items}
    assert all(entitlements.values()), f"items without an entitlement: {entitlements}"
    assert len(set(entitlements.values())) == len(entitlements), f"shared: {entitlements}"
    offerings = world.profile.catalogue.offerings
    workspaces = list(world.api.iter_workspaces(world.provisioning_site))
    for item in sent:
        offering = offerings[item["offeringId"]]
        if not offering.is_instance:
            continue  # a family container has no workspace of its own
        kind = WORKSPACE_TYPE[offering.product]
        found = [w for w in workspaces if w.type == kind]
        assert len(found) == 1, f"{world.provisioning_site}: {len(found)} {kind} workspaces"
        listed = world.api.entitlements(found[0].product_ari).entitlements
        assert [e.entitlement_id for e in listed] == [entitlements[item["itemId"]]], (
            f"{kind} on {world.provisioning_site} lists {[e.entitlement_id for e in listed]}, "
            f"the order's item {item['itemId']} has {entitlements[item['itemId']]}"
        )


@then("the order holds exactly one family-container item, related from both Jira and JSM")
def one_family_container_item(world: World) -> None:
    body = world.order_body
    offerings = world.profile.catalogue.offerings
    containers = [
        i["itemId"] for i in body["items"] if offerings[i["offeringId"]].is_family_container
    ]
    assert len(containers) == 1
    related = {
        offerings[i["offeringId"]].product
        for i in body["items"]
        for r in i.get("relatesFromEntitlements", [])
        if r["relationshipType"] == "FAMILY_CONTAINER" and r.get("itemId") == containers[0]
    }
    assert related == {"jira", "jsm"}


def _share_one_container(world: World, name: str) -> None:
    page = world.api.query_workspaces(name)
    containers = set()
    for workspace in page.workspaces:
        if workspace.type in ("Jira Software", "Jira Service Management"):
            details = world.api.entitlement_details(workspace.entitlement_id)
            containers.add(details.family_container_id)
    assert len(containers) == 1 and None not in containers, containers


@then(parsers.parse('the Jira and JSM entitlements of site "{label}" share one family container'))
def jira_and_jsm_of_new_site_share_container(world: World, label: str) -> None:
    _share_one_container(world, world.site_named(label))


@then("the Jira and JSM entitlements of that site share one family container")
def jira_and_jsm_of_that_site_share_container(world: World) -> None:
    assert world.site is not None, "no site yet: a 'Given a site with ...' step is missing"
    _share_one_container(world, world.site.name)


# -- breaking one rule ----------------------------------------------------------------

#: Deliberately unknown to every org.
UNKNOWN_ID = "00000000-0000-4000-8000-00000000c0de"
_CONTAINER = roles.offering_role("Jira family container")
_SECOND_ACCOUNT = "a second transaction account with an invoice group"


#: One breakage per relationship rule, by the words the rules feature uses.
BREAKAGES: dict[str, Callable[[World, dict[str, Any]], None]] = {}
#: The roles a breakage needs beyond the order's own (``plan``).
BREAKAGE_ROLES: dict[str, tuple[str, ...]] = {}


def breakage(words: str, *needs: str) -> Callable[[Callable[[World, dict[str, Any]], None]], Any]:
    def register(fn: Callable[[World, dict[str, Any]], None]) -> Any:
        BREAKAGES[words] = fn
        BREAKAGE_ROLES[words] = needs
        return fn

    return register


def _items(body: dict[str, Any], index: int) -> dict[str, Any]:
    return body["items"][index]


def _relation(body: dict[str, Any], index: int, position: int) -> dict[str, Any]:
    return body["items"][index]["relatesFromEntitlements"][position]


def _charging(body: dict[str, Any], index: int) -> dict[str, Any]:
    return body["items"][index]["optedUsageOptions"]["chargingDetails"]


@breakage("two items share one itemId")  # REL-001
def _shared_item_id(world: World, body: dict[str, Any]) -> None:
    _items(body, 3)["itemId"] = _items(body, 2)["itemId"]


@breakage("an item names an offering the catalogue does not know")  # REL-002
def _unknown_offering(world: World, body: dict[str, Any]) -> None:
    _items(body, 0)["offeringId"] = UNKNOWN_ID


@breakage("Jira relates to an item the order does not have")  # REL-004
def _dangling_item(world: World, body: dict[str, Any]) -> None:
    _relation(body, 1, 0)["itemId"] = world.item_id("O9")


@breakage("Confluence relates to an entitlement the org lacks")  # REL-005
def _unknown_entitlement(world: World, body: dict[str, Any]) -> None:
    _relation(body, 0, 0)["entitlementId"] = UNKNOWN_ID


@breakage("JSM has no family container")  # REL-006
def _no_family_container(world: World, body: dict[str, Any]) -> None:
    _items(body, 1)["relatesFromEntitlements"].pop(0)


@breakage("the order holds a second family container", _CONTAINER)  # REL-007
def _second_container(world: World, body: dict[str, Any]) -> None:
    body["items"].append(_container_item(world, "O5"))


@breakage("Jira names the JSM parent entitlement", roles.parent_role("JSM"))  # REL-009
def _wrong_parent(world: World, body: dict[str, Any]) -> None:
    _relation(body, 1, 1)["entitlementId"] = world.role(roles.parent_role("JSM"))


@breakage("Confluence relates to a family container")  # REL-010
def _confluence_container(world: World, body: dict[str, Any]) -> None:
    container = _items(body, 1)["itemId"]
    _items(body, 0)["relatesFromEntitlements"].append(
        {"relationshipType": "FAMILY_CONTAINER", "referenceType": "ORDER_ITEM", "itemId": container}
    )


@breakage("the family container carries usage options")  # REL-011
def _dressed_container(world: World, body: dict[str, Any]) -> None:
    _items(body, 0)["optedUsageOptions"] = copy.deepcopy(_items(body, 1)["optedUsageOptions"])


@breakage("JSM is charged per user")  # REL-012
def _jsm_per_user(world: World, body: dict[str, Any]) -> None:
    _charging(body, 1)["chargeQuantities"][0]["chargeElement"] = "user"


@breakage("Confluence carries no charge quantity")  # REL-012, ASM-043: "not enforced"?
def _no_charge_quantity(world: World, body: dict[str, Any]) -> None:
    del _items(body, 0)["optedUsageOptions"]


@breakage("Confluence is provisioned but not ordered")  # REL-016: the order itself is fine
def _nothing(world: World, body: dict[str, Any]) -> None:
    return None


@breakage("Jira Premium names the app's pricing plan", "the app")  # REL-017
def _foreign_plan(world: World, body: dict[str, Any]) -> None:
    _charging(body, 1)["pricingPlanId"] = world.role("the app").pricing_plans[0]


@breakage("the invoice group belongs to another account", _SECOND_ACCOUNT)  # REL-018
def _foreign_invoice_group(world: World, body: dict[str, Any]) -> None:
    accounts = world.profile.catalogue.transaction_accounts
    other = next(a for a in world.role(_SECOND_ACCOUNT) if a != body["transactionAccountId"])
    body["invoiceGroupId"] = accounts[other][0]


@breakage("Confluence comes with an unused family container", _CONTAINER)  # REL-019
def _unused_container(world: World, body: dict[str, Any]) -> None:
    body["items"].append(_container_item(world, "O2"))


@breakage("the order holds a second Confluence")  # REL-020
def _second_confluence(world: World, body: dict[str, Any]) -> None:
    body["items"].append({**copy.deepcopy(_items(body, 0)), "itemId": world.item_id("O2")})


@breakage("Jira carries a promotion code")  # REL-021: the cookbook's code is the app's
def _product_promotion(world: World, body: dict[str, Any]) -> None:
    _items(body, 1)["promotions"] = [{"promotionDefinition": {"promotionCode": PROMOTION_CODE}}]


def _container_item(world: World, label: str) -> dict[str, Any]:
    container = world.role(_CONTAINER)
    return {"type": "CREATION_ORDER", "itemId": world.item_id(label), "offeringId": container.id}
