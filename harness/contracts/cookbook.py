"""What the harness takes from the cookbook, what it assumes, and where the cookbook is wrong.

This is the one place every assumption (``ASM-nnn``) and erratum (``ERR-nnn``) is listed.
Schemas cite assumptions by id in their ``description``; rules cite the cookbook by
section; ``docs/`` and the report are generated from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The source document: Atlassian's public cookbook "add a new Enterprise product".
COOKBOOK_TITLE = "Atlassian cookbook: add a new Enterprise product"

#: Where the cookbook is published.
COOKBOOK_URL = "https://developer.atlassian.com/cloud/admin/cookbook-install-apps-products/"

#: Sections of the cookbook, as the harness names them when it quotes one.
SECTIONS: dict[str, str] = {
    "authentication": "Authentication",
    "prerequisites": "Prerequisites: product entitlement ID and entitlement details",
    "provision-products": "Provision product instances",
    "provision-apps": "Provision apps",
    "provisioning-status": "Check provisioning status",
    "place-order": "Place order",
    "existing-sites": "Place order: existing sites",
    "app-order": "Place order for apps",
    "track-order": "Track the order",
}


@dataclass(frozen=True)
class Assumption:
    """Something the harness needs that the cookbook does not say."""

    id: str
    text: str


@dataclass(frozen=True)
class Erratum:
    """A place where the cookbook's text is wrong, and what the harness does about it."""

    id: str
    says: str
    right: str
    harness: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "ASM-001",
        "Every error answers with one JSON:API-style envelope "
        "`{errors: [{status, code, title, detail, source: {pointer}, meta: {ruleId}}]}`.",
    ),
    Assumption("ASM-002", "The same orderId with a different body is refused with 409."),
    Assumption(
        "ASM-003",
        "Every ordered instance offering (not the family container) must have "
        "been provisioned by the named provisioning request.",
    ),
    Assumption(
        "ASM-004",
        "A provisioning request is COMPLETED once its order's items all succeed, "
        "and FAILED (reason: no order within 10 minutes) when no valid order names it in time.",
    ),
    Assumption(
        "ASM-005", "Order items are PROCESSING before SUCCESS, or FAILED with `reasonCode`."
    ),
    Assumption("ASM-006", "A site name is 2 to 63 lower-case letters, digits and inner hyphens."),
    Assumption("ASM-007", "optedUsageOptions is open beyond the fields the samples show."),
    Assumption("ASM-008", "Order items of a GET order echo the caller's itemId."),
    Assumption(
        "ASM-009",
        "The workspaces query filters on `attributes.name` only; an empty body "
        "lists every workspace the caller may see.",
    ),
    Assumption(
        "ASM-010",
        "Workspaces page with an opaque cursor: `links.next` is passed back as "
        "the `cursor` query parameter; `limit` (1 to 100, default 20) sets the page size.",
    ),
    Assumption("ASM-011", "Entitlement `provisioning_status` values other than ACTIVE are open."),
    Assumption(
        "ASM-012",
        "Entitlement details are open beyond entitlementId, "
        "relatesFromEntitlements and subscriptionv2.billingPeriodDetails.",
    ),
    Assumption(
        "ASM-013", "Successful calls answer 200, provisioning and order placement included."
    ),
    Assumption("ASM-014", "An org id is any non-empty path segment."),
    Assumption(
        "ASM-015",
        "When X-transaction-account is sent with an order it must equal the "
        "body's transactionAccountId; the invoice group must belong to that account.",
    ),
    Assumption("ASM-016", "429 and 503 carry Retry-After in whole seconds."),
    Assumption(
        "ASM-017",
        "A family-container item is referenced by at least one Jira or JSM item of the same order.",
    ),
    Assumption(
        "ASM-018",
        "Instance and app items carry at least one charge quantity, and an app's "
        "charge element is the one its catalogue entry names.",
    ),
    Assumption("ASM-019", "A pricingPlanId, when given, is one of the item offering's plans."),
    Assumption(
        "ASM-020",
        "Only apps use APP_DEPENDENCE, and only Enterprise instances use "
        "ENTERPRISE: Jira Premium carries no ENTERPRISE relationship.",
    ),
    Assumption("ASM-021", "The JSM product ARI is `ari:cloud:jira-servicedesk::site/{id}`."),
    Assumption(
        "ASM-022",
        "An unknown provisionRequestId in an order is refused with 422, "
        "as is one that is no longer waiting.",
    ),
    Assumption(
        "ASM-023",
        "products.provision refuses with 422: an offering the catalogue does not list "
        "(OFFERING_UNKNOWN), an app offering (OFFERING_NOT_PROVISIONABLE), two offerings of "
        "one product (PRODUCT_CONFLICT), a product the existing site already has "
        "(PRODUCT_ALREADY_ON_SITE), a new site without `timezone` (TIMEZONE_REQUIRED), and a "
        "new site whose name a waiting request is already creating (SITE_NAME_PENDING).",
    ),
    Assumption(
        "ASM-024",
        "apps.provision takes app offerings only, with the catalogue's `appKey` (422 "
        "OFFERING_NOT_PROVISIONABLE, APP_KEY_MISMATCH); its product ARI must be a workspace "
        "of the org (404 SITE_NOT_FOUND, PRODUCT_NOT_FOUND).",
    ),
    Assumption(
        "ASM-025",
        "Site-admin Basic auth reaches a resource only through its site: org-level "
        "entitlements (the parent Enterprise ones), and provisioning requests and orders for "
        "a site that does not exist yet, are 403 for Basic.",
    ),
    Assumption(
        "ASM-026",
        "An orgId other than the credentials' org is 404 ORG_NOT_FOUND; an order asked for "
        "with another account in X-transaction-account is 404 ORDER_NOT_FOUND, the very "
        "answer an order that does not exist gets (it tells nothing of other accounts).",
    ),
    Assumption(
        "ASM-027",
        "An entitlement created by an order has version 1 and bills from the item's "
        "nextBillingAnchorTimestamp, else from the time its item succeeded; a new site's realm "
        "is its offerings' location (default `us`).",
    ),
    Assumption(
        "ASM-028",
        "A workspaces cursor carries its query: sent with a body naming another query it is "
        "refused (400, parameter cursor); sent without a body, its own query applies.",
    ),
    Assumption(
        "ASM-029",
        "Transport errors use the envelope too: unknown path 404 NOT_FOUND, another method "
        "405 METHOD_NOT_ALLOWED with Allow, a body above 1 MiB 413 PAYLOAD_TOO_LARGE, a body "
        "that is not UTF-8 JSON (or nests deeper than 64, holds NaN, Infinity, a number beyond "
        "a double or an integer of more than 4300 digits) 400 MALFORMED_BODY; 401 carries "
        "WWW-Authenticate for Bearer and Basic.",
    ),
    Assumption(
        "ASM-030",
        "A 429 means the request was not acted on, so the client resends even a provisioning "
        "request after Retry-After; a 5xx or a dropped connection may come after the server "
        "acted, so provisioning requests (not idempotent) are not resent then.",
    ),
    Assumption(
        "ASM-031",
        "When one item of an order fails, it ends FAILED with a `reasonCode` and no "
        "entitlement, the order's other items still succeed, and the provisioning request "
        "ends FAILED with a reason naming the item (the sandbox's fail-item fault).",
    ),
    Assumption(
        "ASM-032",
        "A millisecond timestamp (`nextBillingAnchorTimestamp`, `endTimestamp`) is no later "
        "than 9999-12-31T23:59:59.999Z (253402300799999); a larger one is a schema violation.",
    ),
    Assumption(
        "ASM-033",
        "The workspaces query, though a POST, changes nothing: read-only runs and "
        "`harness profile discover` send it; every other POST provisions or orders.",
    ),
    Assumption(
        "ASM-034",
        "A site name is the org's for good once provisioned (and held while a new-site "
        "request waits), and an order id once used: a run against a shared org names every "
        "new site and order afresh (a run id), never reusing one of an earlier run.",
    ),
    Assumption(
        "ASM-035",
        "Provisioning may take longer than the order's processing: a request is COMPLETED "
        "once its order's items all succeeded and its own provisioning time has passed "
        "(the sandbox's `--provisioning-seconds`, default 0).",
    ),
    Assumption(
        "ASM-036",
        "Nothing ambiguous silently wins: Authorization, Content-Type, Origin or "
        "X-transaction-account sent twice is 400 DUPLICATE_HEADER naming the header, and a "
        "JSON body with a key twice in one object is 400 MALFORMED_BODY naming the key and "
        "its object.",
    ),
    Assumption(
        "ASM-037",
        "The parts of an order item that the cookbook's field list details (chargingDetails, "
        "trial, effectiveTime and its endsAt, a promotion and its promotionDefinition) carry "
        "those fields only; optedUsageOptions itself and metadata stay open (ASM-007).",
    ),
    Assumption(
        "ASM-038",
        "orderId is the idempotency key of the body, not of the headers: the same body sent "
        "again is judged by its own X-transaction-account, and one naming another account "
        "is refused (REL-018) as the first send would have been.",
    ),
)

ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "ERR-001",
        "`--header 'Authentication: Basic <access_token>'` (entitlements sample)",
        "`Authorization: Basic <encoded_token>`",
        "The sandbox answers 401 with a hint naming the Authorization header.",
    ),
    Erratum(
        "ERR-002",
        "`--header 'X-transaction-account': {{transactionAccountId}}`",
        "`--header 'X-transaction-account: <id>'`",
        "The client sends the header correctly; curl commands in the report quote it whole.",
    ),
    Erratum(
        "ERR-003",
        "JSON samples carry `// comments`",
        "JSON has no comments",
        "`harness validate order --allow-comments` strips them; fixtures are stored stripped.",
    ),
    Erratum(
        "ERR-004",
        "The ARI encoding example ends in `%0A`",
        "`ari%3Acloud%3Aconfluence%3A%3Asite%2F123`, no encoded newline",
        "The contracts refuse an ARI path segment with a trailing newline.",
    ),
    Erratum(
        "ERR-005",
        "The existing-site order sample posts to `/commerce/api/v1/orders`",
        "`/commerce/api/v2/orders`, as every other sample",
        "Both paths are in the contracts with the same schemas; the client uses v2.",
    ),
    Erratum(
        "ERR-006",
        "`nextBillingAchorTimestamp` in the field list",
        "`nextBillingAnchorTimestamp`",
        "The order schema refuses the misspelt field as unexpected.",
    ),
    Erratum(
        "ERR-007",
        "Place-order responses give every item the orderId as `orderItemId`",
        "`{orderId}-N`, as in the order-status sample",
        "The sandbox answers `{orderId}-N`.",
    ),
    Erratum(
        "ERR-008",
        "The entitlement-details sample's entitlementId differs from the one looked up",
        "the details of the entitlement asked for",
        "The sandbox answers with the entitlementId asked for.",
    ),
    Erratum(
        "ERR-009",
        "The provisioning-status sample sends no Authorization header",
        "Bearer or Basic, as every call",
        "The sandbox answers 401; the contracts report the missing header.",
    ),
    Erratum(
        "ERR-010",
        "The add-JSM sample's `--data-raw '...` body has no closing quote",
        "a closing `'`",
        "Fixtures hold the corrected body.",
    ),
    Erratum(
        "ERR-011",
        "The Jira Premium sample's orderId is `{{$randomUUID}}`; the existing-site "
        "sample's family container is `{{jiraFamilyContainerEntitlementId}}`",
        "real UUIDs",
        "Both samples fail the order schema at that field; the order builder generates UUIDs.",
    ),
    Erratum(
        "ERR-012",
        "The provisioning response sample is not a whole JSON object and its "
        "statusUrl id `6664d179-c5e8-4f6a-9f45-8a9f0756440` is not a UUID",
        '`{"data": {"statusUrl": ".../products/status/<uuid>"}}`',
        "The provisioning response schema refuses it; the sandbox answers a whole object.",
    ),
)


def section_url(section: str) -> str:
    """The cookbook's page, at the heading of a section (by the harness's section key)."""
    title = SECTIONS[section]
    anchor = "".join(c if c.isalnum() else "-" for c in title.split(":")[0].lower()).strip("-")
    return f"{COOKBOOK_URL}#{anchor}"


def assumption(asm_id: str) -> Assumption:
    """The assumption with this id; KeyError names it when unknown."""
    for item in ASSUMPTIONS:
        if item.id == asm_id:
            return item
    raise KeyError(asm_id)
