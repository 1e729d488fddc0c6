"""The entitlement relationship rules of the cookbook, each with a stable id (``REL-nnn``).

The table below reads top to bottom: each rule names the cookbook section and sentence
it comes from (or the assumption it rests on) and the function that checks it. Every
check reads the order defensively: the schema reports shape problems, and a rule skips
what another rule owns, so one mistake is reported once.

``check_order(order, catalogue)`` evaluates the rules an order alone can be judged by;
given an ``OrderContext`` (the provisioning request the order names, the current time),
it also evaluates the rules that need it. The sandbox enforces REL-003 in its order store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ._violation import Violation
from .cookbook import HARNESS_READINGS, Readings
from .profile import Catalogue, Entitlement, Offering, Site

#: "within 10 minutes" (cookbook, 'Place order'): an order at exactly 600 s is in time.
PROVISIONING_WINDOW_SECONDS = 600

Needs = Literal["order", "context", "store"]


class Finding(NamedTuple):
    pointer: str
    message: str
    code: str | None = None


@dataclass(frozen=True)
class ProvisioningFacts:
    """What the rules need to know of the provisioning request an order names."""

    id: str
    status: str  # IN_PROGRESS | COMPLETED | FAILED
    created_at: float  # seconds since the epoch
    offerings: tuple[str, ...]
    site_name: str | None = None
    product_ari: str | None = None  # apps: the product the app is installed on
    ordered: bool = False  # an order already names it


@dataclass(frozen=True)
class OrderContext:
    """Where an order is placed: now, its provisioning request, the header sent."""

    now: float
    provisioning: ProvisioningFacts | None  # None: no such request in this org
    transaction_account_header: str | None = None
    #: How the two-way assumptions are read (a sandbox's profile can switch them).
    readings: Readings = HARNESS_READINGS


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    section: str  # key of harness.contracts.cookbook.SECTIONS
    quote: str
    #: The assumptions (ASM-nnn) the rule rests on.
    assumptions: tuple[str, ...]
    needs: Needs
    check: Callable[[OrderFacts], Iterator[Finding]] | None
    status: int = 422

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip() if self.check else ""


RULES: list[Rule] = []


def _rule(
    rule_id: str,
    title: str,
    *,
    section: str,
    quote: str,
    assumptions: tuple[str, ...] = (),
    needs: Needs = "order",
    status: int = 422,
) -> Callable[
    [Callable[[OrderFacts], Iterator[Finding]]], Callable[[OrderFacts], Iterator[Finding]]
]:
    def register(fn: Callable[[OrderFacts], Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        RULES.append(Rule(rule_id, title, section, quote, assumptions, needs, fn, status))
        return fn

    return register


def rule(rule_id: str) -> Rule:
    """The rule with this id; KeyError names it when unknown."""
    for item in RULES:
        if item.id == rule_id:
            return item
    raise KeyError(f"no rule {rule_id!r}")


class OrderFacts:
    """An order read once for the rules: its items, their offerings and relationships."""

    def __init__(
        self,
        order: Mapping[str, Any],
        catalogue: Catalogue,
        context: OrderContext | None,
        readings: Readings | None = None,
    ) -> None:
        self.order = order
        self.catalogue = catalogue
        self.context = context
        self.readings = readings or (context.readings if context else HARNESS_READINGS)
        raw_items = order.get("items")
        self.items: list[tuple[int, dict[str, Any]]] = [
            (i, item)
            for i, item in enumerate(raw_items if isinstance(raw_items, list) else [])
            if isinstance(item, dict)
        ]
        self.by_item_id: dict[str, dict[str, Any]] = {}
        for _, item in self.items:
            if isinstance(item.get("itemId"), str):
                self.by_item_id.setdefault(item["itemId"], item)

    def offering(self, item: Mapping[str, Any]) -> Offering | None:
        return self.catalogue.offering(item.get("offeringId"))

    def relations(
        self, item: Mapping[str, Any], kind: str | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        rels = item.get("relatesFromEntitlements")
        return [
            (j, rel)
            for j, rel in enumerate(rels if isinstance(rels, list) else [])
            if isinstance(rel, dict) and (kind is None or rel.get("relationshipType") == kind)
        ]

    def target_item(self, rel: Mapping[str, Any]) -> dict[str, Any] | None:
        item_id = rel.get("itemId")
        if rel.get("referenceType") != "ORDER_ITEM" or not isinstance(item_id, str):
            return None  # the schema names what is wrong with the reference itself
        return self.by_item_id.get(item_id)

    def existing_site(self) -> Any:
        """The existing site the provisioning request names, if any."""
        p = self.context.provisioning if self.context else None
        return self.catalogue.site(p.site_name) if p and p.site_name else None

    def installed_on(self) -> tuple[Site, str] | None:
        """The site and product an app's provisioning request installed it on, if known."""
        p = self.context.provisioning if self.context else None
        if p is None or not p.product_ari:
            return None
        for site in self.catalogue.sites:
            for product in site.products:
                if site.product_ari(product.product) == p.product_ari:
                    return site, product.product
        return None


