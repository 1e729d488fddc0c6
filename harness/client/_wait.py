"""Waiting for a provisioning request or an order to reach a final state.

Both poll until a final state or a deadline on the client clock, sleeping
``poll_interval`` between polls, or longer when the server asks (a ``Retry-After`` on a
status response, or a 429/503 that outlasted the client's own retries). Clock and
sleep default to the client's, so a test can drive them without really waiting.
``on_poll`` is called with a ``Poll`` after every poll (what is awaited, its state, the
time waited against the deadline): a caller shows progress with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import (
    OrderFailed,
    ProvisioningFailed,
    RateLimitedError,
    ServerError,
    WaitTimeout,
)
from ._models import COMPLETED, FAILED, SUCCESS, Order, ProvisioningRequest, ProvisioningStatus

if TYPE_CHECKING:
    from ._client import Client

T = TypeVar("T")


@dataclass(frozen=True)
class Poll:
    """One poll of a wait: ``what`` is awaited (``order <id>``), its ``state`` as answered
    (``PROCESSING: O1 SUCCESS, O2 PROCESSING``), the poll's ``number``, and ``elapsed``
    seconds of ``timeout``; ``final`` when the wait ends with this poll."""

    what: str
    number: int
    state: str
    elapsed: float
    timeout: float
    final: bool = False


def _poll(
    client: Client,
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    describe: Callable[[T | None], str],
    what: str,
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float] | None,
    sleep: Callable[[float], None] | None,
    on_poll: Callable[[Poll], Any] | None = None,
    state: Callable[[T], str] = str,
) -> T:
    clock = clock or client.clock
    sleep = sleep or client.sleep
    start = clock()
    last: T | None = None
    number = 0

    def report(text: str, final: bool) -> None:
        if on_poll is not None:
            on_poll(Poll(what, number, text, clock() - start, timeout, final))

    while True:
        number += 1
        try:
            last = fetch()
        except (RateLimitedError, ServerError) as error:
            # Throttled or unavailable past the client's own retries: wait as asked.
            if isinstance(error, ServerError) and error.status != 503:
                raise
            asked = error.retry_after
            report(f"answered {error.status}, asked to wait {asked or poll_interval:g} s", False)
        else:
            try:
                finished = done(last)
            except Exception:
                report(state(last), True)
                raise
            report(state(last), finished)
            if finished:
                return last
            asked = getattr(last, "retry_after", None)
        waited = clock() - start
        remaining = timeout - waited
        if remaining <= 0 or (asked is not None and asked > remaining):
            raise WaitTimeout(what, waited, last, describe(last))
        # The last sleep is cut short so that the final poll falls on the deadline.
        sleep(min(max(poll_interval, asked or 0.0), remaining))


def wait_for_provisioning(
    client: Client,
    request: ProvisioningRequest | str,
    *,
    timeout: float = 900.0,
    poll_interval: float = 5.0,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    on_poll: Callable[[Poll], Any] | None = None,
) -> ProvisioningStatus:
    """Poll the provisioning status until COMPLETED, and return it.

    A provisioning request stays IN_PROGRESS until its order's items succeed, so wait
    for it *after* placing the order. Raises ``ProvisioningFailed`` (with the reason,
    e.g. no order within 10 minutes) when it ends FAILED, ``WaitTimeout`` when it is
    not final after ``timeout`` seconds; ``request`` is the ``ProvisioningRequest``,
    its status URL or its id.
    """
    label = request.request_id if isinstance(request, ProvisioningRequest) else request

    def done(status: ProvisioningStatus) -> bool:
        if status.status == FAILED:
            raise ProvisioningFailed(status)
        return status.status == COMPLETED

    def describe(status: ProvisioningStatus | None) -> str:
        return f"last status {status.status}" if status else "no status received"

    return _poll(
        client,
        lambda: client.provisioning_status(request),
        done,
        describe,
        f"provisioning request {label}",
        timeout,
        poll_interval,
        clock,
        sleep,
        on_poll,
        lambda status: status.status + (f" ({status.reason})" if status.reason else ""),
    )


def wait_for_order(
    client: Client,
    order: Order | str,
    transaction_account_id: str | None = None,
    *,
    timeout: float = 600.0,
    poll_interval: float = 3.0,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    on_poll: Callable[[Poll], Any] | None = None,
) -> Order:
    """Poll the order until every item reached SUCCESS, and return it (each item's
    ``entitlement_id`` is then set; ``Order.entitlement_ids`` maps itemId to it).

    ``order`` is the ``Order`` from ``place_order`` (its transaction account is used) or
    an order id with ``transaction_account_id``. Raises ``OrderFailed`` naming each
    failed item and its reason as soon as one item is FAILED, ``WaitTimeout`` (listing
    the items not yet done) when not final after ``timeout`` seconds.
    """
    if isinstance(order, Order):
        order_id = order.order_id
        transaction_account_id = transaction_account_id or order.transaction_account_id
    else:
        order_id = order
    if not transaction_account_id:
        raise ValueError("wait_for_order needs the order's transaction account id")
    account = transaction_account_id

    def done(current: Order) -> bool:
        if current.status == FAILED:
            raise OrderFailed(current)
        return current.status == SUCCESS

    def describe(current: Order | None) -> str:
        if current is None:
            return "no order state received"
        pending = [
            f"{i.label} {i.status or 'not started'}" for i in current.items if i.status != SUCCESS
        ]
        return "items not done: " + ", ".join(pending)

    return _poll(
        client,
        lambda: client.get_order(order_id, account),
        done,
        describe,
        f"order {order_id}",
        timeout,
        poll_interval,
        clock,
        sleep,
        on_poll,
        lambda current: (
            f"{current.status}: "
            + ", ".join(f"{i.label} {i.status or 'not started'}" for i in current.items)
        ),
    )
