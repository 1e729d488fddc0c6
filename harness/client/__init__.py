"""A Python client for the provisioning and commerce APIs of Atlassian's cookbook
"add a new Enterprise product".

Before a real purchase
----------------------
1. An org API key (Atlassian Administration, Settings > API keys): provisioning product
   instances takes only the org key (Bearer). A site admin's email and API token
   (``SiteAdmin``, Basic) serve every other step, for that admin's own sites.
2. A profile file for your org, in the shape of ``harness/data/profile.json`` (schema
   ``schemas/profile.json``): the org id, and the catalogue the order needs: the
   offering ids of the products (family container, Confluence, Jira, JSM, apps), the
   parent Enterprise entitlement of each product, your transaction account and invoice
   group (from Atlassian Support). Load it with ``harness.contracts.load_profile(path)``.
3. For a first run, ``Client(validate_contracts=True)`` checks every request against
   the contracts before sending it.

A whole purchase on a new site (each step is one call; ``journeys.new_site`` does the
same in one)::

    from harness.client import Client, OrgApiKey, OrderBuilder, wait_for_order
    from harness.client import wait_for_provisioning
    from harness.client.journeys import place_order_in_window
    from harness.contracts import load_profile

    profile = load_profile("my-org.json")             # offerings, parents, accounts
    with Client(org_id=profile.org_id, auth=OrgApiKey(key)) as client:
        order = OrderBuilder.for_profile(profile).confluence().jira().jsm()
        request = client.provision_products(order.offerings_to_provision(),
                                            "admin@example.com", "my-new-site",
                                            timezone="Australia/Sydney", location="us")
        placed = place_order_in_window(client, request, order.for_request(request).build())
        done = wait_for_order(client, placed)            # every item SUCCESS
        wait_for_provisioning(client, request)           # COMPLETED
        print(done.entitlement_ids)                      # {"O1": "<entitlement id>", ...}

``Client.from_env(profile=profile)`` reads ``ATLASSIAN_BASE_URL``, ``ATLASSIAN_ORG_ID``
and ``ATLASSIAN_API_KEY`` (or ``ATLASSIAN_SITE_ADMIN_EMAIL`` and
``ATLASSIAN_SITE_ADMIN_TOKEN``) instead; ``poll_seconds_from_env()`` reads a script's
``ATLASSIAN_POLL_SECONDS`` (the ``poll_interval`` of its waits).

When something fails
--------------------
- The order must follow the provisioning within 10 minutes; ``place_order_in_window``
  refuses a late one (``ProvisioningWindowClosed``): provision again.
- ``place_order`` failing with ``TransportError`` or ``ServerError`` after the client's
  retries: send the *same* body again (same ``orderId``) later; it is idempotent.
  Never build a new order for the same provisioning request.
- ``provision_products`` failing with ``TransportError`` or a 5xx is not retried (a retry
  could provision twice): see ``RetryPolicy`` for what to do.
- ``ApiError`` carries the error envelope: ``status``, ``code``, ``rule_id`` (REL-nnn),
  ``pointer`` into your body, ``detail``; ``OrderFailed`` names the failed items.

Modules: ``Client`` (one method per endpoint), auth (``OrgApiKey``, ``SiteAdmin``),
typed responses, one exception hierarchy rooted at ``HarnessClientError``,
``RetryPolicy``, the waiters, ``OrderBuilder`` (``harness.client.orders``),
``Exchange`` records, and ``harness.client.journeys``.
"""

from __future__ import annotations

from . import journeys, orders
from ._auth import MASK, OrgApiKey, SiteAdmin, credential_problem, mask_text
from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    Client,
    ConfigurationError,
    parse_retry_after,
    poll_seconds_from_env,
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
from ._next import next_step
from ._retry import UNSAFE_OPERATIONS, RetryPolicy
from ._wait import Poll, wait_for_order, wait_for_provisioning
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
    "Poll",
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
    "credential_problem",
    "journeys",
    "mask_text",
    "next_step",
    "orders",
    "parse_retry_after",
    "place_order_in_window",
    "poll_seconds_from_env",
    "wait_for_order",
    "wait_for_provisioning",
]
