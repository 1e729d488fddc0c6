"""Typed responses. Each is a frozen dataclass holding the fields the cookbook's journeys
read, and the whole JSON body in ``.raw`` for everything else.

``from_json`` raises ``ShapeError`` (a pointer and what is wrong) when a field the
cookbook promises is missing; the client turns it into a ``ResponseFormatError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from harness.contracts import resolve_pointer
from harness.contracts.rules import PROVISIONING_WINDOW_SECONDS

#: Item and order states (cookbook, 'Track the order'; ASM-005).
SUCCESS, FAILED, PROCESSING = "SUCCESS", "FAILED", "PROCESSING"
#: Provisioning states (cookbook, 'Check provisioning status'; ASM-004).
COMPLETED = "COMPLETED"


class ShapeError(ValueError):
    """A response lacks a field the client reads; ``pointer`` says which."""

    def __init__(self, pointer: str, problem: str) -> None:
        self.pointer = pointer
        self.problem = problem
        super().__init__(f"{problem} at {pointer}")


def _get(raw: Any, pointer: str, kind: type | tuple[type, ...] = str, required: bool = True) -> Any:
    """The value at ``pointer`` (a JSON null counts as missing), of type ``kind``."""
    found, node = resolve_pointer(raw, pointer)
    if not found or node is None:
        if required:
            raise ShapeError(pointer, "missing field")
        return None
    if not isinstance(node, kind):
        raise ShapeError(pointer, f"unexpected {type(node).__name__}")
    return node


def _each(raw: Any, pointer: str, read: Any) -> tuple[Any, ...]:
    """``read`` applied to each object of the list at ``pointer``; errors say which one."""
    out = []
    for i, entry in enumerate(_get(raw, pointer, list, required=False) or []):
        if not isinstance(entry, dict):
            raise ShapeError(f"{pointer}/{i}", f"unexpected {type(entry).__name__}")
        try:
            out.append(read(entry))
        except ShapeError as exc:
            raise ShapeError(f"{pointer}/{i}/{exc.pointer.lstrip('/')}", exc.problem) from None
    return tuple(out)


# -- prerequisites --------------------------------------------------------------------


@dataclass(frozen=True)
class ProductEntitlement:
    """One entry of ``entitlements[]``: an entitlement of the product."""

    entitlement_id: str
    provisioning_status: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Entitlements:
    """``entitlements.list``: the entitlements of a product instance (cookbook,
    'Prerequisites'). ``family_container_id`` is ``metadata.jira_family_container``."""

    resource_ari: str
    entitlements: tuple[ProductEntitlement, ...]
    family_container_id: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def entitlement_ids(self) -> tuple[str, ...]:
        return tuple(e.entitlement_id for e in self.entitlements)

    @classmethod
    def from_json(cls, raw: Any) -> Entitlements:
        items = _each(
            raw,
            "/entitlements",
            lambda e: ProductEntitlement(
                _get(e, "entitlement_id"), _get(e, "provisioning_status", required=False) or "", e
            ),
        )
        return cls(
            resource_ari=_get(raw, "/resource_ari"),
            entitlements=items,
            family_container_id=_get(raw, "/metadata/jira_family_container", required=False),
            raw=raw,
        )


@dataclass(frozen=True)
class Relationship:
    """One of an entitlement's ``relatesFromEntitlements``."""

    relationship_type: str
    entitlement_id: str
    relationship_id: str | None = None


