"""Errors the sandbox answers with, all in the contracts' error envelope (ASM-001).

Operations raise ``ApiError``; the app turns it into a response. Violations found by the
contracts (schema or REL-nnn rules) keep their pointer, code and rule id unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..contracts import Violation, cookbook, envelope, envelope_status, error_title

#: Titles of the codes the sandbox adds to the contracts' own (``_violation._TITLES``).
TITLES: dict[str, str] = {
    "NOT_FOUND": "No such resource",
    "METHOD_NOT_ALLOWED": "The path does not take this method",
    "UNAUTHENTICATED": "Missing or unknown credentials",
    "FORBIDDEN": "These credentials may not do this",
    "PAYLOAD_TOO_LARGE": "The request body is too large",
    "REQUEST_TIMEOUT": "The request body did not come in time",
    "UNSUPPORTED_MEDIA_TYPE": "The request body is not plain application/json",
    "DUPLICATE_HEADER": "A header that may appear once came twice",
    "CONFLICTING_HEADERS": "Two headers of the request contradict each other",
    "MALFORMED_BODY": "The request body is not JSON",
    "ORG_NOT_FOUND": "No such organization",
    "SITE_NOT_FOUND": "No such site",
    "PRODUCT_NOT_FOUND": "No such product on this site",
    "ENTITLEMENT_NOT_FOUND": "No such entitlement",
    "PROVISIONING_REQUEST_NOT_FOUND": "No such provisioning request",
    "ORDER_NOT_FOUND": "No such order",
    "OFFERING_UNKNOWN": "The offering is not in the catalogue",
    "OFFERING_NOT_PROVISIONABLE": "The offering cannot be provisioned this way",
    "PRODUCT_CONFLICT": "Two offerings of the same product",
    "PRODUCT_ALREADY_ON_SITE": "The site already has this product",
    "SITE_NAME_PENDING": "Another request is creating a site with this name",
    "PRODUCT_PENDING_ON_SITE": "Another order is still giving the site this product",
    "TIMEZONE_REQUIRED": "A new site needs a timezone",
    "TIMEZONE_UNKNOWN": "The timezone is not an IANA time-zone name",
    "CONTAINER_ALONE": "The family container is provisioned with Jira or JSM",
    "APP_KEY_MISMATCH": "The appKey is not the app offering's",
    "FILTER_UNSUPPORTED": "The workspaces query cannot filter on this field",
    "INTERNAL_ERROR": "The sandbox failed unexpectedly",
    "CLOCK_OUT_OF_RANGE": "The sandbox clock cannot go there",
    "RATE_LIMITED": "Too many requests",
    "BAD_GATEWAY": "An upstream service answered badly",
    "UNAVAILABLE": "The service is unavailable",
    "GATEWAY_TIMEOUT": "An upstream service timed out",
}


class ApiError(Exception):
    """An error response: a status and the envelope's entries. Never holds credentials."""

    def __init__(
        self,
        status: int,
        errors: Sequence[Mapping[str, Any]],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}: {', '.join(str(e.get('code')) for e in errors)}")
        self.status = status
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})

    @property
    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}

    @classmethod
    def of(cls, violations: Sequence[Violation]) -> ApiError:
        """The contracts' violations, with the status the contracts give them."""
        return cls(envelope_status(list(violations)), envelope(list(violations))["errors"])


def error(
    status: int,
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    header: str | None = None,
    rule: str | None = None,
    headers: Mapping[str, str] | None = None,
    erratum: str | None = None,
) -> ApiError:
    """One error: ``pointer`` into the body, or the ``parameter``/``header`` at fault;
    ``erratum``: the cookbook erratum whose text leads to it (named in the detail and in
    ``meta.erratum``)."""
    entry: dict[str, Any] = {
        "status": str(status),
        "code": code,
        "title": TITLES.get(code) or error_title(code),
        "detail": detail + (cookbook.erratum_hint(erratum) if erratum else ""),
    }
    if pointer is not None:
        entry["source"] = {"pointer": pointer}
    elif parameter is not None:
        entry["source"] = {"parameter": parameter}
    elif header is not None:
        entry["source"] = {"header": header}
    meta = {"ruleId": rule, "erratum": erratum}
    if any(meta.values()):
        entry["meta"] = {k: v for k, v in meta.items() if v}
    return ApiError(status, [entry], headers)
