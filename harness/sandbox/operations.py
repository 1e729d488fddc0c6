"""What each operation of the cookbook does in the sandbox org: one function per operation.

By the time a function runs, the app has matched the operation through the contracts,
authenticated the caller, validated the request with ``validate_request`` and settled
the state to the sandbox clock. A function reads and writes ``call.tx`` (one
transaction), raises ``ApiError`` to refuse, and returns ``(status, body)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..contracts import (
    Catalogue,
    Offering,
    OrderContext,
    Profile,
    check_order,
    cookbook,
    validate_order,
)
from ..contracts.profile import ARI_PRODUCT, PRODUCT_OF_ARI, SITE_ARI, time_zones
from . import lifecycle, views
from .auth import Principal
from .encoding import Encoded, encode
from .errors import ApiError, error
from .store import ItemRow, OrderRow, ProvisioningRow, SiteRow, Tx, canonical_json, sandbox_uuid

#: Product of a product ARI's product part (``jira-software`` -> ``jira``).
#: Rules that judge what an order request carries besides its body: checked again on an
#: idempotent resend (the header is not part of the idempotency key).
_RESEND_RULES = frozenset({"REL-018"})
#: Order of products within a site in workspace listings.
_PRODUCT_ORDER = {"jira": 0, "jsm": 1, "confluence": 2}


@dataclass(frozen=True)
class Call:
    """One request, as an operation sees it."""

    tx: Tx
    profile: Profile
    principal: Principal
    params: Mapping[str, str]  # decoded path parameters
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: Any  # parsed JSON; None when the request had none
    base_url: str
    now: float
    processing_delay: float
    #: The order's relationship rules (``Checks.order`` of the sandbox's settings).
    check_order: Callable[..., list[Any]] = validate_order

    @property
    def catalogue(self) -> Catalogue:
        """The profile's catalogue over the sites as they are now."""
        return self.tx.catalogue(self.profile.catalogue)


#: (status, body): a JSON value, or one already encoded (``Encoded``: a read's answer the
#: store keeps while the rows it is made of are unchanged, ``Tx.remembered``).
Reply = tuple[int, Any]
Handler = Callable[[Call], Reply]


# -- prerequisites --------------------------------------------------------------------


def entitlements_list(call: Call) -> Reply:
    """The entitlements of one product instance, found by its product ARI, or of every
    product of a site, found by the site's ARI (``ari:cloud:platform::site/{cloudId}``, as
    the sample's answer names it). ``resource_ari`` echoes the ARI asked for (ASM-042; read
    the other way, it is always the site's)."""
    _require_org(call)
    ari = call.params["productAri"]
    found = SITE_ARI.fullmatch(ari)
    if found and found["part"] == "platform":
        site = call.tx.site_by_cloud_id(found["cloud_id"])
        if site is None:
            raise error(
                404, "SITE_NOT_FOUND", f"no site of this org for {ari}", parameter="productAri"
            )
        products = set(ARI_PRODUCT)
    else:
        site, product = _product_on_site(call, ari, "productAri")
        products = {product}
    call.principal.require_site(site.name, f"product {ari}")
    entitlements = sorted(
        (
            e
            for e in call.tx.site_entitlements(site.name)
            if e.kind == "product" and e.product in products
        ),
        key=lambda e: (_PRODUCT_ORDER.get(e.product, 9), e.created_at, e.id),
    )
    resource = (
        views.site_ari(site.cloud_id) if call.profile.readings.reads_alternative("ASM-042") else ari
    )
    return 200, views.entitlements_list(resource, site, entitlements)


def entitlements_details(call: Call) -> Reply:
    """An entitlement with the entitlements it relates from and its billing anchor."""
    ent_id = call.params["entitlementId"]
    ent = call.tx.entitlement(ent_id)
    if ent is None:
        raise error(
            404,
            "ENTITLEMENT_NOT_FOUND",
            f"no entitlement {ent_id} in this org",
            parameter="entitlementId",
        )
    call.principal.require_site(ent.site_name, f"entitlement {ent_id}")
    return 200, views.entitlement_details(ent, call.tx.relationships(ent.id))


# -- provisioning ---------------------------------------------------------------------


def products_provision(call: Call) -> Reply:
    """Start provisioning product instances on a new site, or on an existing one by name.
    Refusals beyond the schema are ASSUMED (ASM-023)."""
    _require_org(call)
    body = call.body
    name = body["parameters"]["name"]
    site = call.tx.site(name)
    _check_products(call, site)
    if site is None:
        _check_new_site(call, name, body["parameters"])
    return _start_provisioning(call, "products", name, site is None, None, body)


