"""Fault steps: what the sandbox is made to do wrong, and what the client did about it.

The Given steps say in words which request misbehaves and how; ``FAULTS`` and
``REQUESTS`` turn the words into the sandbox's fault spec (``POST /_sandbox/faults``,
``harness.sandbox.faults``), registered through ``World.inject_fault`` (a scenario that
uses them is tagged ``@sandbox-faults``: a real org cannot be made to misbehave). The
Then steps read the attempts the client made (``World.exchanges``, one per attempt) and
the error the user got.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from pytest_bdd import given, parsers, then, when

from harness.client import ApiError, Exchange, HarnessClientError, TransportError
from harness.suite.plan import planned
from harness.suite.world import World

from .names import NAMES, names
from .provisioning import plan_new_site, provision_products

#: The requests a fault step names, in the features' words -> the contracts' operation.
REQUESTS = {
    "order status request": "orders.get",
    "order placement": "orders.place",
    "provisioning status request": "provisioning.status",
    "provisioning request": "products.provision",
}
_REQUEST = "|".join(sorted(REQUESTS, key=len, reverse=True))
#: An answer as the features name it -> its HTTP status (None: no answer at all).
ANSWERS: dict[str, int | None] = {
    "OK": 200,
    "throttled": 429,
    "internal error": 500,
    "bad gateway": 502,
    "unavailable": 503,
    "no answer": None,
}

#: Each fault step: its words (with ``request`` and maybe a number) -> the fault it registers.
FAULTS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    rf"the API throttles the next (?P<request>{_REQUEST}), asking to retry after "
    r"(?P<seconds>\d+) seconds?": lambda m: {"fault": "429", "retryAfter": int(m["seconds"])},
    rf"the API is unavailable for the next (?P<count>\d+) (?P<request>{_REQUEST})s": lambda m: {
        "fault": "503",
        "times": int(m["count"]),
    },
    rf"the API is unavailable for every (?P<request>{_REQUEST})": lambda m: {
        "fault": "503",
        "times": None,
    },
    rf"the API answers the next (?P<request>{_REQUEST}) with a bad gateway": lambda m: {
        "fault": "502"
    },
    rf"the API fails the next (?P<request>{_REQUEST}) with an internal error": lambda m: {
        "fault": "500"
    },
    rf"the API answers the next (?P<request>{_REQUEST}) (?P<seconds>\d+) seconds late": lambda m: {
        "fault": "delay",
        "seconds": int(m["seconds"]),
    },
    rf"the connection drops before the next (?P<request>{_REQUEST}) arrives": lambda m: {
        "fault": "drop"
    },
    rf"the connection drops on every (?P<request>{_REQUEST})": lambda m: {
        "fault": "drop",
        "times": None,
    },
    rf"the connection drops after the next (?P<request>{_REQUEST}) is acted on, losing its "
    r"answer": lambda m: {"fault": "drop-response"},
}


def fault_of(words: str) -> dict[str, Any]:
    """The sandbox's fault spec for a fault step's words (``ValueError`` for none)."""
    for pattern, spec in FAULTS.items():
        match = re.fullmatch(pattern, words)
        if match:
            return {"operation": REQUESTS[match["request"]], **spec(match.groupdict())}
    raise ValueError(f"no fault step says {words!r}")


#: Every fault step's words at once (their groups unnamed: ``fault_of`` reads them).
_ANY_FAULT = "|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', p)})" for p in FAULTS)


@given(parsers.re(f"(?P<words>{_ANY_FAULT})"))
def the_api_misbehaves(world: World, words: str) -> None:
    world.inject_fault(fault_of(words))


@given(parsers.parse('the sandbox fails item "{label}" of the next order it processes'))
def the_sandbox_fails_an_item(world: World, label: str) -> None:
    world.inject_fault(
        {"operation": "orders.process", "fault": "fail-item", "item": world.item_id(label)}
    )


@given(parsers.re(r"the client waits at most (?P<seconds>[\d.]+) seconds? for an answer"))
def client_waits_at_most(world: World, seconds: str) -> None:
    world.timeout = httpx.Timeout(float(seconds))
    world.connect(world.api.auth)


# -- calls whose failure is the point ----------------------------------------------------


def _try(world: World, call: Callable[[], Any]) -> None:
    """Run a call that may fail; keep its result or whatever client error it raised."""
    try:
        world.outcome = call()
    except HarnessClientError as error:
        world.outcome = error


@when("I try to get the order")
def try_to_get_the_order(world: World) -> None:
    order = world.order
    _try(world, lambda: world.api.get_order(order.order_id, order.transaction_account_id))


_TRY_NEW_SITE = parsers.re(
    rf'I try to provision (?P<offerings>{NAMES}) on a new site "(?P<label>[^"]+)"'
)


@planned(_TRY_NEW_SITE, plan_new_site, converters={"offerings": names})
@when(_TRY_NEW_SITE, converters={"offerings": names})
def try_to_provision(world: World, offerings: list[str], label: str) -> None:
    name = world.new_site_name(label)
    _try(world, lambda: provision_products(world, offerings, name, True))


# -- what the client did ---------------------------------------------------------------


def _last_call(world: World, operation: str) -> list[Exchange]:
    """The attempts of the last call of ``operation``: from its attempt 1 on."""
    starts = [
        i for i, e in enumerate(world.exchanges) if e.operation == operation and e.attempt == 1
    ]
    assert starts, f"no {operation} call was made"
    return [e for e in world.exchanges[starts[-1] :] if e.operation == operation]


@then(
    parsers.re(
        rf"the client sent the (?P<request>{_REQUEST}) (?P<count>\d+) times?: (?P<answers>.+)"
    )
)
def client_sent_the_request(world: World, request: str, count: str, answers: str) -> None:
    said = [a.strip() for a in re.split(r",(?: then)?| then ", answers) if a.strip()]
    unknown = [a for a in said if a not in ANSWERS]
    assert not unknown, f"no answer is called {unknown}; the words: {sorted(ANSWERS)}"
    attempts = _last_call(world, REQUESTS[request])
    seen = [e.status for e in attempts]
    expected = [ANSWERS[a] for a in said]
    assert len(attempts) == int(count) == len(expected), f"{len(attempts)} attempts: {seen}"
    assert [e.attempt for e in attempts] == list(range(1, int(count) + 1)), seen
    assert seen == expected, f"{request}: answered {seen}, not {expected} ({answers})"


@then(parsers.parse("the throttled answer asked the client to retry after {seconds:d} second"))
def the_throttle_asked_to_retry_after(world: World, seconds: int) -> None:
    throttled = [e for e in world.exchanges if e.status == 429]
    assert throttled, "no attempt was throttled"
    assert throttled[0].response_headers.get("retry-after") == str(seconds)


@then(parsers.re(rf"every attempt of the (?P<request>{_REQUEST}) sent the same order"))
def every_attempt_sent_the_same_order(world: World, request: str) -> None:
    attempts = _last_call(world, REQUESTS[request])
    bodies = {e.request_body for e in attempts}
    assert len(attempts) > 1 and len(bodies) == 1, f"{len(bodies)} bodies in {len(attempts)}"
    assert world.order_body is not None
    assert all(e.request_json["orderId"] == world.order_body["orderId"] for e in attempts)


# -- what the user got -----------------------------------------------------------------


def _failure(world: World) -> HarnessClientError:
    outcome = world.outcome
    assert isinstance(outcome, HarnessClientError), f"the call did not fail: {outcome!r}"
    return outcome


@then(
    parsers.re(
        r"the user gets an? (?P<kind>\w+), status (?P<status>\d+) "
        r'"(?P<code>[A-Z_]+)", after (?P<count>\d+) attempts?'
    )
)
def user_gets_api_error(world: World, kind: str, status: str, code: str, count: str) -> None:
    error = _failure(world)
    assert type(error).__name__ == kind, f"expected a {kind}: {type(error).__name__}: {error}"
    assert isinstance(error, ApiError)
    assert (error.status, error.code, error.attempts) == (int(status), code, int(count)), error
    assert error.operation in str(error) and code in str(error)
    if int(count) > 1:
        assert f"[after {count} attempts]" in str(error)


@then(parsers.re(r"the user gets a TransportError after (?P<count>\d+) attempts?"))
def user_gets_transport_error(world: World, count: str) -> None:
    error = _failure(world)
    assert isinstance(error, TransportError), f"{type(error).__name__}: {error}"
    assert error.attempts == int(count), str(error)
    assert error.operation in str(error)


@then(parsers.parse("the error says to retry after {seconds:d} seconds"))
def error_says_retry_after(world: World, seconds: int) -> None:
    error = _failure(world)
    assert isinstance(error, ApiError) and error.retry_after == seconds
    assert f"[Retry-After {seconds} s]" in str(error)


@then("the error says the connection was lost")
def error_says_connection_lost(world: World) -> None:
    error = _failure(world)
    assert "RemoteProtocolError" in str(error) and "without sending a response" in str(error)


@then("the error says the request may have reached the server")
def error_says_request_may_have_arrived(world: World) -> None:
    error = _failure(world)
    # Not False: a connection that broke after sending may have been acted on (ASM-030).
    assert isinstance(error, TransportError) and error.sent is None, error