@dataclass(frozen=True)
class EntitlementDetails:
    """``entitlements.details`` (cookbook, 'Prerequisites' and 'Existing sites').

    - ``family_container_id``: ``relatesFromEntitlements[]`` of type FAMILY_CONTAINER,
      what a Jira or JSM order onto this entitlement's site relates to;
    - ``enterprise_parent_id``: the one of type ENTERPRISE;
    - ``billing_anchor``: ``subscriptionv2.billingPeriodDetails.billingAnchorTimestamp``
      (ms), an app order's ``nextBillingAnchorTimestamp``.
    """

    entitlement_id: str
    offering_id: str | None
    relationships: tuple[Relationship, ...]
    billing_anchor: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    def related(self, relationship_type: str) -> str | None:
        return next(
            (
                r.entitlement_id
                for r in self.relationships
                if r.relationship_type == relationship_type
            ),
            None,
        )

    @property
    def family_container_id(self) -> str | None:
        return self.related("FAMILY_CONTAINER")

    @property
    def enterprise_parent_id(self) -> str | None:
        return self.related("ENTERPRISE")

    @classmethod
    def from_json(cls, raw: Any) -> EntitlementDetails:
        rels = _each(
            raw,
            "/relatesFromEntitlements",
            lambda r: Relationship(
                _get(r, "relationshipType"),
                _get(r, "entitlementId"),
                _get(r, "relationshipId", required=False),
            ),
        )
        return cls(
            entitlement_id=_get(raw, "/entitlementId"),
            offering_id=_get(raw, "/offeringId", required=False),
            relationships=rels,
            billing_anchor=_get(
                raw, "/subscriptionv2/billingPeriodDetails/billingAnchorTimestamp", int, False
            ),
            raw=raw,
        )


# -- provisioning ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProvisioningRequest:
    """``products.provision`` / ``apps.provision`` accepted a request.

    ``request_id`` is the last segment of ``status_url``: the order's
    ``metadata.provisionRequestId``. ``created_at`` is the client clock
    (``Client(clock=...)``, monotonic by default) just before the request was sent: the
    cookbook's 10-minute window for placing the order is measured from it, on the safe
    side of when the server created the request.
    """

    request_id: str
    status_url: str
    created_at: float
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def order_deadline(self) -> float:
        """The client-clock time after which an order for this request is too late."""
        return self.created_at + PROVISIONING_WINDOW_SECONDS

    @classmethod
    def from_json(cls, raw: Any, created_at: float) -> ProvisioningRequest:
        url = _get(raw, "/data/statusUrl")
        request_id = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        if not request_id:
            raise ShapeError("/data/statusUrl", "no request id at the end of the statusUrl")
        return cls(request_id=request_id, status_url=url, created_at=created_at, raw=raw)


@dataclass(frozen=True)
class ProvisioningStatus:
    """``provisioning.status``: ``IN_PROGRESS`` while it waits for its order,
    ``COMPLETED`` once the order's items succeed, ``FAILED`` with a ``reason`` (ASM-004).
    ``retry_after`` is a ``Retry-After`` the server sent with it (seconds), if any."""

    request_id: str
    status: str
    reason: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    retry_after: float | None = field(default=None, compare=False)

    @property
    def is_final(self) -> bool:
        return self.status in (COMPLETED, FAILED)

    @classmethod
    def from_json(cls, raw: Any, retry_after: float | None = None) -> ProvisioningStatus:
        return cls(
            request_id=_get(raw, "/data/requestId"),
            status=_get(raw, "/data/status"),
            reason=_get(raw, "/data/reason", required=False),
            raw=raw,
            retry_after=retry_after,
        )


# -- workspaces -----------------------------------------------------------------------


@dataclass(frozen=True)
class Workspace:
    """A workspace of the org. Its ``id`` is the product ARI (cookbook, 'Provision apps');
    ``entitlement_ids`` are ``relationships.entitlement[].id`` ('Existing sites')."""

    id: str
    type: str
    name: str
    type_key: str | None
    host_url: str | None
    entitlement_ids: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def product_ari(self) -> str:
        return self.id

    @property
    def entitlement_id(self) -> str | None:
        """``data[].relationships.entitlement[0].id`` of this workspace: what the cookbook
        means by ``$.relationships.entitlement[0].id`` (ERR-017: it misses ``$.data[]``)."""
        return self.entitlement_ids[0] if self.entitlement_ids else None

    @classmethod
    def from_json(cls, raw: Any) -> Workspace:
        return cls(
            id=_get(raw, "/id"),
            type=_get(raw, "/type", required=False) or "",
            name=_get(raw, "/attributes/name"),
            type_key=_get(raw, "/attributes/typeKey", required=False),
            host_url=_get(raw, "/attributes/hostUrl", required=False),
            entitlement_ids=_each(raw, "/relationships/entitlement", lambda e: _get(e, "id")),
            raw=raw,
        )