def _check_products(call: Call, site: SiteRow | None) -> None:
    """422 for a product asked twice, one the site has, or a family container alone."""
    seen: dict[str, int] = {}
    for i, pointer, offering in _requested_offerings(call, apps=False):
        if offering.product in seen:
            raise error(
                422,
                "PRODUCT_CONFLICT",
                f"{offering.name} is a second {offering.product} offering in this request "
                f"(first at /offerings/{seen[offering.product]})",
                pointer=pointer,
            )
        seen[offering.product] = i
        if site is not None and any(
            e.product == offering.product for e in call.tx.site_entitlements(site.name)
        ):
            raise error(
                422,
                "PRODUCT_ALREADY_ON_SITE",
                f"site {site.name!r} already has {offering.product}",
                pointer=pointer,
            )
    if set(seen) == {"family-container"}:
        raise error(
            422,
            "CONTAINER_ALONE",
            "the Jira family container is provisioned beside Jira or JSM, never alone: no "
            "order could relate a Jira-family item to it (ASM-049)",
            pointer="/offerings",
        )


def _check_new_site(call: Call, name: str, parameters: dict[str, Any]) -> None:
    """422 for a new site without a known time zone, or one another request is making."""
    timezone = parameters.get("timezone")
    if timezone is not None and timezone not in time_zones():
        raise error(
            422,
            "TIMEZONE_UNKNOWN",
            f"{timezone!r} is not an IANA time-zone name such as 'Australia/Sydney' (ASM-046)",
            pointer="/parameters/timezone",
        )
    if "timezone" not in parameters:
        raise error(
            422,
            "TIMEZONE_REQUIRED",
            f"there is no site {name!r}: a new site needs parameters.timezone "
            "('Add a timezone parameter for the new site')",
            pointer="/parameters/timezone",
        )
    pending = call.tx.pending_new_site(name)
    if pending is not None:
        raise error(
            422,
            "SITE_NAME_PENDING",
            f"provisioning request {pending.id} is already creating site {name!r}",
            pointer="/parameters/name",
        )


def apps_provision(call: Call) -> Reply:
    """Start provisioning an app on a product instance, found by its product ARI.
    Refusals beyond the schema are ASSUMED (ASM-024)."""
    _require_org(call)
    ari = call.params["productAri"]
    site, _ = _product_on_site(call, ari, "productAri")
    call.principal.require_site(site.name, f"product {ari}")
    app_key = call.body["parameters"]["appKey"]
    for _, _, offering in _requested_offerings(call, apps=True):
        if offering.app_key and offering.app_key != app_key:
            raise error(
                422,
                "APP_KEY_MISMATCH",
                f"{offering.name}'s appKey is {offering.app_key!r}, not {app_key!r}",
                pointer="/parameters/appKey",
            )
    return _start_provisioning(call, "apps", site.name, False, ari, call.body)


def _requested_offerings(call: Call, *, apps: bool) -> Iterator[tuple[int, str, Offering]]:
    """Each requested offering with its index and pointer; refuses one the catalogue does
    not know, and one of the wrong kind (apps through apps.provision, products not)."""
    for i, requested in enumerate(call.body["offerings"]):
        offering = call.profile.catalogue.offering(requested["id"])
        pointer = f"/offerings/{i}/id"
        if offering is None:
            raise error(
                422,
                "OFFERING_UNKNOWN",
                f"offering {requested['id']} is not in the catalogue",
                pointer=pointer,
            )
        if (offering.product == "app") != apps:
            hint = (
                "is not an app: provision products with products.provision"
                if apps
                else "is an app: provision it on a product with apps.provision"
            )
            # The cookbook's own app-provisioning sample sends Confluence (ERR-013).
            raise error(
                422,
                "OFFERING_NOT_PROVISIONABLE",
                f"{offering.name} {hint}",
                pointer=pointer,
                erratum="ERR-013" if apps else None,
            )
        yield i, pointer, offering


def provisioning_status(call: Call) -> Reply:
    """The provisioning request behind a statusUrl, as the clock has moved it."""
    _require_org(call)
    request_id = call.params["requestId"]
    p = call.tx.provisioning(request_id)
    if p is None:
        raise error(
            404,
            "PROVISIONING_REQUEST_NOT_FOUND",
            f"no provisioning request {request_id} in this org",
            parameter="requestId",
        )
    call.principal.require_site(_reachable_site(call, p), f"provisioning request {p.id}")
    return 200, views.provisioning_status(p)


