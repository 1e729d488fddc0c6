"""The JSON the sandbox answers with, shaped like the cookbook's sample responses.

Each function turns store rows into one response body; the tests check every body
against the contracts' response schemas.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from ..contracts import Catalogue
from ..contracts.profile import ARI_PRODUCT, WORKSPACE_TYPE
from .clock import iso, millis
from .store import EntitlementRow, ItemRow, OrderRow, ProvisioningRow, RelationshipRow, SiteRow

#: Regions of a realm, as the cookbook's workspaces sample shows for ``us``. ASSUMED.
REGIONS: dict[str, list[str]] = {"us": ["us-east-1", "us-west-2"], "eu": ["eu-west-1"]}

_SLUG_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def product_ari(product: str, cloud_id: str) -> str:
    return f"ari:cloud:{ARI_PRODUCT[product]}::site/{cloud_id}"


def status_url(base_url: str, org_id: str, request_id: str) -> dict[str, Any]:
    """products.provision / apps.provision: ``{"data": {"statusUrl": ...}}`` (ERR-012)."""
    return {
        "data": {
            "statusUrl": f"{base_url}/admin/installations/v2/orgs/{org_id}"
            f"/products/status/{request_id}"
        }
    }


def provisioning_status(p: ProvisioningRow) -> dict[str, Any]:
    data: dict[str, Any] = {"requestId": p.id, "status": p.status}
    if p.reason:
        data["reason"] = p.reason
    return {"data": data}


def entitlements_list(site: SiteRow, entitlements: list[EntitlementRow]) -> dict[str, Any]:
    """Cookbook, 'Prerequisites': the site's platform ARI and the product's entitlements."""
    return {
        "resource_ari": f"ari:cloud:platform::site/{site.cloud_id}",
        "entitlements": [
            {
                "entitlement_id": e.id,
                "provisioning_status": "ACTIVE",
                "suspension_reasons": [],
                "can_reactivate": False,
            }
            for e in entitlements
        ],
        "metadata": {"jira_family_container": site.family_container},
    }


def entitlement_details(
    ent: EntitlementRow, relationships: list[RelationshipRow]
) -> dict[str, Any]:
    """Cookbook, 'Existing sites': relatesFromEntitlements and the billing anchor."""
    body: dict[str, Any] = {"entitlementId": ent.id}
    if ent.offering_id:
        body["offeringId"] = ent.offering_id
    body["status"] = "ACTIVE"
    body["version"] = str(ent.version)
    body["relatesFromEntitlements"] = [
        {
            "entitlementId": r.target_id,
            "relationshipType": r.relationship_type,
            "relationshipId": r.id,
        }
        for r in relationships
    ]
    if ent.billing_anchor is not None:
        body["subscriptionv2"] = {
            "billingPeriodDetails": {"billingAnchorTimestamp": ent.billing_anchor}
        }
    return body


def workspace(
    base_url: str, org_id: str, site: SiteRow, ent: EntitlementRow, catalogue: Catalogue
) -> dict[str, Any]:
    """One workspace: a product instance on a site; its ``id`` is the product ARI."""
    ari = product_ari(ent.product, site.cloud_id)
    self_link = f"{base_url}/admin/v1/workspaces/{quote(ari, safe='')}"
    offering = catalogue.offering(ent.offering_id)
    edition = (offering.edition if offering else None) or "standard"
    return {
        "id": ari,
        "type": WORKSPACE_TYPE[ent.product],
        "links": {"self": self_link},
        "attributes": {
            "name": site.name,
            "typeKey": ARI_PRODUCT[ent.product],
            "type": WORKSPACE_TYPE[ent.product],
            "owner": org_id,
            "status": "online",
            "statusDetails": [],
            "icons": {},
            "avatars": {},
            "labels": [],
            "sandbox": {"type": "NONE", "parentId": None},
            "createdAt": iso(ent.created_at),
            "hostUrl": site.host_url,
            "realm": site.realm,
            "regions": REGIONS.get(site.realm, []),
        },
        "relationships": {
            "entitlement": [
                {
                    "id": ent.id,
                    "links": {"self": f"{self_link}/entitlements/{ent.id}"},
                    "type": "entitlements",
                    "attributes": {
                        "planKey": edition,
                        "plan": edition.capitalize(),
                        "key": f"{ARI_PRODUCT[ent.product]}.ondemand",
                    },
                }
            ]
        },
    }


def slug(order_id: str) -> str:
    """A stable human-friendly order reference, ``R-XXX-XXX-XXX-XXX`` as in the samples."""
    digest = int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:8], "big")
    chars = []
    for _ in range(12):
        digest, index = divmod(digest, len(_SLUG_ALPHABET))
        chars.append(_SLUG_ALPHABET[index])
    return "R-" + "-".join("".join(chars[i : i + 3]) for i in range(0, 12, 3))


def order_placed(order: OrderRow, items: list[ItemRow]) -> dict[str, Any]:
    """Cookbook, 'Place order' sample response; ``orderItemId`` is ``{orderId}-N`` (ERR-007)."""
    return {
        "orderId": order.order_id,
        "slug": order.slug,
        "items": [
            {
                "itemId": item.item_id,
                "orderItemId": item.order_item_id,
                "triggeredByOrderItem": None,
                "processingInfo": None,
                "metadata": None,
            }
            for item in items
        ],
        "transactionAccountId": order.transaction_account_id,
        "invoiceGroupId": order.invoice_group_id,
        "additionalTriggeredOrders": None,
        "metadata": {"provisionRequestId": order.provision_request_id},
    }


def order(order: OrderRow, items: list[ItemRow]) -> dict[str, Any]:
    """Cookbook, 'Track the order': each item's processingInfo; the entitlement only after
    SUCCESS. Items echo the caller's ``itemId`` (ASM-008)."""
    by_item_id = {item.item_id: item.order_item_id for item in items}
    return {
        "orderId": order.order_id,
        "slug": order.slug,
        "transactionAccountId": order.transaction_account_id,
        "transactionAccount": {
            "id": order.transaction_account_id,
            "partitionKey": "atlassian-commercial",
        },
        "invoiceGroupId": order.invoice_group_id,
        "items": [_order_item(item, by_item_id) for item in items],
        "additionalTriggeredOrders": None,
        "metadata": {"provisionRequestId": order.provision_request_id},
        "createdDate": millis(order.created_at),
    }


