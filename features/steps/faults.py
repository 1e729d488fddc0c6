"""Fault steps: calls whose failure is the point, and what each attempt answered.

The faults themselves come from the scenario's ``@fault`` tag (injected by the plugin);
these steps read the attempts the client made (``World.exchanges``, one per attempt).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from harness.client import ApiError, Exchange, HarnessClientError, TransportError
from harness.suite.plan import planned
from harness.suite.world import World

from .names import NAMES, names
from .provisioning import plan_new_site, provision_products


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: transient and permanent faults of the sandbox")


def _try(world: World, call: Callable[[], Any]) -> None:
    """Run a call that may fail; keep its result or whatever client error it raised."""
    try:
        world.outcome = call()
    except HarnessClientError as error:
        world.outcome = error


def _last_call(world: World, operation: str) -> list[Exchange]:
    """The attempts of the last call of ``operation``: from its attempt 1 on."""
    starts = [
        i for i, e in enumerate(world.exchanges) if e.operation == operation and e.attempt == 1
    ]
    assert starts, f"no {operation} call was made"
    return [e for e in world.exchanges[starts[-1] :] if e.operation == operation]


def _failure(world: World) -> HarnessClientError:
    outcome = world.outcome
    assert isinstance(outcome, HarnessClientError), f"the call did not fail: {outcome!r}"
    return outcome


@given(parsers.re(r"the client waits at most (?P<seconds>[\d.]+) seconds? for an answer"))
def client_waits_at_most(world: World, seconds: str) -> None:
    world.timeout = httpx.Timeout(float(seconds))
    world.connect(world.api.auth)


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


@then(parsers.re(r"(?P<operation>[a-z.]+) took (?P<count>\d+) attempts?, answered (?P<answers>.+)"))
def operation_took_attempts(world: World, operation: str, count: str, answers: str) -> None:
    expected = [a.strip() for a in re.split(r",| then ", answers)]
    attempts = _last_call(world, operation)
    seen = [str(e.status) if e.status is not None else "no response" for e in attempts]
    assert [e.attempt for e in attempts] == list(range(1, int(count) + 1)), seen
    assert seen == expected, f"{operation} answered {seen}, not {expected}"


@then(parsers.parse("the 429 asked the client to retry after {seconds:d} second"))
def the_429_asked_to_retry_after(world: World, seconds: int) -> None:
    throttled = [e for e in world.exchanges if e.status == 429]
    assert throttled, "no attempt was answered 429"
    assert throttled[0].response_headers.get("retry-after") == str(seconds)


@then(parsers.parse("every attempt of {operation} sent the same body"))
def every_attempt_sent_the_same_body(world: World, operation: str) -> None:
    bodies = {e.request_body for e in _last_call(world, operation)}
    assert len(bodies) == 1, f"the attempts sent {len(bodies)} different bodies"
    assert world.order_body is not None
    (sent,) = [e.request_json for e in _last_call(world, operation)][:1]
    assert sent["orderId"] == world.order_body["orderId"]


@then(
    parsers.re(
        r"the call failed with an? (?P<kind>\w+), status (?P<status>\d+) "
        r'"(?P<code>[A-Z_]+)", after (?P<count>\d+) attempts?'
    )
)
def call_failed_with_status(world: World, kind: str, status: str, code: str, count: str) -> None:
    error = _failure(world)
    assert type(error).__name__ == kind, f"expected a {kind}: {type(error).__name__}: {error}"
    assert isinstance(error, ApiError)
    assert (error.status, error.code, error.attempts) == (int(status), code, int(count)), error
    assert error.operation in str(error) and code in str(error)
    if int(count) > 1:
        assert f"[after {count} attempts]" in str(error)


@then(parsers.re(r"the call failed with a TransportError after (?P<count>\d+) attempts?"))
def call_failed_with_transport_error(world: World, count: str) -> None:
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