def _dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or None where a step is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str | None:
    """The value when it is a string (the rules key on strings; the schema names the rest)."""
    return value if isinstance(value, str) else None


def _label(offering: Offering | None) -> str:
    return offering.name if offering else "item"


# -- the rules ------------------------------------------------------------------------


@_rule(
    "REL-001",
    "itemId is unique within the order",
    section="place-order",
    quote="$.items[].itemId - a unique id for each order item generated by the client",
)
def _unique_item_ids(facts: OrderFacts) -> Iterator[Finding]:
    """A second item with the same itemId is refused at its itemId."""
    seen: set[str] = set()
    for i, item in facts.items:
        item_id = item.get("itemId")
        if isinstance(item_id, str):
            if item_id in seen:
                yield Finding(
                    f"/items/{i}/itemId", f"itemId {item_id!r} is used by an earlier item"
                )
            seen.add(item_id)


@_rule(
    "REL-002",
    "offeringId is known to the catalogue",
    section="place-order",
    quote="$.items[].offeringId can be obtained from List products API and Get offerings "
    "by product API",
)
def _known_offerings(facts: OrderFacts) -> Iterator[Finding]:
    """An offeringId the org's catalogue does not list is refused."""
    for i, item in facts.items:
        oid = item.get("offeringId")
        if isinstance(oid, str) and facts.offering(item) is None:
            yield Finding(f"/items/{i}/offeringId", f"offering {oid} is not in the catalogue")


RULES.append(
    Rule(
        "REL-003",
        "orderId is the idempotency key",
        "place-order",
        "$.orderId - a UUID generated by the caller. It is used as an idempotent key as well",
        ("ASM-002", "ASM-054"),
        "store",
        None,
        409,
    )
)


@_rule(
    "REL-004",
    "an ORDER_ITEM reference names another item of the same order",
    section="place-order",
    quote="relatesFromEntitlements ... referenceType ORDER_ITEM, "
    "itemId O1 (reference to Jira family container order item)",
)
def _order_item_references(facts: OrderFacts) -> Iterator[Finding]:
    """The itemId of an ORDER_ITEM relationship must be another item's itemId."""
    for i, item in facts.items:
        for j, rel in facts.relations(item):
            target = rel.get("itemId")
            if rel.get("referenceType") != "ORDER_ITEM" or not isinstance(target, str):
                continue
            pointer = f"/items/{i}/relatesFromEntitlements/{j}/itemId"
            if target == item.get("itemId"):
                yield Finding(pointer, f"item {target!r} relates to itself")
            elif target not in facts.by_item_id:
                yield Finding(pointer, f"no item {target!r} in this order")


@_rule(
    "REL-005",
    "an ENTITLEMENT reference names an entitlement of the org",
    section="place-order",
    quote="$.items[].relatesFromEntitlements[].entitlementId: the "
    "containerId derived from the Entitlement Details query, or the entitlement_id derived "
    "from the Entitlement ID query",
)
def _entitlement_references(facts: OrderFacts) -> Iterator[Finding]:
    """The entitlementId of an ENTITLEMENT relationship must be one the org has."""
    for i, item in facts.items:
        for j, rel in facts.relations(item):
            ent = rel.get("entitlementId")
            if (
                rel.get("referenceType") == "ENTITLEMENT"
                and isinstance(ent, str)
                and facts.catalogue.entitlement(ent) is None
            ):
                yield Finding(
                    f"/items/{i}/relatesFromEntitlements/{j}/entitlementId",
                    f"entitlement {ent} is not known in this org",
                )


