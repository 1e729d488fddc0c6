"""One exception hierarchy for everything the client raises.

::

    HarnessClientError
    ├── ApiError                      an error response; its envelope is on the exception
    │   ├── BadRequestError           400: the request does not match its schema
    │   ├── UnauthorizedError         401: no or wrong credentials
    │   ├── ForbiddenError            403: the credentials may not do this
    │   ├── NotFoundError             404
    │   ├── ConflictError             409: an orderId reused with another body (ASM-002)
    │   ├── UnprocessableEntityError  422: a relationship rule (REL-nnn) or the 10-minute window
    │   ├── RateLimitedError          429: retried by the client, honouring Retry-After
    │   └── ServerError               5xx
    ├── ResponseFormatError           a success response that is empty, not JSON, truncated
    │                                 or lacks a field the client reads
    ├── ContractViolationError        Client(validate_contracts=True): the request (not sent)
    │                                 or the response breaks the contracts
    ├── TransportError                no response: connection refused or dropped, timeout
    ├── ProvisioningFailed            a provisioning request ended FAILED
    ├── OrderFailed                   an order item ended FAILED
    ├── WaitTimeout                   no final state before the deadline
    ├── ProvisioningWindowClosed      refused to send an order past the 10-minute window
    ├── ConfigurationError            (also ValueError) no org id, credentials, base URL
    ├── OrderBuildError               (also ValueError) OrderBuilder cannot make a valid order
    └── JourneyError                  a journey did not find what it needs (e.g. the site)

Every message is one line that names the operation (``orders.place``) and says what
went wrong; credentials never appear in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.contracts import Violation

    from ._models import Order, OrderItem, ProvisioningStatus


class HarnessClientError(Exception):
    """Base of every error the client raises."""


@dataclass(frozen=True)
class ErrorEntry:
    """One entry of the error envelope (ASM-001): ``errors[i]``."""

    status: str | None
    code: str | None
    title: str | None
    detail: str | None
    pointer: str | None  # source.pointer, or "header X" / "parameter X"
    rule_id: str | None
    schema_location: str | None

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> ErrorEntry:
        source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        assert isinstance(source, dict) and isinstance(meta, dict)
        if "pointer" in source:
            pointer: str | None = source["pointer"] or "/"
        elif "header" in source:
            pointer = f"header {source['header']}"
        elif "parameter" in source:
            pointer = f"parameter {source['parameter']}"
        else:
            pointer = None
        return cls(
            status=_str(entry.get("status")),
            code=_str(entry.get("code")),
            title=_str(entry.get("title")),
            detail=_str(entry.get("detail")),
            pointer=pointer,
            rule_id=_str(meta.get("ruleId")),
            schema_location=_str(meta.get("schemaLocation")),
        )

    def __str__(self) -> str:
        parts = [self.code or "ERROR"]
        if self.rule_id:
            parts.append(f"({self.rule_id})")
        if self.pointer:
            parts.append(f"at {self.pointer}")
        text = " ".join(parts)
        what = self.detail or self.title
        return f"{text}: {what}" if what else text


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else (None if value is None else str(value))


class ApiError(HarnessClientError):
    """The API answered with an error status.

    ``status``, ``code``, ``rule_id``, ``pointer``, ``detail`` and ``title`` are those of
    the envelope's first error (``None`` when the body is not the envelope); ``errors``
    holds every entry; ``operation`` is the operation id; ``retry_after`` the seconds of
    a ``Retry-After`` header, if any; ``body`` the response text (credentials masked);
    ``attempts`` how many attempts were made, retries included.
    """

    def __init__(
        self,
        operation: str,
        status: int,
        errors: Sequence[ErrorEntry] = (),
        *,
        body: str = "",
        retry_after: float | None = None,
        attempts: int = 1,
        envelope_problem: str | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.errors = tuple(errors)
        first = self.errors[0] if self.errors else None
        self.code = first.code if first else None
        self.title = first.title if first else None
        self.rule_id = first.rule_id if first else None
        self.pointer = first.pointer if first else None
        self.detail = first.detail if first else None
        self.body = body
        self.retry_after = retry_after
        self.attempts = attempts
        self.envelope_problem = envelope_problem
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.operation}: HTTP {self.status}"
        if self.errors:
            text = f"{head} {self.errors[0]}"
            if len(self.errors) > 1:
                text += "; " + "; ".join(str(e) for e in self.errors[1:])
        else:
            snippet = " ".join(self.body.split())[:200]
            text = f"{head} ({self.envelope_problem or 'no error envelope'}: {snippet!r})"
        if self.retry_after is not None:
            text += f" [Retry-After {self.retry_after:g} s]"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        return text

    def with_attempts(self, attempts: int) -> ApiError:
        """The same error, saying how many attempts were made."""
        self.attempts = attempts
        self.args = (self._message(),)
        return self


class BadRequestError(ApiError):
    """400: the request does not match its schema (``pointer`` says where)."""


class UnauthorizedError(ApiError):
    """401: no credentials, or wrong ones."""


class ForbiddenError(ApiError):
    """403: the credentials may not do this (e.g. Basic auth for provisioning products, or a
    site admin whose role comes through a group)."""


class NotFoundError(ApiError):
    """404: no such org, entitlement, provisioning request or order."""


class ConflictError(ApiError):
    """409: the orderId was already used with a different body (ASM-002)."""


class UnprocessableEntityError(ApiError):
    """422: the body is well formed but breaks a relationship rule (``rule_id``) or names a
    provisioning request that no longer waits (code PROVISIONING_WINDOW_CLOSED, ...)."""


class RateLimitedError(ApiError):
    """429: throttled. The client retries it, waiting ``Retry-After`` seconds."""


class ServerError(ApiError):
    """5xx. 502, 503 and 504 are retried for reads and order placement."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitedError,
}


