"""``OrderBuilder``: the place-order bodies of the cookbook, right by construction.

Every shape of the cookbook's 'Place order' section::

    b = OrderBuilder.for_profile(profile, request)       # or OrderBuilder(catalogue, request)
    b.confluence()                                       # Confluence Enterprise
    b.jira()                                             # Jira Enterprise (+ family container)
    b.jsm()                                              # JSM Enterprise (+ family container)
    b.confluence().jira().jsm()                          # all Enterprise: ONE family container
    b.jira_premium(ends_at=..., billing_anchor=...)      # Jira Premium (Open Source)
    b.on_site(details).jsm()                             # JSM onto an existing site's container
    b.app(parent_details, promotion_code=..., skip_trial=True)   # an app on a product
    order = b.build()                                    # a dict for Client.place_order

Offering ids, parent Enterprise entitlements, charge elements, pricing plans and
transaction accounts come from the ``Catalogue`` (a profile file), never from code.
``build()`` generates ``orderId`` (uuid4, once per builder, so a resend is idempotent)
and itemIds ``O1..On`` in the order the items were added, the family-container item
just before the first Jira or JSM item, as in the cookbook's samples; pass ``order_id``
and ``item_ids`` for deterministic runs; ``readings`` for an org that reads one of the
cookbook's two-way assumptions the other way (``harness.contracts.cookbook``). Before
returning, ``build()`` checks the order
against the order schema and every relationship rule an order alone can be judged by
(``harness.contracts.validate_order``), counting the entitlements handed to the builder
(an existing site's family container, an app's parent) as the org's, and raises
``OrderBuildError`` instead of returning a body the API would refuse.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from harness.contracts import Catalogue, Offering, Profile, Site, roles, validate_order
from harness.contracts.cookbook import HARNESS_READINGS, Readings
from harness.contracts.profile import SiteProduct

from ._errors import HarnessClientError
from ._models import EntitlementDetails, ProvisioningRequest

Timestamp = int | datetime


class OrderBuildError(HarnessClientError, ValueError):
    """The builder cannot make a valid order of what it was given; ``violations`` lists
    the contract violations when the finished order broke one."""

    def __init__(self, message: str, violations: Sequence[Any] = ()) -> None:
        self.violations = tuple(violations)
        if self.violations:
            message += ": " + "; ".join(str(v) for v in self.violations)
        super().__init__(message)


def to_millis(value: Timestamp) -> int:
    """Milliseconds since the epoch: an int is taken as such, a datetime must be aware."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise OrderBuildError(f"timestamp {value.isoformat()} needs a time zone")
        return int(value.timestamp() * 1000)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OrderBuildError(f"timestamp {value!r} is not milliseconds since the epoch")
    return value


_CONTAINER = object()  # stands for the family-container item's itemId until build()


@dataclass
class _Item:
    offering: Offering
    body: dict[str, Any]
    relations: list[dict[str, Any]] = field(default_factory=list)