@_rule(
    "REL-006",
    "Jira and JSM relate to exactly one family container",
    section="place-order",
    quote="There is only one order item for the Jira family container, which is referenced "
    "in both Jira and JSM.",
)
def _family_container_relation(facts: OrderFacts) -> Iterator[Finding]:
    """Each Jira or JSM item has one FAMILY_CONTAINER relationship, to the order's container
    item or to an existing site's family-container entitlement; Jira and JSM of one order
    relate to the same one. Judged by the order alone, a second container is refused at the
    relationship naming it; given the order's context, REL-008 judges each against the
    site instead (and a second container item is REL-007's)."""
    first: tuple[str, str, str] | None = None  # the first container: (kind, what, pointer)
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is None or not offering.is_jira_family:
            continue
        rels = facts.relations(item, "FAMILY_CONTAINER")
        base = f"/items/{i}/relatesFromEntitlements"
        if not rels:
            yield Finding(base, f"{offering.name} needs a FAMILY_CONTAINER relationship")
            continue
        if len(rels) > 1:
            yield Finding(
                f"{base}/{rels[1][0]}",
                f"{offering.name} has {len(rels)} "
                "FAMILY_CONTAINER relationships; exactly one is allowed",
            )
        j, rel = rels[0]
        target = facts.target_item(rel)
        if target is not None and not (facts.offering(target) or _NONE).is_family_container:
            yield Finding(
                f"{base}/{j}/itemId", f"item {rel.get('itemId')!r} is not a family-container item"
            )
        ent = facts.catalogue.entitlement(rel.get("entitlementId"))
        if rel.get("referenceType") == "ENTITLEMENT" and ent and ent.kind != "family-container":
            yield Finding(
                f"{base}/{j}/entitlementId", f"entitlement {ent.id} is not a family container"
            )
        if target is not None and (facts.offering(target) or _NONE).is_family_container:
            here = ("ORDER_ITEM", f"item {rel['itemId']!r}", f"{base}/{j}/itemId")
        elif rel.get("referenceType") == "ENTITLEMENT" and ent and ent.kind == "family-container":
            here = ("ENTITLEMENT", f"entitlement {ent.id}", f"{base}/{j}/entitlementId")
        else:
            continue  # no family container named (reported above, or by REL-004/005)
        if first is None:
            first = here
        elif (
            facts.context is None and here[:2] != first[:2] and "ENTITLEMENT" in (here[0], first[0])
        ):
            yield Finding(
                here[2],
                f"{offering.name} relates to family container {here[1]}, but {first[2]} "
                f"names {first[1]}: Jira and JSM of one order share one family container",
            )


@_rule(
    "REL-007",
    "an order holds at most one family-container item",
    section="place-order",
    quote="There is only one order item for the Jira family container",
)
def _one_family_container(facts: OrderFacts) -> Iterator[Finding]:
    """A second family-container item is refused: Jira and JSM share one."""
    count = 0
    for i, item in facts.items:
        if (facts.offering(item) or _NONE).is_family_container:
            count += 1
            if count > 1:
                yield Finding(
                    f"/items/{i}",
                    "a second family-container item; Jira and JSM in one order share one",
                )


@_rule(
    "REL-008",
    "an existing site reuses its family container",
    section="existing-sites",
    quote="If your site already has one Jira family product (Jira, JSM), and you want to "
    "place an order for the other, you will need to get the entitlementId of the "
    "Jira family container.",
    needs="context",
)
def _reuse_site_container(facts: OrderFacts) -> Iterator[Finding]:
    """On a site that has a family container, no new container is ordered and Jira-family
    items relate to that container; on a site without one, they relate to a container item."""
    site = facts.existing_site()
    container = site.family_container if site else None
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is None:
            continue
        if container and offering.is_family_container:
            yield Finding(
                f"/items/{i}",
                f"site {site.name!r} already has family container "
                f"{container}; relate to it instead of ordering another",
            )
        if not offering.is_jira_family:
            continue
        for j, rel in facts.relations(item, "FAMILY_CONTAINER"):
            ent = rel.get("entitlementId")
            if rel.get("referenceType") != "ENTITLEMENT" or not isinstance(ent, str):
                continue
            pointer = f"/items/{i}/relatesFromEntitlements/{j}/entitlementId"
            if container is None:
                where = f"site {site.name!r}" if site else "a new site"
                yield Finding(
                    pointer,
                    f"{where} has no family container yet; order one as an "
                    "item and relate with referenceType ORDER_ITEM",
                )
            elif ent != container:
                yield Finding(
                    pointer, f"site {site.name!r}'s family container is {container}, not {ent}"
                )