def _start_provisioning(
    call: Call, kind: str, site_name: str, new_site: bool, ari: str | None, body: Any
) -> Reply:
    # A sequence, not uuid4: after a reset the same calls get the same ids, so a
    # re-recording reproduces its cassettes (the drift check).
    sequence = int(call.tx.control("provisioning_sequence", 0)) + 1
    call.tx.set_control("provisioning_sequence", sequence)
    request_id = sandbox_uuid("provisioning", call.profile.org_id, str(sequence))
    call.tx.insert_provisioning(
        ProvisioningRow(
            id=request_id,
            kind=kind,
            created_at=call.now,
            site_name=site_name,
            new_site=new_site,
            product_ari=ari,
            offerings=tuple(body["offerings"]),
            parameters=body["parameters"],
            status="IN_PROGRESS",
            reason=None,
            order_id=None,
            updated_at=call.now,
        )
    )
    lifecycle.provisioning_made(call.tx, call.now)
    return 200, views.status_url(call.base_url, call.profile.org_id, request_id)


# -- commerce -------------------------------------------------------------------------


def orders_place(call: Call) -> Reply:
    """Place an order (v1 and v2 paths). ``orderId`` is the idempotency key (REL-003):
    the same body again answers the same order and creates nothing; another body is 409.
    Otherwise every relationship rule is checked against the provisioning request the
    order names (``OrderContext``) and the org's entitlements as they are now."""
    body = call.body
    existing = call.tx.order(body["orderId"])
    if existing is not None:
        return _resent_order(call, existing)
    request_id = body["metadata"]["provisionRequestId"]
    p = call.tx.provisioning(request_id)
    if p is not None:
        call.principal.require_site(_reachable_site(call, p), f"provisioning request {p.id}")
    context = OrderContext(
        now=call.now,
        provisioning=lifecycle.facts(call.tx, request_id),
        transaction_account_header=call.headers.get("x-transaction-account"),
        readings=call.profile.readings,
    )
    violations = call.check_order(body, call.catalogue, context)
    if violations:
        raise ApiError.of(violations)
    if p is not None:
        _check_site_products(call, body, p.site_name)
    order, items = _order_rows(call, body)
    call.tx.insert_order(order, items)
    lifecycle.order_made(call.tx, items)
    call.tx.set_provisioning_order(request_id, order.order_id)
    return 200, views.order_placed(order, items)


def _check_site_products(call: Call, body: dict[str, Any], site_name: str) -> None:
    """422 for an item that would give the site a product it has, or one another order
    still processing is giving it (ASM-055): a site has one instance of each product (its
    product ARI), however many provisioning requests for it waited, one after the other
    or at the same moment. Apps are not counted."""
    catalogue = call.profile.catalogue
    has = {e.product for e in call.tx.site_entitlements(site_name) if e.kind != "app"}
    giving = {
        offering.product: order_id
        for offering_id, order_id in call.tx.offerings_being_ordered(site_name)
        if (offering := catalogue.offering(offering_id)) is not None
    }
    for i, item in enumerate(body["items"]):
        offering = catalogue.offering(item["offeringId"])
        if offering is None or offering.product == "app":
            continue
        if offering.product in has:
            raise error(
                422,
                "PRODUCT_ALREADY_ON_SITE",
                f"site {site_name!r} already has {offering.product}: this order would give "
                "it a second one",
                pointer=f"/items/{i}/offeringId",
            )
        if offering.product in giving:
            raise error(
                422,
                "PRODUCT_PENDING_ON_SITE",
                f"order {giving[offering.product]} is still giving site {site_name!r} its "
                f"{offering.product}: track that order rather than placing another",
                pointer=f"/items/{i}/offeringId",
            )


def _resent_order(call: Call, existing: OrderRow) -> Reply:
    """An orderId already used: the same order again (same body), else 409."""
    body = call.body
    _require_order_site(call, existing)
    if existing.canonical_body != canonical_json(body):
        raise error(
            409,
            "ORDER_CONFLICT",
            f"orderId {existing.order_id} was already used with a different body; an orderId "
            "is the idempotency key: send the same body again, or a new orderId",
            pointer="/orderId",
            rule="REL-003",
            erratum=cookbook.erratum_of("orderId", existing.order_id),  # ERR-014: the samples'
        )
    # The key covers the body, not the headers: a resend is judged by its own
    # X-transaction-account (REL-018) as the first send was (ASM-038).
    header = OrderContext(call.now, None, call.headers.get("x-transaction-account"))
    refused = check_order(body, call.catalogue, header, only=_RESEND_RULES)
    if refused:
        raise ApiError.of(refused)
    return 200, views.order_placed(existing, call.tx.items(existing.order_id))


