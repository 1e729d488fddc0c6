"""What to do next after an error: one sentence a script can print after the error's own
message (the examples do, in their one failure line)."""

from __future__ import annotations

from harness._command import harness_command
from harness.contracts import ProfileError

from ._client import ConfigurationError
from ._errors import (
    ApiError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    OrderFailed,
    ProvisioningFailed,
    ProvisioningWindowClosed,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    WaitTimeout,
)

#: Error codes of the API whose next step is known.
_BY_CODE = {
    "PRODUCT_ALREADY_ON_SITE": "the site has that product already: unset ATLASSIAN_SITE_NAME "
    "to use a fresh site, or name a site without it",
    "PRODUCT_PENDING_ON_SITE": "another order (named above) is still giving the site that "
    "product: track that order",
    "PROVISIONING_WINDOW_CLOSED": "provision again and place the order within 10 minutes",
    "PROVISIONING_REQUEST_NOT_WAITING": "provision again: that request takes no more orders",
    "PROVISIONING_REQUEST_UNKNOWN": "provision again: the org does not know that request",
}


def next_step(error: BaseException) -> str | None:
    """The next thing to try after ``error``, or None when there is nothing to suggest."""
    if isinstance(error, ApiError) and error.code in _BY_CODE:
        return _BY_CODE[error.code]
    if isinstance(error, ApiError) and error.rule_id:
        return f"the order breaks {error.rule_id}: docs/rules.md says what the rule asks for"
    if isinstance(error, UnauthorizedError):
        return "check ATLASSIAN_API_KEY (the org API key) or the site admin's email and token"
    if isinstance(error, ForbiddenError):
        if error.operation == "products.provision":
            return "provisioning takes the org API key: set ATLASSIAN_API_KEY"
        return "these credentials may not act there: check ATLASSIAN_ORG_ID and the site"
    if isinstance(error, NotFoundError):
        return "check ATLASSIAN_ORG_ID and the ids of ATLASSIAN_PROFILE (your org's profile)"
    if isinstance(error, ConflictError):
        return "that orderId was used with another body: build the order anew"
    if isinstance(error, RateLimitedError):
        wait = f"{error.retry_after:g} s" if error.retry_after is not None else "a while"
        return f"throttled: run again after {wait}"
    if isinstance(error, ServerError):
        return "the API failed: run again later (an order is resent with the same orderId)"
    if isinstance(error, TransportError):
        return (
            "nothing usable answered: check ATLASSIAN_BASE_URL (for a local sandbox start "
            f"one with '{harness_command('sandbox', 'serve')}' and use the URL it prints)"
        )
    if isinstance(error, ProvisioningWindowClosed | ProvisioningFailed):
        return "provision again and place the order within 10 minutes"
    if isinstance(error, OrderFailed):
        return "the order failed: its items' reasons say why; fix that and order again"
    if isinstance(error, WaitTimeout):
        return "it is still processing: check again later with the ids printed above"
    if isinstance(error, ConfigurationError):
        return "set the ATLASSIAN_* variables the message names"
    if isinstance(error, ProfileError):
        return "point ATLASSIAN_PROFILE at your org's profile file, or unset it for the sandbox's"
    return None
