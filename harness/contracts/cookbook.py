"""What the harness takes from the cookbook, what it assumes, and where the cookbook is wrong.

This is the one place every assumption (``ASM-nnn``) and erratum (``ERR-nnn``) is listed.
Schemas cite assumptions by id in their ``description``; rules cite the cookbook by
section; ``docs/`` and the report are generated from these tables.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._violation import Violation

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


#: How a sandbox reads a two-way assumption: the harness's reading, or the other one.
HARNESS_READING = "harness"
ALTERNATIVE_READING = "alternative"


@dataclass(frozen=True)
class Answer:
    """What an org's answer to an observed exchange looks like.

    ``status``: ``"2xx"`` or the statuses that count; ``at``: a refusal counts only when one
    of its errors points at this JSON pointer or below it (``{item}`` is the index of the
    item the observation looked at; ``"{key}"`` alone, where the context holds a tuple of
    pointers, counts any of them); ``echoes``: the response's ``Observation.field`` holds
    (True) or does not hold (False) the value the request asked for; ``has``: every match of
    ``Observation.field`` (``*`` for each array index) is present (True) or one is missing
    (False); ``header``: (name, regular expression) the response header's value matches
    whole (an absent header reads as the empty string); ``one_of``: the response's
    ``Observation.field`` holds one of these values; ``filled``: every match of
    ``Observation.field`` holds a value other than null (True), or one is null or missing
    (False).
    """

    status: str | tuple[int, ...]
    at: str | None = None
    echoes: bool | None = None
    has: bool | None = None
    header: tuple[str, str] | None = None
    one_of: tuple[Any, ...] | None = None
    filled: bool | None = None


@dataclass(frozen=True)
class Observation:
    """How a run tells whether an org reads an assumption the harness's way: the exchanges
    it looks at and the answers that agree or contradict.

    ``operations``: the operation ids looked at; ``sent``: which of their exchanges count, a
    selector named in ``harness.suite.assumptions.SELECTORS`` (``any``, or one that looks
    at the request and the scenario's earlier exchanges), or ``breaks:REL-nnn``: an order
    the harness refuses for that rule and no other; ``field``: the response pointer
    ``Answer.echoes``, ``has``, ``one_of`` and ``filled`` read (``{key}`` is filled from the
    selector's context; of several pointers each is read); ``shows``: what an exchange that
    counts is, in words.
    """

    operations: tuple[str, ...]
    sent: str
    agrees: Answer
    contradicts: Answer
    shows: str
    field: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Assumption:
    """Something the harness needs that the cookbook does not say, or says two ways.

    ``alternative``: the other reading the cookbook's words allow, when there is one (a
    sandbox can be switched to it: ``"sandbox": {"readings": {"ASM-nnn": "alternative"}}``
    in its profile); ``quote``: the cookbook's words it rests on; ``observation``: how a
    live run confirms or refutes it (``harness.suite.assumptions``); ``section``: the
    cookbook section it extends (a key of ``SECTIONS``); ``takes_any``: the harness takes
    whatever an org answers where a schema cites it (an open value), so no answer
    contradicts it: a breach of a node citing it counts against the next citation up
    (``harness.contracts._citations``), and the ledger judges it neither way.
    """

    id: str
    text: str
    alternative: str | None = None
    quote: str | None = None
    observation: Observation | None = None
    section: str | None = None
    takes_any: bool = False


@dataclass(frozen=True)
class Erratum:
    """A place where the cookbook's text is wrong, and what the harness does about it."""

    id: str
    says: str
    right: str
    harness: str


@dataclass(frozen=True)
class Readings:
    """Which two-way assumptions a sandbox reads the other way (``alternative``); every
    other one is read the harness's way. ``Readings()`` is the harness's reading of all."""

    alternative: frozenset[str] = frozenset()

    def reads_alternative(self, asm_id: str) -> bool:
        return asm_id in self.alternative

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None) -> Readings:
        """Readings from a profile's ``sandbox.readings``: ``{"ASM-nnn": "alternative"}``.
        ValueError names an id that is not a two-way assumption, or an unknown reading."""
        chosen = set()
        for asm_id, reading in (mapping or {}).items():
            known = {a.id: a for a in ASSUMPTIONS}.get(asm_id)
            if known is None or known.alternative is None:
                two_way = ", ".join(a.id for a in two_way_assumptions())
                raise ValueError(
                    f"{asm_id} is not an assumption the cookbook allows two readings of "
                    f"(those are: {two_way})"
                )
            if reading not in (HARNESS_READING, ALTERNATIVE_READING):
                raise ValueError(
                    f"{asm_id}: reading {reading!r} is neither {HARNESS_READING!r} nor "
                    f"{ALTERNATIVE_READING!r}"
                )
            if reading == ALTERNATIVE_READING:
                chosen.add(asm_id)
        return cls(frozenset(chosen))