def _order_rows(call: Call, body: dict[str, Any]) -> tuple[OrderRow, list[ItemRow]]:
    """A new order and its items, PROCESSING until ``processing_delay`` has passed."""
    order_id = body["orderId"]
    order = OrderRow(
        order_id=order_id,
        canonical_body=canonical_json(body),
        transaction_account_id=body["transactionAccountId"],
        invoice_group_id=body["invoiceGroupId"],
        provision_request_id=body["metadata"]["provisionRequestId"],
        slug=views.slug(order_id),
        created_at=call.now,
    )
    ready_at = call.now + call.processing_delay
    items = [
        ItemRow(
            order_id=order_id,
            n=n,
            item_id=item["itemId"],
            offering_id=item["offeringId"],
            body=item,
            ready_at=ready_at,
            status="PROCESSING",
            entitlement_id=None,
            reason_code=None,
            updated_at=call.now,
        )
        for n, item in enumerate(body["items"], start=1)
    ]
    return order, items


def orders_get(call: Call) -> Reply:
    """An order with each item's processing status, for its transaction account: another
    account in X-transaction-account finds no such order, with the very answer an order
    that does not exist gets, so it tells nothing of other accounts' orders (ASM-026)."""
    order_id = call.params["orderId"]
    account = call.headers["x-transaction-account"]
    order = call.tx.order(order_id)
    if order is None or order.transaction_account_id != account:
        raise error(
            404,
            "ORDER_NOT_FOUND",
            f"no order {order_id} in transaction account {account} (the "
            "X-transaction-account header names the order's account)",
            parameter="orderId",
        )
    _require_order_site(call, order)
    # The same answer for everyone who may read it, until the order's rows change: a
    # client tracking an order asks again and again.
    catalogue = call.profile.catalogue
    return 200, call.tx.remembered(
        ("orders.get", order_id),
        lambda: Encoded(encode(views.order(order, call.tx.items(order_id), catalogue))),
    )


# -- workspaces -----------------------------------------------------------------------


def workspaces_query(call: Call) -> Reply:
    """The org's workspaces (product instances) the caller may see, filtered by site name
    (ASM-009) and paged with an opaque cursor (ASM-010) that carries its query (ASM-028)."""
    _require_org(call)
    names = _name_filter(call.body)
    offset, limit = 0, 20
    given_cursor = _paging_value(call, "cursor")
    if given_cursor is not None:
        text, where = given_cursor
        cursor = _read_cursor(text, where)
        if "query" in (call.body or {}) and names != cursor["names"]:
            raise error(
                400,
                "SCHEMA_VIOLATION",
                "this cursor belongs to another query: send the same query with it, or none",
                **where,
            )
        names, offset, limit = cursor["names"], cursor["offset"], cursor["limit"]
    given_limit = _paging_value(call, "limit")
    if given_limit is not None:
        limit = int(given_limit[0])
    reach = None if call.principal.is_org else call.principal.sites
    names_key = None if names is None else tuple(names)
    # Made of the sites' rows and the key alone: kept until a write changes any row.
    return 200, call.tx.remembered(
        ("workspaces.query", call.base_url, reach, names_key, offset, limit),
        lambda: Encoded(encode(_workspaces_page(call, names, offset, limit))),
    )


def _workspaces_page(
    call: Call, names: list[str] | None, offset: int, limit: int
) -> dict[str, Any]:
    """One page of the workspaces the caller may see, on the sites named (all: None)."""
    catalogue = call.profile.catalogue
    found = [
        views.workspace(call.base_url, call.profile.org_id, site, ent, catalogue)
        for site in call.tx.sites()
        if call.principal.may_reach(site.name) and (names is None or site.name in names)
        for ent in sorted(
            (e for e in call.tx.site_entitlements(site.name) if e.kind == "product"),
            key=lambda e: (_PRODUCT_ORDER.get(e.product, 9), e.created_at, e.id),
        )
    ]
    page = found[offset : offset + limit]
    query = json.dumps(names, separators=(",", ":"))  # once for the page's three links
    return {
        "data": page,
        "links": {
            "self": _cursor(query, offset, limit),
            "prev": _cursor(query, max(0, offset - limit), limit) if offset > 0 else None,
            "next": _cursor(query, offset + limit, limit) if offset + limit < len(found) else None,
        },
        "meta": {
            "attributes": None,
            "pageSize": limit,
            "startIndex": offset + 1 if page else 0,
            "endIndex": offset + len(page),
            "total": len(found),
        },
    }