@dataclass(frozen=True)
class WorkspacePage:
    """One page of ``workspaces.query``. ``next_cursor`` is ``links.next`` (None on the
    last page), passed back as ``cursor`` for the next page (ASM-010)."""

    workspaces: tuple[Workspace, ...]
    next_cursor: str | None
    total: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, raw: Any) -> WorkspacePage:
        _get(raw, "/data", list)
        return cls(
            workspaces=_each(raw, "/data", Workspace.from_json),
            next_cursor=_get(raw, "/links/next", required=False) or None,
            total=_get(raw, "/meta/total", int, required=False),
            raw=raw,
        )


# -- orders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    """An item of an order. ``status`` is ``processingInfo.status`` (None before processing
    starts, as in the place-order response); ``entitlement_id`` appears only after SUCCESS;
    ``reason`` is ``reasonCode`` of a FAILED item (ASM-005)."""

    item_id: str | None
    order_item_id: str | None
    offering_id: str | None
    status: str | None
    entitlement_id: str | None
    entitlement_version: str | None
    reason: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """How the item is named in messages: its itemId, else its orderItemId."""
        return self.item_id or self.order_item_id or "?"

    @classmethod
    def from_json(cls, raw: Any) -> OrderItem:
        info = raw.get("processingInfo") if isinstance(raw.get("processingInfo"), dict) else {}
        ent = info.get("entitlement") if isinstance(info.get("entitlement"), dict) else {}
        return cls(
            item_id=_get(raw, "/itemId", required=False),
            order_item_id=_get(raw, "/orderItemId", required=False),
            offering_id=_get(raw, "/offeringId", required=False),
            status=_get(info, "/status", required=False),
            entitlement_id=_get(ent, "/id", required=False),
            entitlement_version=_get(ent, "/version", required=False),
            reason=_get(raw, "/reasonCode", required=False),
            raw=raw,
        )


@dataclass(frozen=True)
class Order:
    """``orders.place`` and ``orders.get``. ``status`` sums the items up: FAILED when one
    failed, SUCCESS when all succeeded, else PROCESSING. ``retry_after`` as on
    ``ProvisioningStatus``."""

    order_id: str
    slug: str | None
    items: tuple[OrderItem, ...]
    transaction_account_id: str | None
    invoice_group_id: str | None
    provision_request_id: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    retry_after: float | None = field(default=None, compare=False)

    @property
    def status(self) -> str:
        states = [item.status for item in self.items]
        if FAILED in states:
            return FAILED
        if states and all(s == SUCCESS for s in states):
            return SUCCESS
        return PROCESSING

    @property
    def is_final(self) -> bool:
        return self.status in (SUCCESS, FAILED)

    @property
    def failed_items(self) -> tuple[OrderItem, ...]:
        return tuple(item for item in self.items if item.status == FAILED)

    @property
    def entitlement_ids(self) -> dict[str, str]:
        """Each succeeded item's new entitlement id, by itemId (orderItemId when absent)."""
        return {item.label: item.entitlement_id for item in self.items if item.entitlement_id}

    def item(self, item_id: str) -> OrderItem:
        """The item with this itemId (or orderItemId); KeyError when there is none."""
        for candidate in self.items:
            if item_id in (candidate.item_id, candidate.order_item_id):
                return candidate
        raise KeyError(f"order {self.order_id} has no item {item_id!r}")

    @classmethod
    def from_json(cls, raw: Any, retry_after: float | None = None) -> Order:
        _get(raw, "/items", list)
        return cls(
            order_id=_get(raw, "/orderId"),
            slug=_get(raw, "/slug", required=False),
            items=_each(raw, "/items", OrderItem.from_json),
            transaction_account_id=_get(raw, "/transactionAccountId", required=False),
            invoice_group_id=_get(raw, "/invoiceGroupId", required=False),
            provision_request_id=_get(raw, "/metadata/provisionRequestId", required=False),
            raw=raw,
            retry_after=retry_after,
        )