@_rule(
    "REL-009",
    "Enterprise instances relate to their product's parent entitlement",
    section="place-order",
    quote="immediately place an order for the desired product "
    "instance using the parent entitlement",
    assumptions=("ASM-020",),
)
def _enterprise_parent(facts: OrderFacts) -> Iterator[Finding]:
    """Confluence, Jira and JSM Enterprise items have exactly one ENTERPRISE relationship,
    referenceType ENTITLEMENT, to the parent enterprise entitlement of the same product;
    other items have none."""
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is None:
            continue
        rels = facts.relations(item, "ENTERPRISE")
        base = f"/items/{i}/relatesFromEntitlements"
        if not offering.is_enterprise_instance:
            for j, _ in rels:
                yield Finding(
                    f"{base}/{j}",
                    f"{offering.name} is not an Enterprise instance and "
                    "takes no ENTERPRISE relationship",
                )
            continue
        parent = facts.catalogue.parent_entitlements.get(offering.product)
        if parent is None:  # the org cannot order this Enterprise instance at all
            at = (
                base
                if not rels
                else f"{base}/{rels[0][0]}/entitlementId"
                if "entitlementId" in rels[0][1]
                else f"{base}/{rels[0][0]}"
            )
            yield Finding(
                at,
                f"{offering.name} is an Enterprise instance, and the org has no parent "
                f"Enterprise entitlement for {offering.product} to relate it to",
            )
            continue
        if not rels:
            yield Finding(
                base,
                f"{offering.name} needs an ENTERPRISE relationship to its parent "
                f"entitlement {parent}",
            )
            continue
        if len(rels) > 1:
            yield Finding(
                f"{base}/{rels[1][0]}",
                f"{offering.name} has {len(rels)} ENTERPRISE relationships; exactly one is allowed",
            )
        j, rel = rels[0]
        if rel.get("referenceType") != "ENTITLEMENT":
            yield Finding(
                f"{base}/{j}/referenceType", "an ENTERPRISE relationship references an ENTITLEMENT"
            )
            continue
        ent = facts.catalogue.entitlement(rel.get("entitlementId"))
        if ent is not None and ent.id != parent:
            yield Finding(
                f"{base}/{j}/entitlementId",
                f"{offering.name}'s parent enterprise entitlement is {parent}, not {ent.id}",
            )


@_rule(
    "REL-010",
    "Confluence and apps have no family container",
    section="place-order",
    quote="Confluence Enterprise instance: ... relatesFromEntitlements: [ENTERPRISE] only; "
    "There is only one order item for the Jira family container, which is referenced in "
    "both Jira and JSM.",
    assumptions=("ASM-020",),
)
def _confluence_no_container(facts: OrderFacts) -> Iterator[Finding]:
    """A Confluence or app item carries no FAMILY_CONTAINER relationship: only Jira and JSM
    relate to the family container (an app depends on its product by APP_DEPENDENCE alone,
    REL-013). The family-container item's own relationships are REL-011's."""
    for i, item in facts.items:
        offering = facts.offering(item) or _NONE
        if offering.product in ("confluence", "app"):
            what = "Confluence" if offering.product == "confluence" else f"an app ({offering.name})"
            for j, _ in facts.relations(item, "FAMILY_CONTAINER"):
                yield Finding(
                    f"/items/{i}/relatesFromEntitlements/{j}",
                    f"{what} has no family container: only Jira and JSM relate to one",
                )