#: The harness's reading of every assumption.
HARNESS_READINGS = Readings()

#: Every operation of the contracts (``schemas/openapi.yaml``), for observations of any.
OPERATIONS = (
    "entitlements.list",
    "entitlements.details",
    "products.provision",
    "workspaces.query",
    "apps.provision",
    "provisioning.status",
    "orders.place",
    "orders.place.v1",
    "orders.get",
)
#: The statuses of an error answer.
ERROR_STATUSES = tuple(range(400, 600))

ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "ASM-001",
        "Every error answers with one JSON:API-style envelope "
        "`{errors: [{status, code, title, detail, source: {pointer}, meta: {ruleId}}]}`.",
        observation=Observation(
            OPERATIONS,
            "error-answer",
            agrees=Answer(ERROR_STATUSES, has=True),
            contradicts=Answer(ERROR_STATUSES, has=False),
            shows="an error answer: in the envelope, its first error with a code?",
            field="/errors/0/code",
        ),
    ),
    Assumption(
        "ASM-002",
        "The same orderId with a different body is refused with 409.",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "changed-resend",
            agrees=Answer((409,)),
            contradicts=Answer((200, 201, 202, 400, 422)),
            shows="an orderId the scenario placed, sent again with another body: 409?",
        ),
    ),
    Assumption(
        "ASM-003",
        "Every ordered instance offering (not the family container) must have "
        "been provisioned by the named provisioning request.",
    ),
    Assumption(
        "ASM-004",
        "A provisioning request is COMPLETED once its order's items all succeed, "
        "and FAILED (reason: no order within 10 minutes) when no valid order names it in time.",
        observation=Observation(
            ("provisioning.status",),
            "ordered-request",
            agrees=Answer("2xx", one_of=("COMPLETED",)),
            contradicts=Answer("2xx", one_of=("FAILED",)),
            shows="the status of a provisioning request whose order was read back with every "
            "item SUCCESS: COMPLETED (IN_PROGRESS tells nothing yet, ASM-035), or FAILED?",
            field="/data/status",
        ),
    ),
    Assumption(
        "ASM-005",
        "Order items are PROCESSING before SUCCESS, or FAILED with `reasonCode`.",
        observation=Observation(
            ("orders.get",),
            "any",
            agrees=Answer("2xx", has=True),
            contradicts=Answer("2xx", has=False),
            shows="an order read back: does every item carry a processing status, not "
            "processingInfo null?",
            field="/items/*/processingInfo/status",
        ),
    ),
    Assumption("ASM-006", "A site name is 2 to 63 lower-case letters, digits and inner hyphens."),
    Assumption(
        "ASM-007",
        "optedUsageOptions is open beyond the fields the samples show."
        " Nothing an org answers contradicts this (the harness takes any value), so a run "
        "does not observe it.",
        takes_any=True,
    ),
    Assumption(
        "ASM-008",
        "Order items of a GET order echo the caller's itemId.",
        observation=Observation(
            ("orders.get",),
            "any",
            agrees=Answer("2xx", has=True),
            contradicts=Answer("2xx", has=False),
            shows="an order read back: does every item carry its itemId?",
            field="/items/*/itemId",
        ),
    ),
    Assumption(
        "ASM-009",
        "The workspaces query filters on `attributes.name` only; an empty body "
        "lists every workspace the caller may see. Another operand of the Workspaces API "
        "(`and`, `sort`...) is refused at its pointer (400), never ignored: a filter or "
        "paging dropped in silence would answer another question than the one asked.",
    ),
    Assumption(
        "ASM-010",
        "Workspaces page with an opaque cursor: `links.next` is passed back as `cursor`, in "
        "the request body as the Org Workspaces API reference has it (the client sends it "
        "there, alone) or as a query parameter; `limit` (1 to 100, default 20), in either "
        "place, sets the page size. Both places naming different values is 400.",
        quote="'Query the Workspaces API to find the product ARI' and the sample's "
        '"links": {"self": "eyJxdWVyeSI6...", "next": null, "prev": null}',
        observation=Observation(
            ("workspaces.query",),
            "body-cursor",
            agrees=Answer("2xx"),
            contradicts=Answer((400, 404, 422)),
            shows="the next page asked for with links.next as `cursor` in the body: taken?",
        ),
    ),
    Assumption(
        "ASM-011",
        "Entitlement `provisioning_status` values other than ACTIVE are open."
        " Nothing an org answers contradicts this (the harness takes any value), so a run "
        "does not observe it.",
        takes_any=True,
    ),
    Assumption(
        "ASM-012",
        "Entitlement details are open beyond entitlementId, "
        "relatesFromEntitlements and subscriptionv2.billingPeriodDetails."
        " Nothing an org answers contradicts this (the harness takes any value), so a run "
        "does not observe it.",
        takes_any=True,
    ),
    Assumption(
        "ASM-013",
        "Successful calls answer 200, provisioning and order placement included.",
        observation=Observation(
            ("products.provision", "apps.provision", "orders.place", "orders.place.v1"),
            "any",
            agrees=Answer((200,)),
            contradicts=Answer((201, 202, 204)),
            shows="a provisioning request or an order accepted: with 200?",
        ),
    ),
    Assumption(
        "ASM-014",
        "An org id is any non-empty path segment. A run sends only its own org's id, so it "
        "does not observe this.",
    ),
    Assumption(
        "ASM-015",
        "When X-transaction-account is sent with an order it must equal the "
        "body's transactionAccountId; the invoice group must belong to that account.",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-018",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="an order whose invoice group is another account's (REL-018): refused?",
        ),
    ),
    Assumption(
        "ASM-016",
        "Retry-After on a 429 or 503 is in whole seconds, not an HTTP date; a 429 or 503 "
        "without it is retried on the client's own backoff.",
        observation=Observation(
            OPERATIONS,
            "any",
            agrees=Answer((429, 503), header=("retry-after", "[0-9]+")),
            contradicts=Answer((429, 503), header=("retry-after", ".+")),
            shows="a throttled or unavailable answer with Retry-After: in whole seconds?",
        ),
    ),
    Assumption(
        "ASM-017",
        "A family-container item is referenced by at least one Jira or JSM item of the same order.",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-019",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="an order with a family container no Jira or JSM item uses (REL-019): refused?",
        ),
    ),
    Assumption(
        "ASM-018",
        "Instance and app items carry at least one charge quantity, and an app's "
        "charge element is the one its catalogue entry names.",
    ),
    Assumption(
        "ASM-019",
        "A pricingPlanId, when given, is one of the item offering's plans.",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-017",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="an item naming another offering's pricing plan (REL-017): refused?",
        ),
    ),
    Assumption(
        "ASM-020",
        "Only apps use APP_DEPENDENCE, only Enterprise instances use ENTERPRISE, and only "
        "Jira and JSM use FAMILY_CONTAINER: Jira Premium carries no ENTERPRISE relationship, "
        "and an app no FAMILY_CONTAINER (the app sample's one relationship is its "
        "APP_DEPENDENCE).",
    ),
    Assumption(
        "ASM-021",
        "The JSM product ARI is `ari:cloud:jira-servicedesk::site/{id}`.",
        observation=Observation(
            ("workspaces.query",),
            "jsm-workspaces",
            agrees=Answer("2xx", echoes=True),
            contradicts=Answer("2xx", echoes=False),
            shows="the workspace of a JSM entitlement the profile knows: is its id "
            "`ari:cloud:jira-servicedesk::site/{cloudId}`?",
            field="/data/{workspace}/id",
        ),
    ),
    Assumption(
        "ASM-022",
        "An unknown provisionRequestId in an order is refused with 422, "
        "as is one that is no longer waiting.",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "unknown-provision-request",
            agrees=Answer((422,)),
            contradicts=Answer((200, 201, 202, 204, 400, 403, 404, 409)),
            shows="an order naming a provisioning request the scenario never made: 422?",
        ),
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
        "An entitlement created by an order has version 1 (2 once its relationships are "
        "attached, ASM-050) and bills from the item's "
        "nextBillingAnchorTimestamp, else from the time its item succeeded; a new site's realm "
        "is its offerings' location (default `us`).",
        observation=Observation(
            ("orders.get",),
            "made-entitlements",
            agrees=Answer("2xx", echoes=True),
            contradicts=Answer("2xx", echoes=False),
            shows="an item read back with its entitlement: version '1', or '2' for an item "
            "relating from entitlements?",
            field="/items/{item}/processingInfo/entitlement/version",
        ),
    ),
    Assumption(
        "ASM-028",
        "A workspaces cursor carries its query: sent with a body naming another query it is "
        "refused (400, parameter cursor); sent without a body, its own query applies.",
    ),
    Assumption(
        "ASM-029",
        "Transport errors use the envelope too: unknown path 404 NOT_FOUND, another method "
        "405 METHOD_NOT_ALLOWED with Allow (HEAD is answered as GET without its body, RFC "
        "9110 9.3.2), a body above 1 MiB 413 PAYLOAD_TOO_LARGE, a body "
        "that is not UTF-8 JSON (or nests deeper than 64, holds NaN, Infinity, a number beyond "
        "a double or an integer of more than 4300 digits) 400 MALFORMED_BODY, a body under a "
        "Content-Encoding or declared in a charset other than UTF-8 415 UNSUPPORTED_MEDIA_TYPE "
        "naming the header, a body not all sent within 30 s 408 REQUEST_TIMEOUT, Transfer-Encoding "
        "with Content-Length 400 CONFLICTING_HEADERS (the connection closed), a server too "
        "busy 503 UNAVAILABLE with Retry-After (the connection closed); 401 carries "
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
        observation=Observation(
            ("orders.get",),
            "failed-items",
            agrees=Answer("2xx", filled=True),
            contradicts=Answer("2xx", filled=False),
            shows="an item read back FAILED: with a reasonCode?",
            field="/items/{item}/reasonCode",
        ),
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
        "(the sandbox's `--provisioning-seconds`, default the profile's, else 0).",
        observation=Observation(
            ("provisioning.status",),
            "unordered-request",
            agrees=Answer("2xx", one_of=("IN_PROGRESS",)),
            contradicts=Answer("2xx", one_of=("COMPLETED",)),
            shows="the status of a provisioning request no order has named yet: IN_PROGRESS, "
            "or COMPLETED without its order?",
            field="/data/status",
        ),
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
    Assumption(
        "ASM-040",
        "Site-admin Basic authentication is taken where the cookbook marks a step 'Supports "
        "Basic authentication' (the entitlements list and details, provisioning apps, placing "
        "and tracking orders) and by the workspaces query and the provisioning status, which "
        "carry no mark but belong to the app journey a site admin can do; only provisioning "
        "product instances takes the org API key alone. 'Site-scoped authorization can only be "
        "used for installing 2nd party apps on products' is read as: of the two provisioning "
        "calls, a site admin may make only the app one.",
        alternative="Site-scoped authorization installs apps and nothing else: Basic is taken "
        "by apps.provision and by the workspaces query that finds its product ARI; every other "
        "call (entitlements, provisioning status, orders and their tracking) answers 403 to "
        "Basic, whatever the 'Supports Basic' marks say.",
        quote="'Site-scoped authorization can only be used for installing 2nd party apps on "
        "products.' against 'Supports Basic authentication (e.g. for site-admins: Replace "
        "--header 'Authorization: Bearer {{APIKey}}'' on the entitlement, order and tracking "
        "steps",
        observation=Observation(
            (
                "entitlements.list",
                "entitlements.details",
                "provisioning.status",
                "orders.place",
                "orders.place.v1",
                "orders.get",
            ),
            "basic-own-site",
            agrees=Answer("2xx"),
            contradicts=Answer((403,)),
            shows="a site admin's Basic call on a resource of their own site: taken, or 403?",
        ),
    ),
    Assumption(
        "ASM-041",
        "An app installed on Jira or JSM depends (APP_DEPENDENCE) on its site's Jira family "
        "container: the 'containerId derived from the Entitlement Details query "
        "$.relatesFromEntitlements.entitlementId'. The app sample's d71ec13e is the "
        "family-container entitlement of the order-status sample (its item of offering "
        "009f8789), and the default profile makes it site acme's. An app installed on "
        "Confluence (no family container) depends on the product's 'entitlement_id derived "
        "from Entitlement ID Query'. Either way the app bills from the billing anchor of the "
        "product it is installed on.",
        alternative="An app always depends on the entitlement of the product it is installed "
        "on (the workspace's relationships.entitlement[0].id); a family container is refused "
        "as its parent.",
        quote="'$.items[].relatesFromEntitlements[].entitlementId containerId derived from the "
        "Entitlement Details query (add link) $.relatesFromEntitlements.entitlementId. "
        "entitlement_id derived from Entitlement ID Query (add link).' and the app sample's "
        '"entitlementId": "d71ec13e-301b-35bf-9808-653f5be6c256"',
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "app-on-family-container",
            agrees=Answer("2xx"),
            contradicts=Answer((400, 422), at="/items/{item}/relatesFromEntitlements"),
            shows="an app order depending on its site's Jira family container: accepted, or "
            "refused at that relationship?",
        ),
    ),
    Assumption(
        "ASM-042",
        "The entitlements list takes a product ARI (that product's entitlements) or the "
        "site's ARI `ari:cloud:platform::site/{cloudId}` (every product entitlement of the "
        "site; the family container is in `metadata`), and `resource_ari` echoes the ARI "
        "asked for: the sample answers the site's ARI, so it asked for the site.",
        alternative="`resource_ari` is always the site's `ari:cloud:platform::site/{cloudId}`, "
        "whichever ARI was asked for.",
        quote="'curl ... /products/{productAri}/entitlements' answered with \"resource_ari\": "
        '"ari:cloud:platform::site/c9c33dfb-7cc6-42dc-8243-4abe82128f16"',
        observation=Observation(
            ("entitlements.list",),
            "product-ari",
            agrees=Answer("2xx", echoes=True),
            contradicts=Answer("2xx", echoes=False),
            shows="the entitlements of a product ARI: does resource_ari echo it?",
            field="/resource_ari",
        ),
    ),
    Assumption(
        "ASM-043",
        "Enterprise instance items carry charge quantities like every other instance (every "
        "Enterprise sample has one): 'For Enterprise instances, this limit is not enforced' is "
        "read as: the quantity is no cap on the users of the site (the sandbox never counts "
        "users against it), not that it may be left out. Without one, REL-012 refuses the item.",
        alternative="For Enterprise instances the charge quantity is not required at all: an "
        "Enterprise item without chargeQuantities is accepted.",
        quote="'set $.chargeElement to '?' and $.quantity to the anticipated maximum number of "
        "users of your site. This limit is is relevant for annually billed Jira Cloud sites of "
        "Standard and Premium Tiers ... For Enterprise instances, this limit is not enforced.'",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "enterprise-without-quantities",
            agrees=Answer((400, 422), at="/items/{item}/optedUsageOptions"),
            contradicts=Answer("2xx"),
            shows="an Enterprise item without charge quantities: refused at its usage "
            "options, or accepted?",
        ),
    ),
    Assumption(
        "ASM-044",
        "An app item carries nextBillingAnchorTimestamp, the billing anchor of the product it "
        "is installed on ('derived from the Entitlement Details query'); without it, or with "
        "another, the order is refused (REL-014). Other items may carry one (the Jira Premium "
        "sample does); it is not checked there.",
        quote="'$.items[].nextBillingAchorTimestamp This is the timestampderived from the "
        "Entitlement Details query (add link) "
        "$.subscriptionv2.billingPeriodDetails.billingAnchorTimestamp.'",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-014",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="an app billed from another anchor than its product's (REL-014): refused?",
        ),
    ),
    Assumption(
        "ASM-045",
        "Promotion codes are the app's: only app items carry `promotions` (REL-021). Codes "
        "are not checked, and change no price in the sandbox.",
        quote="'$.items[].promotions[].promotionDefinition.promotionCode the app promo code you "
        "have received from the app vendor'",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-021",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="a product item carrying a promotion code (REL-021): refused?",
        ),
    ),
    Assumption(
        "ASM-046",
        "A new site's `timezone` is an IANA time-zone name (the sample's 'Australia/Sydney'; "
        "another is 422 TIMEZONE_UNKNOWN). An offering's `location` is a lower-case realm "
        "code (the sample's 'us'; 2 to 16 letters, digits and inner hyphens), not checked "
        "against a list the cookbook does not give; the new site's realm is that code.",
        quote="'Add a timezone parameter for the new site.' and 'location parameter in the "
        "request (Optional)'",
    ),
    Assumption(
        "ASM-047",
        "An order is for one provisioning request, that is one site: it holds at most one "
        "instance item per product and each app offering once (REL-020), so a site never "
        "shows two workspaces of one product.",
        quote="'There is only one order item for the Jira family container, which is "
        "referenced in both Jira and JSM.'",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks:REL-020",
            agrees=Answer((400, 403, 404, 409, 422)),
            contradicts=Answer("2xx"),
            shows="an order holding a product twice (REL-020): refused?",
        ),
    ),
    Assumption(
        "ASM-048",
        "An order holds at most 100 items (the cookbook's largest holds 4: a family "
        "container and three products; each app adds one); a longer one is a schema "
        "violation at /items.",
    ),
    Assumption(
        "ASM-049",
        "The Jira family container offering is provisioned beside a Jira or JSM offering, "
        "never alone: alone, products.provision refuses it (422 CONTAINER_ALONE), since no "
        "order could relate a Jira-family item to it (REL-019).",
        quote="'There is only one order item for the Jira family container, which is "
        "referenced in both Jira and JSM.'",
    ),
    Assumption(
        "ASM-050",
        "GET order answers every field of the cookbook's order-status sample, as it shows "
        "them: transitionTime IMMEDIATE, transitionTimestamp null, saleTransitionType NA, "
        "prorationBehaviour ALWAYS_INVOICE (null on the item itself), computedDetails with "
        "every field null, glpForLastPaidPlan and glpForCurrentPlan -1, glpForNextPlan and "
        "nextOfferingLevel -1 and 1 for the family container and 0 and 700 for an Enterprise "
        "instance (the sandbox's own values for other editions: 0 and 500 Premium, 0 and 100 "
        "Standard, 0 and 1 apps); the entitlement's version is '1', '2' for an item whose "
        "relationships were attached after it was made (the sample's Jira instance); the "
        "order's `metadata` is null; usage options carry every field of the sample (trial, "
        "chargingDetails.pricingPlanId, purchaseMetadata, effectiveTime, billingBehaviour), "
        "null where the order gave none.",
        quote="the order-status sample of 'Track the order'",
    ),
    Assumption(
        "ASM-051",
        "A workspace answers the fields of both workspaces samples: usage and capacity (the "
        "sandbox counts no users: 0 and 0), createdAt, createdBy (the org id), updatedAt "
        "(createdAt); the page's meta.attributes is null.",
        quote="the generic and the existing-site workspaces samples",
        observation=Observation(
            ("workspaces.query",),
            "product-workspaces",
            agrees=Answer("2xx", filled=True),
            contradicts=Answer("2xx", filled=False),
            shows="a product's workspace: with usage, capacity, createdAt, createdBy and "
            "updatedAt?",
            field=tuple(
                f"/data/{{workspace}}/attributes/{name}"
                for name in ("usage", "capacity", "createdAt", "createdBy", "updatedAt")
            ),
        ),
    ),
    Assumption(
        "ASM-052",
        "An org API key and a site admin's API token are printable ASCII without spaces: "
        "they travel in an Authorization header (Bearer, or Basic of email:token), and a "
        "key of other characters is refused where it enters the harness (the profile "
        "schema, OrgApiKey, ATLASSIAN_API_KEY) rather than sent. A live run that "
        "authenticates at all has a key of this kind.",
        quote="'--header 'Authorization: Bearer <api_key>'' (the cookbook's curl samples)",
    ),
    Assumption(
        "ASM-053",
        "'Within 10 minutes' is 600 seconds of the org's time from when the provisioning "
        "request was made, the end included: an order that arrives 600 s after it is in time, "
        "one 600.001 s after it is refused (422 PROVISIONING_WINDOW_CLOSED, REL-015), and the "
        "request reads FAILED from then on, stamped at 600 s. The client counts from just "
        "before it sent the request, so it never reckons the request younger than the org "
        "does, and sends no order past 600 s of its own count.",
        quote="'The place order action must happen in quick succession (within 10 minutes) or "
        "the provisioning process will time out while waiting for information from commerce.'",
        section="place-order",
    ),
    Assumption(
        "ASM-054",
        "An order sent again (the same orderId and body) is answered as the first send was, "
        "200 with the same order, also while the first send is still being acted on (both "
        "arrive at the same moment): no resend is refused as a duplicate in progress (409, "
        "429), and one order is made. Of sends of one orderId with different bodies at the same "
        "moment one is placed and the others are 409 (ASM-002); of orders naming one "
        "provisioning request at the same moment one is placed and the others are 422 "
        "(REL-015). The client resends an order after a timeout or a lost connection, when its "
        "first send may still be under way.",
        quote="'$.orderId - a UUID generated by the caller. It is used as an idempotent key as "
        "well'",
        section="place-order",
    ),
    Assumption(
        "ASM-055",
        "A site has one instance of each product (a product ARI names it), however many "
        "provisioning requests for it wait: an order that would give an existing site a "
        "product it has is refused (422 PRODUCT_ALREADY_ON_SITE at the item's offeringId), as "
        "is one giving it a product that another order, still processing, is giving it (422 "
        "PRODUCT_PENDING_ON_SITE), whether the two orders come one after the other or at the "
        "same moment. Provisioning the product again is not refused while the first request "
        "waits (a resend after a lost answer is one), and apps are not counted.",
        quote="'the id of each workspace returned corresponds to the product ARI' and its shape "
        "'ari:cloud:confluence::site/123': one ARI, so one instance, per product of a site",
        section="place-order",
    ),
    Assumption(
        "ASM-060",
        "An order that breaks a relationship rule (REL-nnn) is refused with 422 and an error "
        "whose `source.pointer` is the field the rule names, or within it: the caller learns "
        "which field to change, not merely that the order is wrong. The rule's id "
        "(`meta.ruleId`), the error `code` (RULE_VIOLATION, PROVISIONING_REQUEST_UNKNOWN...) "
        "and the words of `title` and `detail` are the harness sandbox's own, which no org is "
        "assumed to send: against an org (a run that writes the assumption ledger) the "
        "suite's steps check a refusal's status and where it points, never its rule id, "
        "code or words.",
        quote="the entitlement relationships a correct order must satisfy ('Place order', "
        "'Place order for apps'); the cookbook shows no refusal",
        section="place-order",
        observation=Observation(
            ("orders.place", "orders.place.v1"),
            "breaks-a-rule",
            agrees=Answer((422,), at="{pointers}"),
            contradicts=Answer((400, 422)),
            shows="an order the harness's rules refuse: refused with 422 at the field the "
            "rule names?",
        ),
    ),
    Assumption(
        "ASM-061",
        "GET order without X-transaction-account is refused with 400 naming the header "
        "(`source.header`), and so is one with the header empty: the client always sends "
        "the header, so the suite sends it empty to stand for a missing one ('Tracking an "
        "order needs its transaction account').",
        quote="'--header 'X-transaction-account: {{transactionAccountId}}'' (the tracking sample)",
        section="track-order",
        observation=Observation(
            ("orders.get",),
            "no-account-header",
            agrees=Answer((400,)),
            contradicts=Answer((200, 401, 403, 404, 422)),
            shows="an order asked for with X-transaction-account empty or missing: 400?",
        ),
    ),
    Assumption(
        "ASM-062",
        "An id the org does not have is 404 in the envelope, not 400, 403 or an empty 200: "
        "the details of an entitlement (ENTITLEMENT_NOT_FOUND), an order "
        "(ORDER_NOT_FOUND, ASM-026), the status of a provisioning request "
        "(PROVISIONING_REQUEST_NOT_FOUND). The suite asks for ids of the form the org uses "
        "(UUIDs) that no org has.",
        quote="'Use the Get entitlement details by ID API and the entitlement ID obtained in "
        "the previous step' (the cookbook shows no lookup that finds nothing)",
        section="prerequisites",
        observation=Observation(
            ("entitlements.details", "orders.get", "provisioning.status"),
            "unknown-id",
            agrees=Answer((404,)),
            contradicts=Answer((200, 400, 403, 422)),
            shows="an entitlement, order or provisioning request no answer named: 404?",
        ),
    ),
    Assumption(
        "ASM-063",
        "A request without credentials, or with ones the org does not know (a key it never "
        "issued, the cookbook's `Authentication` header, ERR-001), is refused with 401; "
        "credentials the org knows but that may not make the call are 403 (ASM-025, "
        "ASM-040). A run observes the requests sent with no Authorization header: an "
        "unknown key looks like the org's once masked.",
        quote="'These APIs utilize an API key as a Bearer access token for authentication.'",
        section="authentication",
        observation=Observation(
            OPERATIONS,
            "no-credentials",
            agrees=Answer((401,)),
            contradicts=Answer((200, 201, 202, 204, 400, 403, 404, 422)),
            shows="a request with no Authorization header: 401?",
        ),
    ),
    Assumption(
        "ASM-064",
        "Answers may hold kinds a request may not: in the entitlement details and GET order, "
        "a relationship of another type or reference type than the three and two an order "
        "sends, and a charge quantity with more fields or another charge element than "
        "user and agent, are read, not refused as a breach of the contract. The harness "
        "reads FAMILY_CONTAINER, ENTERPRISE and APP_DEPENDENCE, ORDER_ITEM and ENTITLEMENT, "
        "user and agent, and passes the rest by: an org's existing entitlements were made by "
        "more than this cookbook's orders. Nothing an org answers contradicts this, so a run "
        "does not observe it.",
        quote="'Look for $.relatesFromEntitlements[].entitlementId for type FAMILY_CONTAINER "
        "in the response.'",
        section="prerequisites",
        takes_any=True,
    ),
    Assumption(
        "ASM-065",
        "A workspace's `type` names its product as the workspaces sample names Jira's: 'Jira "
        "Software' for `ari:cloud:jira-software::site/...`, and (the cookbook shows neither) "
        "'Confluence' for `ari:cloud:confluence::...` and 'Jira Service Management' for "
        "`ari:cloud:jira-servicedesk::...` (ASM-021). The suite finds a site's products in "
        "its workspaces by these names; the client and discovery go by the ARI.",
        quote='"id": "ari:cloud:jira-software::site/4745a76c-...", "type": "Jira Software" '
        "(the existing-site workspaces sample)",
        section="provision-apps",
        observation=Observation(
            ("workspaces.query",),
            "product-workspaces",
            agrees=Answer("2xx", echoes=True),
            contradicts=Answer("2xx", echoes=False),
            shows="a workspace whose id is a product's ARI: is its type that product's name?",
            field="/data/{workspace}/type",
        ),
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
    Erratum(
        "ERR-013",
        "The app-provisioning sample's offering is "
        '`"id": "39605741-b92f-4763-8229-7bba2d16433c"`, the Confluence Enterprise instance',
        "the app's offering id (the app order sample's `3198373c-f623-445a-be6d-da924f4161d2`)",
        "apps.provision refuses a product offering: 422 OFFERING_NOT_PROVISIONABLE naming ERR-013.",
    ),
    Erratum(
        "ERR-014",
        "The Confluence, Jira, JSM, all-products and add-JSM order samples share one orderId, "
        "`78e519c2-2277-40dd-82b2-efb08d6290ad`",
        "a new UUID per order: 'a UUID generated by the caller. It is used as an idempotent "
        "key as well'",
        "The second of them on one org is 409 ORDER_CONFLICT (REL-003) naming ERR-014.",
    ),
    Erratum(
        "ERR-015",
        "The Jira, JSM and all-products order responses echo provisionRequestId "
        "`07fb4851-986a-438d-8749-e2c07851c6ca` (the Confluence sample's); their requests "
        "sent `bb8c5447-c7d3-4aaf-8897-ab28370a753b`",
        "the provisionRequestId the request sent",
        "The sandbox echoes the request's metadata.",
    ),
    Erratum(
        "ERR-016",
        "'Use the Get entitlement details by ID API to get the Entitlement ID', above a sample "
        "that lists entitlements (`GET .../products/{productAri}/entitlements`)",
        "the entitlements list (Get product entitlement ID) gives the entitlement ID; the "
        "details API is the next step",
        "entitlements.list is 'Get product entitlement ID'; an ARI sent to the details API "
        "is 400 at its entitlementId, naming ERR-016.",
    ),
    Erratum(
        "ERR-017",
        "'Look for $.relationships.entitlement[0].id in the response' (existing sites)",
        "`$.data[].relationships.entitlement[0].id`, of the Jira-family workspace",
        "The client reads each workspace's data[].relationships.entitlement[0].id.",
    ),
    Erratum(
        "ERR-018",
        "'set $.chargeElement to '?'' (field list of 'Place order for apps')",
        "the offering's charge element: `user` (Jira, Confluence) or `agent` (JSM, the sample "
        "app), as every sample sends",
        "The order schema takes user or agent; '?' is refused at the field (400), naming ERR-018.",
    ),
    Erratum(
        "ERR-019",
        'The app order response shows `"metadata": null` though its request sent '
        "metadata.provisionRequestId",
        "the request's metadata, as the other place-order responses echo it",
        "The sandbox echoes the request's metadata for every order.",
    ),
    Erratum(
        "ERR-020",
        "Samples elide with `...`: the provisioning bodies' offerings `[{...}, ... ]`, the "
        "details sample's fields, the existing-site workspaces `{...}`",
        "whole JSON: every offering listed, the elided fields the API's",
        "A body holding `...` is 400 MALFORMED_BODY naming ERR-020; fixtures are stored "
        "without the elisions.",
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


def erratum(err_id: str) -> Erratum:
    """The erratum with this id; KeyError names it when unknown."""
    for item in ERRATA:
        if item.id == err_id:
            return item
    raise KeyError(err_id)


def erratum_hint(err_id: str) -> str:
    """What a refusal adds when the cookbook's own text leads to it: `` (cookbook erratum
    ERR-nnn)`` (docs/errata.md says what the cookbook says and what is right)."""
    erratum(err_id)  # an unknown id is a bug: KeyError
    return f" (cookbook erratum {err_id})"


def two_way_assumptions() -> tuple[Assumption, ...]:
    """The assumptions the cookbook allows two readings of, each with its alternative."""
    return tuple(a for a in ASSUMPTIONS if a.alternative is not None)


def observed_assumptions() -> tuple[Assumption, ...]:
    """The assumptions a live run can confirm or refute (each with its observation)."""
    return tuple(a for a in ASSUMPTIONS if a.observation is not None)


#: Values the cookbook's samples carry that betray an erratum, where a request holds them:
#: (erratum, the field: a body pointer's last key or a parameter/header name, the value).
ERRATUM_MARKS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("ERR-011", "*", re.compile(r"\{\{.*\}\}", re.S)),
    ("ERR-014", "orderId", re.compile(r"78e519c2-2277-40dd-82b2-efb08d6290ad")),
    ("ERR-012", "*", re.compile(r"6664d179-c5e8-4f6a-9f45-8a9f0756440")),
    ("ERR-016", "entitlementId", re.compile(r"ari(:|%3A).*", re.I | re.S)),
    ("ERR-018", "chargeElement", re.compile(r"\?")),
    ("ERR-004", "productAri", re.compile(r".*(\n|%0A)", re.I | re.S)),
)


def erratum_of(field: str, value: Any) -> str | None:
    """The erratum a value of a request betrays (``ERRATUM_MARKS``), if any."""
    if not isinstance(value, str):
        return None
    for err_id, where, pattern in ERRATUM_MARKS:
        if where in ("*", field) and pattern.fullmatch(value):
            return err_id
    return None


def mark_errata(
    violations: Sequence[Violation], value_at: Callable[[Violation], Any]
) -> list[Violation]:
    """The violations, each one whose offending value (``value_at``) is a cookbook
    sample's mistake naming its erratum (``erratum`` and a hint in the message)."""
    marked = []
    for v in violations:
        err_id = v.erratum or erratum_of(v.pointer.rsplit("/", 1)[-1], value_at(v))
        if err_id and not v.erratum:
            v = dataclasses.replace(v, message=v.message + erratum_hint(err_id), erratum=err_id)
        marked.append(v)
    return marked