def api_error_class(status: int) -> type[ApiError]:
    """The exception class for an error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


class ResponseFormatError(HarnessClientError):
    """A success response the client cannot read: empty, not JSON, truncated, or without a
    field the cookbook says it has. ``operation``, ``status`` and ``body`` (a snippet)."""

    def __init__(self, operation: str, status: int, problem: str, body: str = "") -> None:
        self.operation = operation
        self.status = status
        self.problem = problem
        self.body = body
        snippet = " ".join(body.split())[:200]
        super().__init__(
            f"{operation}: HTTP {status} response {problem}" + (f": {snippet!r}" if body else "")
        )


class ContractViolationError(HarnessClientError):
    """A request or response breaks the contracts (``Client(validate_contracts=True)``).

    ``direction`` is ``request`` (then nothing was sent) or ``response``; ``violations``
    the ``harness.contracts.Violation`` list, each with a pointer and a message.
    """

    def __init__(
        self, operation: str, direction: str, violations: Sequence[Violation], status: int | None
    ) -> None:
        self.operation = operation
        self.direction = direction
        self.violations = tuple(violations)
        self.status = status
        what = "request (not sent)" if direction == "request" else f"HTTP {status} response"
        listed = "; ".join(f"{v.location}: {v.message}" for v in self.violations)
        super().__init__(f"{operation}: {what} breaks the contracts: {listed}")


class TransportError(HarnessClientError):
    """No usable response: connection refused or dropped, timeout, broken HTTP.

    ``sent`` is False when the request certainly never reached the server (connect
    failed), True or None otherwise; the httpx error is ``__cause__``.
    """

    def __init__(
        self,
        operation: str,
        method: str,
        url: str,
        cause: str,
        *,
        sent: bool | None,
        attempts: int = 1,
    ) -> None:
        self.operation = operation
        self.method = method
        self.url = url
        self.cause = cause
        self.sent = sent
        self.attempts = attempts
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.operation}: {self.method} {self.url} failed: {self.cause}"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        return text

    def with_attempts(self, attempts: int) -> TransportError:
        self.attempts = attempts
        self.args = (self._message(),)
        return self


class ProvisioningFailed(HarnessClientError):
    """The provisioning request ended ``FAILED``; ``reason`` says why (e.g. no order came
    within 10 minutes, ASM-004)."""

    def __init__(self, status: ProvisioningStatus) -> None:
        self.status = status
        self.request_id = status.request_id
        self.reason = status.reason
        super().__init__(
            f"provisioning request {status.request_id} FAILED: {status.reason or 'no reason given'}"
        )


class OrderFailed(HarnessClientError):
    """An item of the order ended ``FAILED``. ``failed_items`` lists each one; its
    ``reason`` is the item's ``reasonCode`` (ASM-005); ``order`` is the last state seen."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self.order_id = order.order_id
        self.failed_items: tuple[OrderItem, ...] = order.failed_items
        described = "; ".join(
            f"item {item.label} (offering {item.offering_id}) FAILED: "
            f"{item.reason or 'no reason given'}"
            for item in self.failed_items
        )
        super().__init__(f"order {order.order_id}: {described}")


class WaitTimeout(HarnessClientError):
    """No final state before the deadline. ``what`` is waited for, ``waited`` the seconds
    spent, ``last`` the last state seen (a ``ProvisioningStatus`` or ``Order``)."""

    def __init__(self, what: str, waited: float, last: Any, state: str) -> None:
        self.what = what
        self.waited = waited
        self.last = last
        super().__init__(f"{what} not final after {waited:.0f} s: {state}")


class ProvisioningWindowClosed(HarnessClientError):
    """Refused to send an order: its provisioning request is older than the cookbook's
    10-minute window ('Place order'), so the API would refuse it and the request has timed
    out. Provision again and order at once. ``age`` and ``window`` are seconds."""

    def __init__(self, request_id: str, age: float, window: float) -> None:
        self.request_id = request_id
        self.age = age
        self.window = window
        shown = f"{age:.0f}" if abs(age - round(age)) < 0.05 else f"{age:.1f}"
        super().__init__(
            f"orders.place not sent: provisioning request {request_id} was created "
            f"{shown} s ago, past the {window:.0f} s window in which its order must be "
            "placed (cookbook, 'Place order'); provision again and order immediately"
        )
