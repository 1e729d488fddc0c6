"""The cookbook's journeys as functions, each step a client call.

The one rule they add to the client: **an order is never sent for a provisioning request
past its 10-minute window** (cookbook, 'Place order': "within 10 minutes ... or the
provisioning process will time out"). The age is measured on the client clock from
``ProvisioningRequest.created_at`` (when the provisioning POST was sent), and
``place_order_in_window`` raises ``ProvisioningWindowClosed`` without sending anything.

- ``new_site``: provision products on a new site, check the status, order them all
  (one family container shared by Jira and JSM), wait for every item's SUCCESS and for
  the provisioning request to be COMPLETED;
- ``add_to_existing_site``: find the site's Jira-family workspace, its entitlement's
  family container, provision the product onto the site and order it onto that
  container;
- ``add_app``: find the product's workspace (its ARI) and entitlement details (billing
  anchor), provision the app and order it with APP_DEPENDENCE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.contracts import Profile, roles
from harness.contracts.profile import ARI_PRODUCT
from harness.contracts.rules import PROVISIONING_WINDOW_SECONDS

from ._client import Client
from ._errors import HarnessClientError, ProvisioningFailed, ProvisioningWindowClosed
from ._models import (
    FAILED,
    EntitlementDetails,
    Order,
    ProvisioningRequest,
    ProvisioningStatus,
    Workspace,
)
from ._wait import Poll, wait_for_order, wait_for_provisioning
from .orders import OrderBuilder, Timestamp


def needs(products: Sequence[str]) -> list[str]:
    """The roles of an org's profile (``harness.contracts.roles``) a journey ordering the
    Enterprise editions of ``products`` ("jira", "jsm", "confluence") needs: each offering
    and parent Enterprise entitlement, the family container's offering for Jira and JSM,
    a transaction account and the products' admin e-mail."""
    wanted = [roles.offering_role(roles.ENTERPRISE_WORDS[p]) for p in products]
    if {"jira", "jsm"} & set(products):
        wanted.append(roles.offering_role("Jira family container"))
    wanted += [roles.parent_role_of(p) for p in products]
    return [*wanted, "a transaction account with an invoice group", _ADMIN_EMAIL]


def cannot_run(profile: Profile, products: Sequence[str]) -> str | None:
    """Why the org's profile cannot run a journey ordering ``products`` (``needs``), in one
    line: what it lacks and where that goes (an offering: catalogue.offerings, which
    ``harness profile discover`` writes); None when it can. A notebook or a script says
    this line and skips the journey, where the journey would stop at its order."""
    lacking = roles.missing(profile, needs(products))
    if not lacking:
        return None
    return f"the profile ({profile.source}) lacks " + "; ".join(
        f"{gap.role.name!r}: {gap.role.how_to_add}" for gap in lacking
    )


#: The role of the e-mail a provisioning request names as the products' admin.
_ADMIN_EMAIL = "the admin e-mail of new products"


def window_age(client: Client, request: ProvisioningRequest) -> float:
    """Seconds since the provisioning request was sent, on the client clock."""
    return client.clock() - request.created_at


def place_order_in_window(
    client: Client,
    request: ProvisioningRequest,
    order: Mapping[str, Any],
    *,
    margin: float = 0.0,
    **place_kw: Any,
) -> Order:
    """``client.place_order(order)``, unless the provisioning request is older than the
    10-minute window (less ``margin`` seconds): then ``ProvisioningWindowClosed`` and
    nothing is sent. The order must name ``request`` (ValueError otherwise)."""
    metadata = order.get("metadata")
    named = metadata.get("provisionRequestId") if isinstance(metadata, Mapping) else None
    if named != request.request_id:
        raise ValueError(f"the order names provisioning request {named}, not {request.request_id}")
    age = window_age(client, request)
    if age > PROVISIONING_WINDOW_SECONDS - margin:
        raise ProvisioningWindowClosed(request.request_id, age, PROVISIONING_WINDOW_SECONDS)
    return client.place_order(order, **place_kw)


@dataclass(frozen=True)
class JourneyResult:
    """What a journey did: the provisioning request, the order body sent, the order at
    SUCCESS and the provisioning status at COMPLETED."""

    provisioning: ProvisioningRequest
    order_body: Mapping[str, Any]
    order: Order
    status: ProvisioningStatus

    @property
    def order_id(self) -> str:
        return self.order.order_id

    @property
    def entitlement_ids(self) -> dict[str, str]:
        """The new entitlement of each item, by itemId."""
        return self.order.entitlement_ids


class JourneyError(HarnessClientError):
    """A journey cannot go on: what it looked for is not there (the message says what)."""


def _finish(
    client: Client,
    request: ProvisioningRequest,
    builder: OrderBuilder,
    timeout: float,
    poll_interval: float,
    on_poll: Callable[[Poll], Any] | None,
) -> JourneyResult:
    status = client.provisioning_status(request)
    if status.status == FAILED:
        raise ProvisioningFailed(status)
    body = builder.for_request(request).build()
    placed = place_order_in_window(client, request, body)
    waits: dict[str, Any] = {"timeout": timeout, "poll_interval": poll_interval, "on_poll": on_poll}
    done = wait_for_order(client, placed, **waits)
    completed = wait_for_provisioning(client, request, **waits)
    return JourneyResult(request, body, done, completed)