def _order_item(item: ItemRow, by_item_id: dict[str, str]) -> dict[str, Any]:
    entitlement = (
        {"id": item.entitlement_id, "version": "1"}
        if item.status == "SUCCESS" and item.entitlement_id
        else None
    )
    return {
        "orderItemId": item.order_item_id,
        "itemId": item.item_id,
        "offeringId": item.offering_id,
        "type": item.body.get("type", "CREATION_ORDER"),
        "parentEntitlementId": None,
        "optedUsageOptions": item.body.get("optedUsageOptions"),
        "billingOptions": None,
        "resetOptions": None,
        "processingInfo": {"status": item.status, "entitlement": entitlement},
        "triggeredByOrderItem": None,
        "reasonCode": item.reason_code,
        "featureOverrides": None,
        "metadata": None,
        "promotions": item.body.get("promotions"),
        "updatedDate": millis(item.updated_at),
        "relatesFromEntitlements": [
            _relationship(rel, by_item_id) for rel in item.body.get("relatesFromEntitlements", [])
        ],
    }


def _relationship(rel: dict[str, Any], by_item_id: dict[str, str]) -> dict[str, Any]:
    # The order-status sample names the referenced item by its orderItemId.
    if rel.get("referenceType") == "ORDER_ITEM":
        return {
            "relationshipType": rel["relationshipType"],
            "referenceType": "ORDER_ITEM",
            "orderItemId": by_item_id.get(rel.get("itemId", ""), rel.get("itemId", "")),
        }
    return {
        "relationshipType": rel["relationshipType"],
        "referenceType": "ENTITLEMENT",
        "entitlementId": rel["entitlementId"],
    }
