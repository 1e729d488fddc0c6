"""How sandbox state follows the clock (cookbook, 'Place order' and 'Track the order';
ASSUMED beyond IN_PROGRESS and SUCCESS: ASM-004, ASM-005).

- A provisioning request waits ``IN_PROGRESS``. With no order ``PROVISIONING_WINDOW_SECONDS``
  (600 s) after it was made, it is ``FAILED`` (reason: no order within 10 minutes).
- An order's items are ``PROCESSING`` until ``processingDelaySeconds`` after the order;
  then each is ``SUCCESS`` with a new entitlement related as ordered, a new site (for a
  new-site request) exists with its workspaces, and the provisioning request is
  ``COMPLETED``, or stays ``IN_PROGRESS`` until ``provisioningDelaySeconds`` after it was
  made when that is later (ASM-035).
- Under an injected ``fail-item`` fault (``faults``, ASM-031) one item ends ``FAILED``
  with a ``reasonCode`` and no entitlement (relationships to it are not made), the others
  succeed, and the provisioning request ends ``FAILED`` naming the item.

Entitlements an order creates have version 1, 2 when the item's relationships were
attached after it was made (``entitlement_version``, ASM-050), and bill from the item's
``nextBillingAnchorTimestamp``, else from the time the item succeeded (ASM-027).

Nothing runs in the background: ``settle(tx, now)`` applies every transition due by
``now`` and is called before each request is answered, so state follows the clock and a
test moves the clock instead of sleeping. Transitions are stamped with the time they were
due, not the time they were noticed.

``settle`` also works out when the next transition can be due (``Tx.settled_until``) and
does nothing before then, so a request costs no settling queries while nothing is due.
Whatever starts a clock says when it may run out: ``provisioning_made`` (the window) and
``order_made`` (the items' processing), called by the operations that make them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..contracts import Catalogue, ProvisioningFacts
from ..contracts.rules import PROVISIONING_WINDOW_SECONDS
from . import faults
from .clock import millis
from .store import EntitlementRow, ItemRow, OrderRow, RelationshipRow, SiteRow, Tx, sandbox_uuid

NO_ORDER_REASON = (
    f"no order named this provisioning request within {PROVISIONING_WINDOW_SECONDS} seconds "
    "(10 minutes)"
)


def settle(
    tx: Tx, now: float, catalogue: Catalogue, org_id: str, provisioning_delay: float = 0.0
) -> None:
    """Apply every transition due by ``now``: finished order items, provisioning requests
    whose own time has come (``provisioning_delay`` seconds after they were made, ASM-035),
    then lapsed windows; nothing when none can be due yet."""
    if tx.next_due is not None and now < tx.next_due:
        return
    for order_id in tx.orders_with_due_items(now):
        order = tx.order(order_id)
        assert order is not None  # items reference their order
        _complete(tx, order, catalogue, org_id, now, provisioning_delay)
    if provisioning_delay > 0:
        for p, done_at in tx.provisioning_awaiting_completion(now - provisioning_delay):
            tx.set_provisioning_status(
                p.id, "COMPLETED", max(done_at, p.created_at + provisioning_delay)
            )
    for p in tx.waiting_provisioning(created_before=now - PROVISIONING_WINDOW_SECONDS):
        tx.set_provisioning_status(
            p.id, "FAILED", p.created_at + PROVISIONING_WINDOW_SECONDS, NO_ORDER_REASON
        )
    tx.settled_until(_next_due(tx, provisioning_delay))


def provisioning_made(tx: Tx, created_at: float) -> None:
    """A provisioning request was made at ``created_at``: its window lapses 10 minutes on,
    unless an order names it first (its completion then follows the order's items)."""
    tx.due(created_at + PROVISIONING_WINDOW_SECONDS)


def order_made(tx: Tx, items: Sequence[ItemRow]) -> None:
    """An order's items were placed: the first may finish processing at its ``ready_at``."""
    tx.due(min(item.ready_at for item in items))


def _next_due(tx: Tx, provisioning_delay: float) -> float:
    """The earliest time a transition can be due, as the state is now (inf: none)."""
    times = [tx.earliest_processing(), tx.earliest_waiting_provisioning()]
    if times[1] is not None:
        times[1] += PROVISIONING_WINDOW_SECONDS
    if provisioning_delay > 0:
        times += [
            max(done_at, p.created_at + provisioning_delay)
            for p, done_at in tx.provisioning_awaiting_completion(math.inf)
        ]
    return min((t for t in times if t is not None), default=math.inf)


def facts(tx: Tx, request_id: str) -> ProvisioningFacts | None:
    """What the relationship rules need to know of a provisioning request."""
    p = tx.provisioning(request_id)
    if p is None:
        return None
    return ProvisioningFacts(
        id=p.id,
        status=p.status,
        created_at=p.created_at,
        offerings=p.offering_ids,
        # The rules look an existing site up by name; a site still to be made is "new".
        site_name=None if p.new_site else p.site_name,
        product_ari=p.product_ari,
        ordered=p.order_id is not None,
    )


def entitlement_version(item_body: dict[str, Any]) -> int:
    """The version of the entitlement an order item makes (ASM-050): 1 when it is made, 2
    once relationships were attached to it (the order-status sample: the bare family
    container '1', the Jira instance with its relationships '2')."""
    return 2 if _relations(item_body) else 1


def site_cloud_id(org_id: str, site_name: str) -> str:
    return sandbox_uuid("site", org_id, site_name)


def _complete(
    tx: Tx,
    order: OrderRow,
    catalogue: Catalogue,
    org_id: str,
    now: float,
    provisioning_delay: float,
) -> None:
    """Every item of the order succeeds at its ready time, creating its entitlement; the
    provisioning request completes then, or once its provisioning time has passed."""
    items = tx.items(order.order_id)
    p = tx.provisioning(order.provision_request_id)
    assert p is not None  # an order is only accepted for a known request
    at = max(item.ready_at for item in items)
    site = tx.site(p.site_name)
    if site is None:
        location = next((o["location"] for o in p.offerings if o.get("location")), "us")
        site = SiteRow(p.site_name, site_cloud_id(org_id, p.site_name), None, location, at)
        tx.insert_site(site)
    fault = faults.take(tx, faults.PROCESSING)
    failing = faults.failing_item(fault, [i.item_id for i in items]) if fault else None
    # ORDER_ITEM references resolve to the entitlement the referenced item creates.
    made = {
        item.item_id: sandbox_uuid("entitlement", item.order_item_id)
        for item in items
        if item.item_id != failing
    }
    for item in items:
        if item.status != "PROCESSING":
            continue
        if item.item_id == failing:
            assert fault is not None and fault.reason is not None
            tx.finish_item(
                order.order_id, item.n, "FAILED", item.ready_at, reason_code=fault.reason
            )
            continue
        offering = catalogue.offering(item.offering_id)
        product = offering.product if offering else "app"
        kind = {"family-container": "family-container", "app": "app"}.get(product, "product")
        ent_id = made[item.item_id]
        anchor = item.body.get("nextBillingAnchorTimestamp")
        tx.insert_entitlement(
            EntitlementRow(
                ent_id,
                kind,
                product,
                item.offering_id,
                site.name,
                p.product_ari if kind == "app" else None,
                anchor if isinstance(anchor, int) else millis(item.ready_at),
                entitlement_version(item.body),
                order.order_id,
                item.ready_at,
            )
        )
        if kind == "family-container":
            tx.set_family_container(site.name, ent_id)
        for position, rel in enumerate(_relations(item.body)):
            target = rel.get("entitlementId") or made.get(rel.get("itemId", ""))
            if target is None:  # the rules refuse dangling references; stay safe anyway
                continue
            tx.insert_relationship(
                RelationshipRow(
                    sandbox_uuid("relationship", ent_id, str(position)),
                    ent_id,
                    target,
                    rel["relationshipType"],
                    position,
                )
            )
        tx.finish_item(order.order_id, item.n, "SUCCESS", item.ready_at, entitlement_id=ent_id)
    if failing is None:
        due = max(at, p.created_at + provisioning_delay)
        if due <= now:  # else settle() completes it when its time comes
            tx.set_provisioning_status(p.id, "COMPLETED", due)
    else:
        assert fault is not None
        reason = f"item {failing} of order {order.order_id} FAILED: {fault.reason}"
        tx.set_provisioning_status(p.id, "FAILED", at, reason)


def _relations(body: dict[str, Any]) -> list[dict[str, Any]]:
    rels = body.get("relatesFromEntitlements")
    return [r for r in rels if isinstance(r, dict)] if isinstance(rels, list) else []