@_rule(
    "REL-011",
    "the family-container item is bare",
    section="place-order",
    quote='{ "type": "CREATION_ORDER", "itemId": "O1", "offeringId": "009f8789-..." '
    "// Jira family container }",
)
def _bare_container(facts: OrderFacts) -> Iterator[Finding]:
    """A family-container item carries no usage options, no relationships and no billing
    anchor: type, itemId and offeringId only (its promotions are REL-021's)."""
    for i, item in facts.items:
        if not (facts.offering(item) or _NONE).is_family_container:
            continue
        if "optedUsageOptions" in item:
            yield Finding(
                f"/items/{i}/optedUsageOptions", "the family-container item takes no usage options"
            )
        if "nextBillingAnchorTimestamp" in item:
            yield Finding(
                f"/items/{i}/nextBillingAnchorTimestamp",
                "the family-container item takes no billing anchor",
            )
        if item.get("relatesFromEntitlements"):
            yield Finding(
                f"/items/{i}/relatesFromEntitlements",
                "the family-container item takes no relationships",
            )


@_rule(
    "REL-012",
    "charge element matches the product",
    section="place-order",
    quote='"chargeElement": "user" (Jira, Confluence) ... "chargeElement": "agent" (JSM)',
    assumptions=("ASM-018", "ASM-043"),
)
def _charge_element(facts: OrderFacts) -> Iterator[Finding]:
    """Instance and app items carry charge quantities whose chargeElement is the offering's:
    user for Jira and Confluence, agent for JSM. Read the other way (ASM-043), an
    Enterprise instance may carry none."""
    for i, item in facts.items:
        offering = facts.offering(item)
        charged_per = offering.charged_per if offering is not None else None
        if offering is None or charged_per is None:
            continue
        base = f"/items/{i}/optedUsageOptions/chargingDetails/chargeQuantities"
        quantities = _dig(item, "optedUsageOptions", "chargingDetails", "chargeQuantities")
        if not quantities:
            if offering.is_enterprise_instance and facts.readings.reads_alternative("ASM-043"):
                continue  # 'For Enterprise instances, this limit is not enforced', read wide
            yield Finding(base, f"{offering.name} needs a charge quantity of {charged_per!r}")
            continue
        for k, quantity in enumerate(quantities if isinstance(quantities, list) else []):
            element = quantity.get("chargeElement") if isinstance(quantity, dict) else None
            if isinstance(element, str) and element != charged_per:
                yield Finding(
                    f"{base}/{k}/chargeElement",
                    f"{offering.name} is charged per {charged_per!r}, not {element!r}",
                )


@_rule(
    "REL-013",
    "an app depends on what it is installed on",
    section="app-order",
    quote='"relationshipType": "APP_DEPENDENCE", "referenceType": "ENTITLEMENT"; '
    "$.items[].relatesFromEntitlements[].entitlementId: containerId derived from the "
    "Entitlement Details query $.relatesFromEntitlements.entitlementId, or entitlement_id "
    "derived from Entitlement ID Query",
    assumptions=("ASM-020", "ASM-041"),
)
def _app_dependence(facts: OrderFacts) -> Iterator[Finding]:
    """An app item has exactly one APP_DEPENDENCE relationship, referenceType ENTITLEMENT:
    for an app on Jira or JSM, to that site's Jira family container; on Confluence, to the
    product's entitlement (ASM-041; read the other way, always to the product's
    entitlement). When the provisioning request is known, to the parent of the product it
    was provisioned on; never another app's entitlement. No other item uses APP_DEPENDENCE."""
    installed = facts.installed_on()
    p = facts.context.provisioning if facts.context else None
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is None:
            continue
        rels = facts.relations(item, "APP_DEPENDENCE")
        base = f"/items/{i}/relatesFromEntitlements"
        if offering.product != "app":
            for j, _ in rels:
                yield Finding(f"{base}/{j}", f"only apps use APP_DEPENDENCE, not {offering.name}")
            continue
        if len(rels) != 1:
            yield Finding(
                base, f"an app needs exactly one APP_DEPENDENCE relationship, has {len(rels)}"
            )
            continue
        j, rel = rels[0]
        if rel.get("referenceType") != "ENTITLEMENT":
            yield Finding(f"{base}/{j}/referenceType", "APP_DEPENDENCE references an ENTITLEMENT")
            continue
        ent = facts.catalogue.entitlement(rel.get("entitlementId"))
        if ent is None:
            continue  # REL-005 reports an entitlement the org lacks
        pointer = f"{base}/{j}/entitlementId"
        if installed is not None:
            site, product = installed
            expected = _app_parent(site, product, facts.readings)
            if expected is not None and ent.id != expected:
                yield Finding(
                    pointer,
                    f"the app was provisioned on {p.product_ari if p else product}: it depends "
                    f"on {_parent_words(site, product, facts.readings)} {expected}, not {ent.id}",
                )
            continue
        problem = _parent_problem(ent, facts.readings)
        if problem:
            yield Finding(pointer, problem)