def new_site(
    client: Client,
    profile: Profile,
    site_name: str | None = None,
    *,
    products: Sequence[str] = ("confluence", "jira", "jsm"),
    admin_email: str | None = None,
    timezone: str | None = None,
    location: str | None = None,
    quantity: int | None = None,
    timeout: float = 600.0,
    poll_interval: float = 3.0,
    on_poll: Callable[[Poll], Any] | None = None,
    order_options: Mapping[str, Any] | None = None,
) -> JourneyResult:
    """Provision Enterprise ``products`` on a new site and order them in one order.
    Defaults (site name, admin email, timezone, location, quantity) come from
    ``profile.defaults``, as its roles resolve them (a fresh site name after the profile's
    site prefix; its direct site admin's e-mail; UTC); ``order_options`` go to the
    ``OrderBuilder`` (``order_id``, ``item_id_format``); ``on_poll`` sees every poll of
    the waits."""
    defaults = profile.defaults
    builder = OrderBuilder.for_profile(profile, quantity=quantity, **(order_options or {}))
    for product in products:
        builder.product(product)
    # As the suite takes them from a profile: one that discovery wrote names none of them.
    request = client.provision_products(
        builder.offerings_to_provision(),
        admin_email or roles.resolve(profile, _ADMIN_EMAIL),
        site_name
        or defaults.get("newSiteName")
        # A site's name is taken once: fresh, so the journey runs again against the org.
        or roles.fresh_site_name(profile),
        timezone=timezone or roles.timezone(profile),
        location=location or defaults.get("location"),
    )
    return _finish(client, request, builder, timeout, poll_interval, on_poll)


def jira_family_workspace(client: Client, site_name: str) -> Workspace | None:
    """The site's Jira or JSM workspace that has an entitlement, if any."""
    prefixes = tuple(f"ari:cloud:{ARI_PRODUCT[p]}::" for p in ("jira", "jsm"))
    for workspace in client.iter_workspaces(site_name):
        if (
            workspace.name == site_name
            and workspace.id.startswith(prefixes)
            and workspace.entitlement_id
        ):
            return workspace
    return None


def add_to_existing_site(
    client: Client,
    profile: Profile,
    site_name: str,
    product: str = "jsm",
    *,
    admin_email: str | None = None,
    location: str | None = None,
    quantity: int | None = None,
    timeout: float = 600.0,
    poll_interval: float = 3.0,
    on_poll: Callable[[Poll], Any] | None = None,
) -> JourneyResult:
    """Add an Enterprise product to an existing site (cookbook, 'Existing sites'): when the
    site has a Jira-family product, the order relates to its family container
    (workspace -> ``relationships.entitlement[0].id`` -> entitlement details ->
    FAMILY_CONTAINER); otherwise it orders a new container."""
    builder = OrderBuilder.for_profile(profile, quantity=quantity)
    workspace = jira_family_workspace(client, site_name)
    if workspace is not None and product in ("jira", "jsm"):
        details = client.entitlement_details(workspace.entitlement_id or "")
        builder.on_site(details)
    builder.product(product)
    request = client.provision_products(
        builder.offerings_to_provision(),
        admin_email or roles.resolve(profile, _ADMIN_EMAIL),
        site_name,
        location=location or profile.defaults.get("location"),
    )
    return _finish(client, request, builder, timeout, poll_interval, on_poll)


def add_app(
    client: Client,
    profile: Profile,
    site_name: str,
    product: str = "jsm",
    *,
    app_key: str | None = None,
    offering_id: str | None = None,
    admin_email: str | None = None,
    promotion_code: str | None = None,
    skip_trial: bool | None = None,
    ends_at: Timestamp | None = None,
    quantity: int | None = None,
    timeout: float = 600.0,
    poll_interval: float = 3.0,
    on_poll: Callable[[Poll], Any] | None = None,
) -> JourneyResult:
    """Install an app on a site's product and order it (cookbook, 'Provision apps' and
    'Place order for apps'): the workspace id is the product ARI the app is provisioned
    on; the app item depends on the product's entitlement and bills from its anchor."""
    ari_prefix = f"ari:cloud:{ARI_PRODUCT[product]}::"
    workspace = next(
        (
            w
            for w in client.iter_workspaces(site_name)
            if w.name == site_name and w.id.startswith(ari_prefix) and w.entitlement_id
        ),
        None,
    )
    if workspace is None:
        raise JourneyError(f"site {site_name!r} has no {product} workspace with an entitlement")
    details: EntitlementDetails = client.entitlement_details(workspace.entitlement_id or "")
    app_key = app_key or profile.defaults.get("appKey")
    builder = OrderBuilder.for_profile(profile, quantity=quantity).app(
        details,
        offering_id=offering_id,
        app_key=None if offering_id else app_key,
        promotion_code=promotion_code,
        skip_trial=skip_trial,
        ends_at=ends_at,
    )
    offering = profile.catalogue.offering(builder.offerings_to_provision()[0])
    request = client.provision_app(
        workspace.product_ari,
        builder.offerings_to_provision(),
        admin_email or roles.resolve(profile, _ADMIN_EMAIL),
        app_key or (offering.app_key if offering else None) or "",
    )
    return _finish(client, request, builder, timeout, poll_interval, on_poll)
