"""When the client retries, and how long it waits (the loop is tenacity's).

What is retried:

- **429** (throttled) on every operation: the server refused the request before doing
  anything (ASM-030), so sending it again is safe. It waits ``Retry-After`` seconds
  (ASM-016), or backs off when the header is missing.
- **502, 503, 504** and **connection errors** (refused, dropped, timed out, broken
  HTTP) on reads (every GET, and the workspaces query, which is a read sent as POST)
  and on **order placement**: ``orderId`` is the idempotency key, and a retry resends
  the same orderId with the same body, so at most one order is created (REL-003), also
  when the first send is still under way (ASM-054). A 503 with ``Retry-After`` waits
  that long; otherwise capped exponential backoff with
  jitter: ``min(backoff_max, backoff_initial * 2**(n-1) + uniform(0, jitter))``.
- **Provisioning POSTs** (``products.provision``, ``apps.provision``) are *not* retried
  on 5xx or on a dropped or timed-out connection: the server may already have created
  a provisioning request (ASM-030), and nothing in the API makes a second one
  idempotent, so a blind retry could provision a second site or instance. What to do
  instead: treat the outcome as unknown. Query the workspaces for the site
  (``Client.query_workspaces(name)``) to see whether the site or product appeared; if
  nothing did, provision again and order the new request at once. A lost request that
  was created cannot be ordered (its statusUrl never arrived) and ends FAILED on its own
  10 minutes later (ASM-004). Only 429, and a connection that was never established
  (nothing was sent), are retried for them.

Every retry is bounded by ``max_attempts`` and by ``max_elapsed`` seconds of the client
clock, waits included: when the next wait would cross that budget, or a ``Retry-After``
asks for more than ``max_retry_after``, the client stops and raises the last error,
which says how many attempts were made.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from ._errors import ApiError, HarnessClientError, RateLimitedError, ServerError, TransportError

log = logging.getLogger("harness.client")

T = TypeVar("T")

#: Operations whose POST must not be resent blindly (see the module docstring).
UNSAFE_OPERATIONS = frozenset({"products.provision", "apps.provision"})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long the client retries; ``RetryPolicy.never()`` disables it.

    Defaults: 4 attempts within 60 s; backoff 0.5 s, 1 s, 2 s ... capped at 8 s, plus up
    to 0.5 s of jitter; a ``Retry-After`` of up to 60 s is honoured.
    """

    max_attempts: int = 4
    max_elapsed: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` when no Retry-After says."""
        base = self.backoff_initial * 2.0 ** (attempt - 1)
        return min(self.backoff_max, base + random.uniform(0, self.jitter))

    def is_retryable(self, error: BaseException, operation: str) -> bool:
        """Whether ``error`` of ``operation`` may be retried (see the module docstring)."""
        safe = operation not in UNSAFE_OPERATIONS
        if isinstance(error, RateLimitedError):
            return True
        if isinstance(error, TransportError):
            return safe or error.sent is False
        if isinstance(error, ServerError):
            return safe and error.status in self.retry_statuses
        return False

    def delay(self, error: BaseException, attempt: int) -> float:
        """Seconds to wait before the next attempt."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        return self.backoff(attempt)


def run_with_retries(
    policy: RetryPolicy,
    operation: str,
    attempt: Callable[[int], T],
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> T:
    """``attempt(n)`` for n = 1, 2, ... until it returns, or raises an error not worth
    retrying, or the policy's budget is spent; then the last error is raised."""
    start = clock()

    def stop(state: RetryCallState) -> bool:
        # tenacity computes the wait before asking whether to stop: both are known here.
        if state.attempt_number >= policy.max_attempts:
            return True
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None and retry_after > policy.max_retry_after:
            return True
        return clock() - start + state.upcoming_sleep > policy.max_elapsed

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.delay(error, state.attempt_number) if error else 0.0

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.info(
            "retrying %s in %.2f s (attempt %d of %d failed: %s)",
            operation,
            state.upcoming_sleep,
            state.attempt_number,
            policy.max_attempts,
            error,
        )

    retrying = Retrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=retry_if_exception(lambda e: policy.is_retryable(e, operation)),
        before_sleep=before_sleep,
        reraise=True,
    )
    number = 0
    try:
        for manager in retrying:
            with manager:
                number = manager.retry_state.attempt_number
                return attempt(number)
    except HarnessClientError as error:
        if number > 1 and isinstance(error, ApiError | TransportError):
            error.with_attempts(number)
        raise
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