def _app_parent(site: Site, product: str, readings: Readings) -> str | None:
    """What an app on ``product`` of ``site`` depends on (ASM-041)."""
    own = next((p.entitlement_id for p in site.products if p.product == product), None)
    if (
        not readings.reads_alternative("ASM-041")
        and product in ("jira", "jsm")
        and site.family_container
    ):
        return site.family_container
    return own


def _parent_words(site: Site, product: str, readings: Readings) -> str:
    if _app_parent(site, product, readings) == site.family_container:
        return f"site {site.name!r}'s Jira family container"
    return "that product's entitlement"


def _parent_problem(ent: Entitlement, readings: Readings) -> str | None:
    """Why ``ent`` cannot be an app's parent whatever it was installed on, or None."""
    if ent.kind == "app":
        return (
            f"entitlement {ent.id} is an app's: an app depends on the product it is installed "
            "on (or that site's Jira family container), not on another app"
        )
    if ent.kind == "parent":
        return f"entitlement {ent.id} is a parent Enterprise entitlement, not an app's parent"
    if readings.reads_alternative("ASM-041"):
        if ent.kind != "product":
            return (
                f"entitlement {ent.id} is a family container: an app depends on the product "
                "it is installed on (ASM-041, read the other way)"
            )
        return None
    site = ent.site
    if ent.kind == "product" and ent.product in ("jira", "jsm") and site and site.family_container:
        return (
            f"an app on {ent.product} depends on site {site.name!r}'s Jira family container "
            f"{site.family_container}, not the product's entitlement {ent.id} (ASM-041)"
        )
    return None


@_rule(
    "REL-014",
    "an app bills from its product's billing anchor",
    section="app-order",
    quote="$.items[].nextBillingAnchorTimestamp: derived from the Entitlement Details query "
    "$.subscriptionv2.billingPeriodDetails.billingAnchorTimestamp",
    assumptions=("ASM-044",),
)
def _app_billing_anchor(facts: OrderFacts) -> Iterator[Finding]:
    """An app item carries nextBillingAnchorTimestamp, the billing anchor of the product it
    is installed on (known from the provisioning request, or else from its parent: the
    product, or a product of the family container's site)."""
    installed = facts.installed_on()
    for i, item in facts.items:
        if (facts.offering(item) or _NONE).product != "app":
            continue
        pointer = f"/items/{i}/nextBillingAnchorTimestamp"
        anchors = _anchors(facts, item, installed)
        anchor = item.get("nextBillingAnchorTimestamp")
        if anchor is None:
            known = f": the product's billing anchor is {anchors[0]}" if len(anchors) == 1 else ""
            yield Finding(pointer, f"missing: an app bills from its product's anchor{known}")
        elif anchors and anchor not in anchors:
            yield Finding(
                pointer,
                f"{anchor} is not the billing anchor of the product the app is on "
                f"({' or '.join(str(a) for a in anchors)})",
            )


def _anchors(
    facts: OrderFacts, item: Mapping[str, Any], installed: tuple[Site, str] | None
) -> list[int]:
    """The billing anchors an app item may bill from (empty: unknown)."""
    if installed is not None:
        site, product = installed
        products = [p for p in site.products if p.product == product]
    else:
        rels = facts.relations(item, "APP_DEPENDENCE")
        ent = facts.catalogue.entitlement(rels[0][1].get("entitlementId")) if rels else None
        if ent is not None and ent.kind == "app":
            return []  # no product's anchor to judge by: REL-013 refuses the dependence
        if ent is None or ent.site is None:
            return [ent.billing_anchor] if ent and ent.billing_anchor is not None else []
        if ent.kind == "product":
            return [ent.billing_anchor] if ent.billing_anchor is not None else []
        products = [p for p in ent.site.products if p.product in ("jira", "jsm")]
    return sorted({p.billing_anchor for p in products if p.billing_anchor is not None})


