"""The JSON the sandbox answers with, shaped like the cookbook's sample responses.

Each function turns store rows into one response body; the tests check every body
against the contracts' response schemas.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from ..contracts import Catalogue, operation
from ..contracts.profile import ARI_PRODUCT, WORKSPACE_TYPE
from .clock import iso, millis
from .lifecycle import entitlement_version
from .store import EntitlementRow, ItemRow, OrderRow, ProvisioningRow, RelationshipRow, SiteRow

#: Regions of a realm, as the cookbook's workspaces sample shows for ``us``. ASSUMED.
REGIONS: dict[str, list[str]] = {"us": ["us-east-1", "us-west-2"], "eu": ["eu-west-1"]}

_SLUG_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_STATUS = operation("provisioning.status")


def product_ari(product: str, cloud_id: str) -> str:
    return f"ari:cloud:{ARI_PRODUCT[product]}::site/{cloud_id}"


def status_url(base_url: str, org_id: str, request_id: str) -> dict[str, Any]:
    """products.provision / apps.provision: ``{"data": {"statusUrl": ...}}`` (ERR-012), the
    provisioning.status URL with each segment percent-encoded (an org id need not be a
    UUID, ASM-014: one with a space or a non-ASCII letter is still a valid URI)."""
    url = _STATUS.url(base_url, orgId=org_id, requestId=request_id)
    return {"data": {"statusUrl": url}}


def provisioning_status(p: ProvisioningRow) -> dict[str, Any]:
    data: dict[str, Any] = {"requestId": p.id, "status": p.status}
    if p.reason:
        data["reason"] = p.reason
    return {"data": data}


def site_ari(cloud_id: str) -> str:
    """A site's own ARI, as the entitlements sample's ``resource_ari`` names it."""
    return f"ari:cloud:platform::site/{cloud_id}"


def entitlements_list(
    resource_ari: str, site: SiteRow, entitlements: list[EntitlementRow]
) -> dict[str, Any]:
    """Cookbook, 'Prerequisites': the ARI asked about (ASM-042), its product entitlements and
    the site's family container."""
    return {
        "resource_ari": resource_ari,
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
    created = iso(ent.created_at)
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
            # ASM-051: the generic sample's fields; the sandbox counts no users.
            "usage": 0,
            "capacity": 0,
            "createdAt": created,
            "createdBy": org_id,
            "updatedAt": created,
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


#: (glpForNextPlan, nextOfferingLevel) by what an offering is (ASM-050): the order-status
#: sample's family container and Enterprise instance; the others are the sandbox's own.
_SALE_LEVELS: dict[str, tuple[int, int]] = {
    "family-container": (-1, 1),
    "enterprise": (0, 700),
    "premium": (0, 500),
    "standard": (0, 100),
    "app": (0, 1),
}
#: The sample's usage-option fields, answered null where the order gave none.
_USAGE_FIELDS = (
    "trial",
    "chargingDetails",
    "purchaseMetadata",
    "effectiveTime",
    "billingBehaviour",
)


def order(order: OrderRow, items: list[ItemRow], catalogue: Catalogue) -> dict[str, Any]:
    """Cookbook, 'Track the order': every field of the order-status sample (ASM-050); the
    entitlement only after SUCCESS. Items echo the caller's ``itemId`` (ASM-008)."""
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
        "items": [_order_item(item, by_item_id, catalogue) for item in items],
        "additionalTriggeredOrders": None,
        "metadata": None,
        "createdDate": millis(order.created_at),
    }


def _order_item(item: ItemRow, by_item_id: dict[str, str], catalogue: Catalogue) -> dict[str, Any]:
    entitlement = (
        {"id": item.entitlement_id, "version": str(entitlement_version(item.body))}
        if item.status == "SUCCESS" and item.entitlement_id
        else None
    )
    return {
        "orderItemId": item.order_item_id,
        "itemId": item.item_id,
        "offeringId": item.offering_id,
        "type": item.body.get("type", "CREATION_ORDER"),
        "parentEntitlementId": None,
        "optedUsageOptions": _usage_options(item.body.get("optedUsageOptions")),
        "billingOptions": None,
        "resetOptions": None,
        "processingInfo": _processing_info(item, entitlement, catalogue),
        "triggeredByOrderItem": None,
        "reasonCode": item.reason_code,
        "featureOverrides": None,
        "metadata": None,
        "isImmediate": None,
        "promotions": item.body.get("promotions"),
        "quoteLineItemDetailsReference": None,
        "originalOrderItemId": None,
        "updatedDate": millis(item.updated_at),
        "prorationBehaviour": None,
        "relatesFromEntitlements": [
            _relationship(rel, by_item_id) for rel in item.body.get("relatesFromEntitlements", [])
        ],
    }


def _processing_info(
    item: ItemRow, entitlement: dict[str, Any] | None, catalogue: Catalogue
) -> dict[str, Any]:
    offering = catalogue.offering(item.offering_id)
    kind = "app"
    if offering is not None and offering.is_family_container:
        kind = "family-container"
    elif offering is not None and offering.product != "app":
        kind = offering.edition or "standard"
    glp_next, level = _SALE_LEVELS.get(kind, _SALE_LEVELS["standard"])
    return {
        "entitlement": entitlement,
        "status": item.status,
        "transitionTime": "IMMEDIATE",
        "transitionTimestamp": None,
        "saleTransitionType": "NA",
        "saleTransitionDetails": {
            "glpForLastPaidPlan": -1,
            "glpForCurrentPlan": -1,
            "glpForNextPlan": glp_next,
            "glpForNextPlanLegacyPricing": None,
            "currentOfferingLevel": None,
            "nextOfferingLevel": level,
            "saleTransitionType": "NA",
            "lastPaidOfferingLevel": None,
            "saleTransitionTime": None,
            "glpForAllPhases": None,
        },
        "accountModification": None,
        "computedDetails": {
            "offeringId": None,
            "computedEndTimestamp": None,
            "computedBillUntilTimestamp": None,
            "usageOptions": None,
            "removedPromotions": None,
            "orderedPromotions": None,
            "pricingPlanTransition": None,
        },
        "impactedEntitlements": None,
        "additionalTriggeredOrderItems": None,
        "prorationBehaviour": "ALWAYS_INVOICE",
    }


def _usage_options(options: Any) -> dict[str, Any] | None:
    """The usage options as ordered, with every field of the sample (null where absent)."""
    if not isinstance(options, dict):
        return None
    answer: dict[str, Any] = {name: options.get(name) for name in _USAGE_FIELDS}
    charging = options.get("chargingDetails")
    if isinstance(charging, dict):
        answer["chargingDetails"] = {
            "pricingPlanId": charging.get("pricingPlanId"),
            "chargeQuantities": charging.get("chargeQuantities"),
            **charging,
        }
    answer.update({k: v for k, v in options.items() if k not in _USAGE_FIELDS})  # ASM-007
    return answer


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
