"""The ``@fault`` tag of a scenario: the fault the sandbox injects for it, in a few words.

``@fault:<operation>:<fault>[=<seconds>][:<option>=<value>]...`` becomes the spec of
``POST /_sandbox/faults`` (``harness.sandbox.faults`` checks it and answers 400 naming
what is wrong)::

    @fault:orders.process:fail-item          {"operation": "orders.process", "fault": "fail-item"}
    @fault:orders.get:503:times=2            ... "fault": "503", "times": 2
    @fault:orders.get:503:times=always       ... "times": null (until the scenario ends)
    @fault:orders.get:429:retry-after=120    ... "fault": "429", "retryAfter": 120
    @fault:provisioning.status:delay=2       ... "fault": "delay", "seconds": 2
    @fault:orders.process:fail-item:item=O1  ... "item": "O1"

``VOCABULARY`` says in words what each fault does, for the report and the docs.
"""

from __future__ import annotations

from typing import Any

#: Option names of a fault tag -> fields of ``POST /_sandbox/faults``.
OPTIONS = {"times": "times", "retry-after": "retryAfter", "item": "item", "reason": "reason"}

#: What each fault of a tag makes the sandbox do (``harness.sandbox.faults``).
VOCABULARY: dict[str, str] = {
    "429": "answers 429 RATE_LIMITED with Retry-After (retry-after=N seconds, default 1)",
    "500": "answers 500 INTERNAL_ERROR",
    "502": "answers 502 BAD_GATEWAY",
    "503": "answers 503 UNAVAILABLE",
    "504": "answers 504 GATEWAY_TIMEOUT",
    "drop": "closes the connection before acting on the request",
    "drop-response": "acts on the request, then closes the connection: the answer is lost",
    "delay=N": "answers N seconds late (a client that gives up first gets nothing)",
    "fail-item": "fails an item of the next order processed (item=ID, reason=CODE)",
    "times=N": "hits the first N matching requests (default 1; always: every one)",
}


def fault_spec(tag: str) -> dict[str, Any]:
    """The ``POST /_sandbox/faults`` spec of a fault tag's text (after ``@fault:``)."""
    operation, _, rest = tag.partition(":")
    fault, *options = rest.split(":")
    spec: dict[str, Any] = {"operation": operation}
    kind, _, seconds = fault.partition("=")
    spec["fault"] = kind
    if seconds:
        spec["seconds"] = number(seconds)
    for option in options:
        name, _, value = option.partition("=")
        field = OPTIONS.get(name, name)
        if field == "times" and value == "always":
            spec[field] = None
        elif field in ("times", "retryAfter"):
            spec[field] = number(value)
        else:
            spec[field] = value
    return spec


def number(text: str) -> Any:
    """An int when the text is one, else a float; the text itself when neither (the
    sandbox then refuses it by name)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