def _name_filter(body: Any) -> list[str] | None:
    field = ((body or {}).get("query") or {}).get("field")
    if field is None:
        return None
    if field["name"] != "attributes.name":
        raise error(
            400,
            "FILTER_UNSUPPORTED",
            f"the workspaces query filters on 'attributes.name' only, not {field['name']!r}",
            pointer="/query/field/name",
        )
    return sorted(set(field["values"]))


def _cursor(query: str, offset: int, limit: int) -> str:
    """The cursor of a page: ``{"query": names, "offset": N, "limit": M}`` as compact JSON
    (``query``: the names' JSON, ``json.dumps`` with the same separators), base64url."""
    raw = f'{{"query":{query},"offset":{offset},"limit":{limit}}}'
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _paging_value(call: Call, name: str) -> tuple[Any, dict[str, str]] | None:
    """``cursor`` or ``limit`` (ASM-010): from the body, as the Org Workspaces API reference
    has it, or the query string, with where it came from (``error``'s keyword). Both
    naming different values is 400: neither silently wins (ASM-036)."""
    body = call.body if isinstance(call.body, dict) else {}
    in_body, in_query = body.get(name), call.query.get(name)
    if in_body is not None and in_query is not None and str(in_body) != in_query:
        raise error(
            400,
            "SCHEMA_VIOLATION",
            f"{name} is given twice, {in_body!r} in the body and {in_query!r} as a query "
            "parameter: send it once",
            pointer=f"/{name}",
        )
    if in_body is not None:
        return in_body, {"pointer": f"/{name}"}
    if in_query is not None:
        return in_query, {"parameter": name}
    return None


def _read_cursor(text: str, where: dict[str, str]) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        names, offset, limit = data["query"], data["offset"], data["limit"]
        valid = (
            (names is None or (isinstance(names, list) and all(isinstance(n, str) for n in names)))
            and isinstance(offset, int)
            and isinstance(limit, int)
            and offset >= 0
            and 1 <= limit <= 100
        )
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError):
        valid = False
    if not valid:
        raise error(
            400,
            "SCHEMA_VIOLATION",
            "not a cursor of this API: pass links.next of the previous page unchanged",
            **where,
        )
    return {"names": names, "offset": offset, "limit": limit}


# -- shared checks --------------------------------------------------------------------


def _require_org(call: Call) -> None:
    """404 for any org but the profile's (ASM-026)."""
    org_id = call.params.get("orgId")
    if org_id is not None and org_id != call.profile.org_id:
        raise error(404, "ORG_NOT_FOUND", f"no organization {org_id}", parameter="orgId")


def _product_on_site(call: Call, ari: str, parameter: str) -> tuple[SiteRow, str]:
    """The site and product a product ARI names, or 404."""
    found = SITE_ARI.fullmatch(ari)
    product = PRODUCT_OF_ARI.get(found["part"]) if found else None
    site = call.tx.site_by_cloud_id(found["cloud_id"]) if found else None
    if site is None:
        raise error(404, "SITE_NOT_FOUND", f"no site of this org for {ari}", parameter=parameter)
    if product is None or not any(
        e.kind == "product" and e.product == product for e in call.tx.site_entitlements(site.name)
    ):
        raise error(
            404,
            "PRODUCT_NOT_FOUND",
            f"site {site.name!r} has no product {ari}",
            parameter=parameter,
        )
    return site, product


def _reachable_site(call: Call, p: ProvisioningRow) -> str | None:
    """The site a provisioning request concerns, for access checks (None: not made yet)."""
    return None if p.new_site and call.tx.site(p.site_name) is None else p.site_name


def _require_order_site(call: Call, order: OrderRow) -> None:
    """403 unless the caller may reach the order's site. The org reaches every site: its
    reads skip looking the site up (a provisioning row read and decoded per request)."""
    if not call.principal.is_org:
        call.principal.require_site(_order_site(call, order), f"order {order.order_id}")


def _order_site(call: Call, order: OrderRow) -> str | None:
    p = call.tx.provisioning(order.provision_request_id)
    return _reachable_site(call, p) if p else None


#: operationId name (``orders.place`` for both order paths) -> what it does.
HANDLERS: dict[str, Handler] = {
    "entitlements.list": entitlements_list,
    "entitlements.details": entitlements_details,
    "products.provision": products_provision,
    "workspaces.query": workspaces_query,
    "apps.provision": apps_provision,
    "provisioning.status": provisioning_status,
    "orders.place": orders_place,
    "orders.get": orders_get,
}