@_rule(
    "REL-015",
    "the order names a waiting provisioning request, within 10 minutes",
    section="place-order",
    quote="The place order action must happen in quick succession "
    "(within 10 minutes) or the provisioning process will time out while waiting for "
    "information from commerce.",
    assumptions=("ASM-022", "ASM-053"),
    needs="context",
)
def _provisioning_window(facts: OrderFacts) -> Iterator[Finding]:
    """metadata.provisionRequestId names a provisioning request of this org that is still
    IN_PROGRESS, not yet ordered, and created at most 600 seconds before the order."""
    assert facts.context is not None
    pointer = "/metadata/provisionRequestId"
    p = facts.context.provisioning
    named = _dig(facts.order, "metadata", "provisionRequestId")
    if not isinstance(named, str):
        return
    if p is None:
        yield Finding(
            pointer, f"no provisioning request {named} in this org", "PROVISIONING_REQUEST_UNKNOWN"
        )
        return
    age = facts.context.now - p.created_at
    if p.status == "FAILED" or (p.status == "IN_PROGRESS" and age > PROVISIONING_WINDOW_SECONDS):
        yield Finding(
            pointer,
            f"provisioning request {p.id} was created {age:.0f} s ago; the "
            f"order had to follow within {PROVISIONING_WINDOW_SECONDS} s",
            "PROVISIONING_WINDOW_CLOSED",
        )
    elif p.status != "IN_PROGRESS" or p.ordered:
        yield Finding(
            pointer,
            f"provisioning request {p.id} is {p.status} and already has its order",
            "PROVISIONING_REQUEST_NOT_WAITING",
        )


@_rule(
    "REL-016",
    "the order is for what was provisioned",
    section="place-order",
    quote="Use provisioning request ID ... as the metadata.provisionRequestId to associate "
    "the provisioning and place order operations together.",
    assumptions=("ASM-003",),
    needs="context",
)
def _ordered_what_was_provisioned(facts: OrderFacts) -> Iterator[Finding]:
    """Every provisioned offering is ordered, and every ordered instance or app offering was
    provisioned by the named request."""
    p = facts.context.provisioning if facts.context else None
    if p is None:
        return
    ordered = {o for _, item in facts.items if isinstance(o := item.get("offeringId"), str)}
    for offering_id in p.offerings:
        if offering_id not in ordered:
            name = _label(facts.catalogue.offering(offering_id))
            yield Finding("/items", f"{name} {offering_id} was provisioned but is not ordered")
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering and not offering.is_family_container and offering.id not in p.offerings:
            yield Finding(
                f"/items/{i}/offeringId", f"{offering.name} was not provisioned by request {p.id}"
            )


@_rule(
    "REL-017",
    "a pricing plan belongs to the item's offering",
    section="place-order",
    quote="$.items[].optedUsageOptions.chargingDetails.pricingPlanId can be obtained from "
    "Get Pricing plan API",
    assumptions=("ASM-019",),
)
def _pricing_plan(facts: OrderFacts) -> Iterator[Finding]:
    """A pricingPlanId, when given, is one of the item offering's pricing plans."""
    for i, item in facts.items:
        offering = facts.offering(item)
        plan = _dig(item, "optedUsageOptions", "chargingDetails", "pricingPlanId")
        if offering and isinstance(plan, str) and plan not in offering.pricing_plans:
            yield Finding(
                f"/items/{i}/optedUsageOptions/chargingDetails/pricingPlanId",
                f"pricing plan {plan} is not a plan of {offering.name}",
            )


@_rule(
    "REL-018",
    "transaction account and invoice group belong together",
    section="place-order",
    quote="$.transactionAccountId - the ID assigned to you can be "
    "obtained from Atlassian Support; $.invoiceGroupId - the ID assigned to you",
    assumptions=("ASM-015",),
)
def _transaction_account(facts: OrderFacts) -> Iterator[Finding]:
    """transactionAccountId is an account of the org, invoiceGroupId one of its invoice
    groups, and an X-transaction-account header, when sent, names the same account."""
    account = facts.order.get("transactionAccountId")
    group = facts.order.get("invoiceGroupId")
    accounts = facts.catalogue.transaction_accounts
    if isinstance(account, str):
        if account not in accounts:
            yield Finding(
                "/transactionAccountId", f"transaction account {account} is not the org's"
            )
        elif isinstance(group, str) and group not in accounts[account]:
            yield Finding(
                "/invoiceGroupId",
                f"invoice group {group} does not belong to transaction account {account}",
            )
    header = facts.context.transaction_account_header if facts.context else None
    if header is not None and isinstance(account, str) and header != account:
        yield Finding(
            "/transactionAccountId",
            f"the X-transaction-account header says {header}, the body {account}",
        )


