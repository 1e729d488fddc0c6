"""A Python client for the provisioning and commerce APIs of Atlassian's cookbook
"add a new Enterprise product".

A whole purchase on a new site (each step is one call; see ``journeys.new_site``)::

    from harness.client import Client, OrgApiKey, OrderBuilder, wait_for_order
    from harness.client import wait_for_provisioning
    from harness.client.journeys import place_order_in_window
    from harness.contracts import load_profile

    profile = load_profile("my-org.json")             # offerings, parents, accounts
    with Client(org_id=profile.org_id, auth=OrgApiKey(key)) as client:
        order = OrderBuilder.for_profile(profile).confluence().jira().jsm()
        request = client.provision_products(order.offerings_to_provision(),
                                            "admin@example.com", "acme-2",
                                            timezone="Australia/Sydney", location="us")
        placed = place_order_in_window(client, request, order.for_request(request).build())
        done = wait_for_order(client, placed)            # every item SUCCESS
        wait_for_provisioning(client, request)           # COMPLETED
        print(done.entitlement_ids)                      # {"O1": "<entitlement id>", ...}

Modules: ``Client`` (one method per endpoint), auth (``OrgApiKey``, ``SiteAdmin``),
typed responses, one exception hierarchy rooted at ``HarnessClientError``,
``RetryPolicy``, the waiters, ``OrderBuilder`` (``harness.client.orders``),
``Exchange`` records, and ``harness.client.journeys``.
"""

from __future__ import annotations

from . import journeys, orders
from ._auth import MASK, OrgApiKey, SiteAdmin
from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    Client,
    ConfigurationError,
    parse_retry_after,
)
from ._errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    ContractViolationError,
    ErrorEntry,
    ForbiddenError,
    HarnessClientError,
    NotFoundError,
    OrderFailed,
    ProvisioningFailed,
    ProvisioningWindowClosed,
    RateLimitedError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnprocessableEntityError,
    WaitTimeout,
)
from ._exchange import Exchange
from ._models import (
    EntitlementDetails,
    Entitlements,
    Order,
    OrderItem,
    ProductEntitlement,
    ProvisioningRequest,
    ProvisioningStatus,
    Relationship,
    Workspace,
    WorkspacePage,
)
from ._retry import UNSAFE_OPERATIONS, RetryPolicy
from ._wait import wait_for_order, wait_for_provisioning
from .journeys import JourneyError, JourneyResult, place_order_in_window
from .orders import OrderBuilder, OrderBuildError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MASK",
    "UNSAFE_OPERATIONS",
    "ApiError",
    "BadRequestError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ContractViolationError",
    "EntitlementDetails",
    "Entitlements",
    "ErrorEntry",
    "Exchange",
    "ForbiddenError",
    "HarnessClientError",
    "JourneyError",
    "JourneyResult",
    "NotFoundError",
    "Order",
    "OrderBuildError",
    "OrderBuilder",
    "OrderFailed",
    "OrderItem",
    "OrgApiKey",
    "ProductEntitlement",
    "ProvisioningFailed",
    "ProvisioningRequest",
    "ProvisioningStatus",
    "ProvisioningWindowClosed",
    "RateLimitedError",
    "Relationship",
    "ResponseFormatError",
    "RetryPolicy",
    "ServerError",
    "SiteAdmin",
    "TransportError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "WaitTimeout",
    "Workspace",
    "WorkspacePage",
    "journeys",
    "orders",
    "parse_retry_after",
    "place_order_in_window",
    "wait_for_order",
    "wait_for_provisioning",
]
