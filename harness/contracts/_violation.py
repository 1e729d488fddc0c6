"""A violation: one thing wrong with a message, and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Where = Literal["body", "header", "path", "query"]


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a request, a response or an order.

    ``pointer`` is a JSON pointer into the body (``""`` is the whole body) or, when
    ``where`` is ``header``/``path``/``query``, the header or parameter name.
    ``rule`` names the relationship rule (``REL-nnn``) for a rule violation and is
    ``None`` for a schema violation, which has a ``schema_location`` instead. ``erratum``
    names the cookbook erratum (``ERR-nnn``) whose text leads to this mistake, when the
    offending value is one the cookbook's samples carry (``cookbook.mark_errata``).
    """

    pointer: str
    message: str
    rule: str | None = None
    schema_location: str | None = None
    where: Where = "body"
    code: str = "SCHEMA_VIOLATION"
    #: HTTP status a server answers this violation with when it is the first one.
    status: int = 400
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    erratum: str | None = None

    @property
    def source(self) -> str:
        """Who found it: the rule id, or ``schema``."""
        return self.rule or "schema"

    @property
    def location(self) -> str:
        """The pointer, or ``header X``/``path X`` for a non-body location."""
        if self.where == "body":
            return self.pointer or "/"
        return f"{self.where} {self.pointer}"

    def __str__(self) -> str:
        return f"{self.source} {self.location}: {self.message}"

    def to_error(self) -> dict[str, Any]:
        """This violation as one entry of the error envelope (ASM-001)."""
        entry: dict[str, Any] = {
            "status": str(self.status),
            "code": self.code,
            "title": error_title(self.code),
            "detail": self.message,
        }
        if self.where == "body":
            entry["source"] = {"pointer": self.pointer}
        elif self.where == "header":
            entry["source"] = {"header": self.pointer}
        else:
            entry["source"] = {"parameter": self.pointer}
        meta: dict[str, Any] = {}
        if self.rule:
            meta["ruleId"] = self.rule
        if self.schema_location:
            meta["schemaLocation"] = self.schema_location
        if self.erratum:
            meta["erratum"] = self.erratum
        if meta:
            entry["meta"] = meta
        return entry


_TITLES = {
    "SCHEMA_VIOLATION": "The request does not match its schema",
    "RULE_VIOLATION": "The order breaks an entitlement relationship rule",
    "PROVISIONING_WINDOW_CLOSED": "The provisioning request's 10-minute window has closed",
    "PROVISIONING_REQUEST_UNKNOWN": "No such provisioning request in this org",
    "PROVISIONING_REQUEST_NOT_WAITING": "The provisioning request no longer waits for an order",
    "ORDER_CONFLICT": "This orderId was already used with a different body",
}


def error_title(code: str) -> str:
    """The title of an error code: the contracts' own (whoever answers with one of their
    codes uses it: one code, one title), else the code in words."""
    return _TITLES.get(code, code.replace("_", " ").capitalize())


def envelope(violations: list[Violation] | tuple[Violation, ...]) -> dict[str, Any]:
    """The error envelope (ASM-001) listing every violation."""
    return {"errors": [v.to_error() for v in violations]}


def envelope_status(violations: list[Violation] | tuple[Violation, ...]) -> int:
    """The status a server answers with: 400 if any schema violation, else the first's."""
    if any(v.rule is None for v in violations):
        return 400
    return violations[0].status if violations else 400