@_rule(
    "REL-019",
    "a family-container item serves a Jira-family item",
    section="place-order",
    quote="There is only one order item for the Jira family container, which is referenced "
    "in both Jira and JSM.",
    assumptions=("ASM-017",),
)
def _container_is_used(facts: OrderFacts) -> Iterator[Finding]:
    """The order's family-container item is referenced by at least one Jira or JSM item.

    Skipped while a Jira-family item lacks a FAMILY_CONTAINER relationship or points at a
    missing item (REL-006 and REL-004 report those); a second container is REL-007's.
    """
    jira_family = [
        item for _, item in facts.items if (facts.offering(item) or _NONE).is_jira_family
    ]
    used = set()
    for item in jira_family:
        rels = facts.relations(item, "FAMILY_CONTAINER")
        if not rels:
            return
        for _, rel in rels:
            if rel.get("referenceType") == "ORDER_ITEM":
                if facts.target_item(rel) is None:
                    return
                used.add(rel["itemId"])
    for i, item in facts.items:
        if (facts.offering(item) or _NONE).is_family_container:
            if _text(item.get("itemId")) not in used:
                yield Finding(
                    f"/items/{i}",
                    "no Jira or JSM item of this order relates to this family container",
                )
            return


@_rule(
    "REL-020",
    "an order holds one item per product",
    section="place-order",
    quote="There is only one order item for the Jira family container, which is referenced "
    "in both Jira and JSM.",
    assumptions=("ASM-047",),
)
def _one_item_per_product(facts: OrderFacts) -> Iterator[Finding]:
    """An order (one provisioning request: one site) holds at most one Confluence, one Jira
    and one JSM item, and each app offering once; a second is refused at its offeringId."""
    seen: dict[str, int] = {}
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is None or offering.is_family_container:
            continue
        key = offering.id if offering.product == "app" else offering.product
        if key in seen:
            yield Finding(
                f"/items/{i}/offeringId",
                f"a second {offering.name if offering.product == 'app' else offering.product} "
                f"item (the first is /items/{seen[key]}): an order is for one site, which "
                "holds one of each",
            )
        else:
            seen[key] = i


@_rule(
    "REL-021",
    "promotion codes are the app's",
    section="app-order",
    quote="$.items[].promotions[].promotionDefinition.promotionCode the app promo code you "
    "have received from the app vendor",
    assumptions=("ASM-045",),
)
def _app_promotions(facts: OrderFacts) -> Iterator[Finding]:
    """Only app items carry promotions: the field list gives the app vendor's promo code."""
    for i, item in facts.items:
        offering = facts.offering(item)
        if offering is not None and offering.product != "app" and item.get("promotions"):
            yield Finding(
                f"/items/{i}/promotions",
                f"{offering.name} takes no promotion code: the cookbook's is the app's, "
                "from the app vendor",
            )


#: Stands in for an unknown offering (REL-002 reports it): no product, no flags.
_NONE = Offering("", "unknown offering", "unknown")  # type: ignore[arg-type]


# -- evaluation -----------------------------------------------------------------------


def check_order(
    order: Any,
    catalogue: Catalogue,
    context: OrderContext | None = None,
    *,
    readings: Readings | None = None,
    only: Collection[str] | None = None,
) -> list[Violation]:
    """Every relationship rule violation of an order, in rule order (``only``: of these
    rule ids).

    Without ``context`` the rules that need one (REL-008, REL-015, REL-016) are not
    evaluated; REL-003 is enforced by the sandbox's order store. ``readings``: how the
    two-way assumptions are read (default: the context's, else the harness's).
    """
    if not isinstance(order, dict):
        return []
    facts = OrderFacts(order, catalogue, context, readings)
    found = []
    for item in RULES:
        if item.check is None or (item.needs == "context" and context is None):
            continue
        if only is not None and item.id not in only:
            continue
        for finding in item.check(facts):
            found.append(
                Violation(
                    finding.pointer,
                    finding.message,
                    rule=item.id,
                    code=finding.code or "RULE_VIOLATION",
                    status=item.status,
                )
            )
    return found