class OrderBuilder:
    """Builds one place-order body; see the module docstring for every shape.

    - ``catalogue``: offerings, parent entitlements, transaction accounts of the org;
    - ``provision_request``: the ``ProvisioningRequest`` (or its id) the order is for;
      it can also be set later with ``for_request`` (provision what
      ``offerings_to_provision()`` lists, then set it);
    - ``transaction_account_id`` / ``invoice_group_id``: default to the catalogue's
      first account and that account's first invoice group;
    - ``quantity``: the default charge quantity (users or agents) of every item;
    - ``order_id``, ``item_ids``: fixed ids for deterministic runs; ``item_id_format``
      the generated itemIds' form (default ``O{n}``: O1, O2, ...).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        provision_request: ProvisioningRequest | str | None = None,
        *,
        transaction_account_id: str | None = None,
        invoice_group_id: str | None = None,
        quantity: int | None = None,
        order_id: str | None = None,
        item_ids: Sequence[str] | None = None,
        item_id_format: str = "O{n}",
        readings: Readings = HARNESS_READINGS,
    ) -> None:
        self.catalogue = catalogue
        #: How the cookbook's two-way assumptions are read (ASM-041: an app's parent).
        self.readings = readings
        self._item_id_format = item_id_format
        self.order_id = order_id or str(uuid.uuid4())
        self._item_ids = list(item_ids) if item_ids is not None else None
        self._quantity = quantity
        self._request_id: str | None = None
        if provision_request is not None:
            self.for_request(provision_request)
        accounts = catalogue.transaction_accounts
        # The first account an order can be billed to (one with an invoice group), as the
        # role "a transaction account with an invoice group" finds it; else the first.
        usable = (a for a, groups in accounts.items() if groups)
        account = transaction_account_id or next(usable, next(iter(accounts), None))
        if account is None:
            raise OrderBuildError("the catalogue lists no transaction account")
        groups = accounts.get(account, ())
        group = invoice_group_id or (groups[0] if groups else None)
        if group is None:
            raise OrderBuildError(f"no invoice group known for transaction account {account}")
        self.transaction_account_id = account
        self.invoice_group_id = group
        self._items: list[_Item] = []
        self._container_at: int | None = None  # index of the first Jira-family item
        self._family_container: str | None = None  # an existing site's container
        # Entitlements handed in: apps' parent products, with their family containers.
        self._known: list[tuple[str | None, SiteProduct]] = []

    @classmethod
    def for_profile(
        cls, profile: Profile, provision_request: ProvisioningRequest | str | None = None, **kw: Any
    ) -> OrderBuilder:
        """A builder over the profile's catalogue, its ``defaults.chargeQuantity`` as the
        default quantity (else the cookbook's 100: ``roles.charge_quantity``)."""
        if kw.get("quantity") is None:
            kw["quantity"] = roles.charge_quantity(profile)
        return cls(profile.catalogue, provision_request, **kw)

    # -- what the order is for ----------------------------------------------------

    def for_request(self, provision_request: ProvisioningRequest | str) -> Self:
        """The provisioning request the order completes (``metadata.provisionRequestId``)."""
        self._request_id = (
            provision_request.request_id
            if isinstance(provision_request, ProvisioningRequest)
            else provision_request
        )
        return self

    def on_site(self, family_container: EntitlementDetails | Site | str) -> Self:
        """Order onto an existing site whose Jira family container already exists: Jira and
        JSM items relate to it (referenceType ENTITLEMENT) and no container is ordered.

        Give the ``EntitlementDetails`` of the site's Jira or JSM entitlement (its
        FAMILY_CONTAINER relationship), the catalogue's ``Site``, or the container's id.
        """
        if isinstance(family_container, EntitlementDetails):
            found = family_container.family_container_id
            if found is None:
                raise OrderBuildError(
                    f"entitlement {family_container.entitlement_id} has no FAMILY_CONTAINER "
                    "relationship"
                )
        elif isinstance(family_container, Site):
            found = family_container.family_container
            if found is None:
                raise OrderBuildError(f"site {family_container.name!r} has no family container")
        else:
            found = family_container
        if self._container_at is not None:
            raise OrderBuildError("on_site() must come before the first Jira or JSM item")
        self._family_container = found
        return self

    # -- items --------------------------------------------------------------------

    def confluence(
        self,
        quantity: int | None = None,
        *,
        edition: str = "enterprise",
        offering_id: str | None = None,
    ) -> Self:
        """A Confluence instance (Enterprise: ENTERPRISE to the Confluence parent)."""
        return self.product("confluence", quantity, edition=edition, offering_id=offering_id)

    def jira(
        self,
        quantity: int | None = None,
        *,
        edition: str = "enterprise",
        offering_id: str | None = None,
    ) -> Self:
        """A Jira instance, related to the order's family container (or the site's)."""
        return self.product("jira", quantity, edition=edition, offering_id=offering_id)

    def jsm(
        self,
        quantity: int | None = None,
        *,
        edition: str = "enterprise",
        offering_id: str | None = None,
    ) -> Self:
        """A JSM instance (charged per agent), related to the family container."""
        return self.product("jsm", quantity, edition=edition, offering_id=offering_id)

    def jira_premium(
        self,
        quantity: int | None = None,
        *,
        ends_at: Timestamp | None = None,
        billing_anchor: Timestamp | None = None,
        pricing_plan_id: str | None = None,
        offering_id: str | None = None,
    ) -> Self:
        """Jira Premium (Open Source), cookbook 'Place order': a pricing plan (default:
        the offering's only plan in the catalogue), an end time and a billing anchor;
        no ENTERPRISE relationship (ASM-020)."""
        return self.product(
            "jira",
            quantity,
            edition="premium",
            offering_id=offering_id,
            pricing_plan_id=pricing_plan_id or _only_plan,
            ends_at=ends_at,
            billing_anchor=billing_anchor,
        )

    def product(
        self,
        product: str,
        quantity: int | None = None,
        *,
        edition: str | None = "enterprise",
        offering_id: str | None = None,
        pricing_plan_id: Any = None,
        ends_at: Timestamp | None = None,
        billing_anchor: Timestamp | None = None,
        skip_trial: bool | None = None,
    ) -> Self:
        """Any product instance (``confluence``, ``jira`` or ``jsm``) of an edition; the
        named methods above are shortcuts. The relationships follow from the offering:
        FAMILY_CONTAINER for Jira and JSM, ENTERPRISE for Enterprise editions. No promotion
        code: the cookbook's is the app's (``app``; REL-021)."""
        offering = self._offering(product, edition, offering_id)
        if not offering.is_instance:
            raise OrderBuildError(f"{offering.name} is not a product instance")
        item = self._item(
            offering, quantity, pricing_plan_id, ends_at, billing_anchor, skip_trial, None
        )
        if offering.is_jira_family:
            if self._family_container:
                item.relations.append(_entitlement_ref("FAMILY_CONTAINER", self._family_container))
            else:
                if self._container_at is None:
                    self._container_at = len(self._items)
                item.relations.append(
                    {
                        "relationshipType": "FAMILY_CONTAINER",
                        "referenceType": "ORDER_ITEM",
                        "itemId": _CONTAINER,
                    }
                )
        if offering.is_enterprise_instance:
            parent = self.catalogue.parent_entitlements.get(offering.product)
            if parent is None:
                raise OrderBuildError(
                    f"the catalogue has no parent Enterprise entitlement for {offering.product}"
                )
            item.relations.append(_entitlement_ref("ENTERPRISE", parent))
        self._items.append(item)
        return self

    def app(
        self,
        parent: EntitlementDetails | str,
        quantity: int | None = None,
        *,
        offering_id: str | None = None,
        app_key: str | None = None,
        billing_anchor: Timestamp | None = None,
        pricing_plan_id: str | None = None,
        promotion_code: str | None = None,
        skip_trial: bool | None = None,
        ends_at: Timestamp | None = None,
    ) -> Self:
        """An app on a product instance (cookbook, 'Place order for apps').

        ``parent`` is the ``EntitlementDetails`` of the product the app was provisioned
        on (or its entitlement id). The item depends on it by APP_DEPENDENCE as the
        builder's readings say (ASM-041): on a Jira or JSM product, on that site's Jira
        family container (the details' FAMILY_CONTAINER relation, the cookbook's
        "containerId"); on Confluence, or read the other way, on the product itself. It
        bills from the product's billing anchor (``nextBillingAnchorTimestamp``; from the
        details, else ``billing_anchor``, else the catalogue). The app offering is chosen
        by ``offering_id`` or ``app_key`` (or is the catalogue's only app); the pricing
        plan defaults to the offering's only plan.
        """
        offering = self._app_offering(offering_id, app_key)
        product_id = parent.entitlement_id if isinstance(parent, EntitlementDetails) else parent
        known = self.catalogue.entitlement(product_id)
        anchor = self._anchor_of(parent, known, product_id, billing_anchor)
        product = self._product_of(parent, known)
        container = (
            parent.family_container_id
            if isinstance(parent, EntitlementDetails)
            else known.site.family_container
            if known is not None and known.kind == "product" and known.site
            else None
        )
        depends_on = product_id
        if (
            container
            and product in ("jira", "jsm")
            and not self.readings.reads_alternative("ASM-041")
        ):
            depends_on = container
        item = self._item(
            offering,
            quantity,
            pricing_plan_id or _only_plan,
            ends_at,
            anchor,
            skip_trial,
            promotion_code,
        )
        item.relations.append(_entitlement_ref("APP_DEPENDENCE", depends_on))
        if known is None or (container and self.catalogue.entitlement(container) is None):
            # Tell the rules what the builder was told: the product and its container.
            self._known.append((container, SiteProduct(product, "", product_id, to_millis(anchor))))
        self._items.append(item)
        return self

    @staticmethod
    def _anchor_of(
        parent: EntitlementDetails | str, known: Any, product_id: str, given: Timestamp | None
    ) -> Timestamp:
        """The billing anchor an app bills from: given, else the parent's details', else
        the catalogue's; ``OrderBuildError`` when none says."""
        anchor = given
        if anchor is None and isinstance(parent, EntitlementDetails):
            anchor = parent.billing_anchor
        if anchor is None and known is not None:
            anchor = known.billing_anchor
        if anchor is None:
            raise OrderBuildError(
                f"the billing anchor of parent entitlement {product_id} is unknown: give its "
                "EntitlementDetails or billing_anchor"
            )
        return anchor

    def _product_of(self, parent: EntitlementDetails | str, known: Any) -> str:
        """The product an app's parent entitlement is of (Jira when nothing says)."""
        if known is not None and known.kind == "product":
            return str(known.product)
        offering = self.catalogue.offering(
            parent.offering_id if isinstance(parent, EntitlementDetails) else None
        )
        return offering.product if offering else "jira"

    # -- output -------------------------------------------------------------------

    def offerings_to_provision(self) -> list[str]:
        """The offering ids to provision before ordering: every item but the family
        container (the order must cover exactly what was provisioned, ASM-003)."""
        return [item.offering.id for item in self._items]

    def build(self) -> dict[str, Any]:
        """The order body; raises ``OrderBuildError`` when it would break the contracts."""
        if self._request_id is None:
            raise OrderBuildError("no provisioning request: call for_request() first")
        if not self._items:
            raise OrderBuildError("the order has no items")
        entries: list[_Item | None] = list(self._items)
        if self._container_at is not None:
            entries.insert(self._container_at, None)  # None: the family-container item
        ids = self._item_ids or [
            self._item_id_format.format(n=n) for n in range(1, len(entries) + 1)
        ]
        if len(ids) != len(entries) or len(set(ids)) != len(ids):
            raise OrderBuildError(
                f"item_ids must be {len(entries)} distinct ids, got {list(self._item_ids or [])}"
            )
        container_id = ids[self._container_at] if self._container_at is not None else None
        items = []
        for item_id, entry in zip(ids, entries, strict=True):
            if entry is None:
                container = self._offering("family-container", None, None)
                items.append(
                    {"type": "CREATION_ORDER", "itemId": item_id, "offeringId": container.id}
                )
                continue
            body: dict[str, Any] = {
                "type": "CREATION_ORDER",
                "itemId": item_id,
                "offeringId": entry.offering.id,
            }
            # A copy: a caller changing the returned order must not change the next build.
            body.update(copy.deepcopy(entry.body))
            if entry.relations:
                body["relatesFromEntitlements"] = [
                    {k: (container_id if v is _CONTAINER else v) for k, v in rel.items()}
                    for rel in entry.relations
                ]
            anchor = body.pop("nextBillingAnchorTimestamp", None)
            if anchor is not None:
                body["nextBillingAnchorTimestamp"] = anchor
            items.append(body)
        order = {
            "orderId": self.order_id,
            "transactionAccountId": self.transaction_account_id,
            "invoiceGroupId": self.invoice_group_id,
            "items": items,
            "metadata": {"provisionRequestId": self._request_id},
        }
        violations = validate_order(order, self._judging_catalogue(), readings=self.readings)
        if violations:
            raise OrderBuildError("the order would break the contracts", violations)
        return order

    # -- helpers ------------------------------------------------------------------

    def _judging_catalogue(self) -> Catalogue:
        """The catalogue, plus the entitlements the builder was told of."""
        extra = []
        container = self._family_container
        if container and self.catalogue.entitlement(container) is None:
            extra.append(Site("(given to the builder)", "given", container))
        for n, (app_container, product) in enumerate(self._known):
            extra.append(Site(f"(app parent {n})", f"given-app-{n}", app_container, (product,)))
        return (
            self.catalogue.with_sites([*self.catalogue.sites, *extra]) if extra else self.catalogue
        )

    def _offering(self, product: str, edition: str | None, offering_id: str | None) -> Offering:
        if offering_id is not None:
            offering = self.catalogue.offering(offering_id)
            if offering is None:
                raise OrderBuildError(f"offering {offering_id} is not in the catalogue")
            if offering.product != product:
                raise OrderBuildError(f"offering {offering_id} is {offering.name}, not {product}")
            return offering
        # Of several (another currency, a legacy one), the one the suite's roles find.
        found = self.catalogue.offering_for(product, edition)
        if found is None:
            what = f"{product}" + (f" {edition}" if edition else "")
            raise OrderBuildError(
                f"the catalogue has 0 {what} offerings: the org's go in its profile's "
                "catalogue.offerings (`harness profile discover` lists them), or pass "
                "offering_id"
            )
        return found

    def _app_offering(self, offering_id: str | None, app_key: str | None) -> Offering:
        if offering_id is None and app_key is not None:
            found = [o for o in self.catalogue.offerings_of("app") if o.app_key == app_key]
            if len(found) != 1:
                raise OrderBuildError(f"the catalogue has {len(found)} apps with key {app_key!r}")
            return found[0]
        return self._offering("app", None, offering_id)

    def _item(
        self,
        offering: Offering,
        quantity: int | None,
        pricing_plan_id: Any,
        ends_at: Timestamp | None,
        billing_anchor: Timestamp | None,
        skip_trial: bool | None,
        promotion_code: str | None,
    ) -> _Item:
        count = quantity if quantity is not None else self._quantity
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise OrderBuildError(
                f"{offering.name} needs a positive whole charge quantity, got {count!r}"
            )
        element = offering.charged_per
        if element is None:
            raise OrderBuildError(f"the catalogue names no charge element for {offering.name}")
        charging: dict[str, Any] = {}
        if pricing_plan_id is _only_plan:
            pricing_plan_id = (
                offering.pricing_plans[0] if len(offering.pricing_plans) == 1 else None
            )
        if pricing_plan_id is not None:
            charging["pricingPlanId"] = pricing_plan_id
        charging["chargeQuantities"] = [{"chargeElement": element, "quantity": count}]
        options: dict[str, Any] = {"chargingDetails": charging}
        if skip_trial is not None:
            options["trial"] = {"skipTrial": skip_trial}
        if ends_at is not None:
            options["effectiveTime"] = {
                "endsAt": {"type": "TIMESTAMP", "endTimestamp": to_millis(ends_at)}
            }
        body: dict[str, Any] = {"optedUsageOptions": options}
        if promotion_code:
            body["promotions"] = [{"promotionDefinition": {"promotionCode": promotion_code}}]
        if billing_anchor is not None:
            body["nextBillingAnchorTimestamp"] = to_millis(billing_anchor)
        return _Item(offering, body)


def _only_plan() -> None:  # a sentinel: "the offering's only pricing plan"
    """Stands for the offering's only pricing plan in the catalogue."""


def _entitlement_ref(kind: str, entitlement_id: str) -> dict[str, Any]:
    return {
        "relationshipType": kind,
        "referenceType": "ENTITLEMENT",
        "entitlementId": entitlement_id,
    }
