"""The world of one scenario: who is calling, what came back, and the scenario's clock.

Step definitions (``features/steps/``) read and write a ``World``; they never talk to
the sandbox's internals. Every HTTP exchange the client makes is checked against the
contracts here (``World.on_exchange``): a breach fails the step at once, naming the
operation, the JSON pointer and the field.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from harness._tls import tls_context
from harness.client import (
    DEFAULT_TIMEOUT,
    ApiError,
    Client,
    Exchange,
    OrgApiKey,
    RetryPolicy,
    SiteAdmin,
)
from harness.contracts import (
    Profile,
    Violation,
    refusal_explains,
    validate_request,
    validate_response,
)

from . import reporting
from .modes import RunSettings, check_order_allowed
from .transport import SuiteTransport

T = TypeVar("T")
_NAMESPACE = uuid.UUID("b7a1d2c4-6f1e-4f5a-9c3d-2e8b7a6f5d40")


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall time: against a real org, waiting means waiting."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ScenarioClock:
    """Virtual time: ``sleep`` moves it (and the sandbox clock, when there is one).

    The waiters and the 10-minute window guard read it, so a scenario against the
    sandbox or a cassette never really waits.
    """

    def __init__(self, on_advance: Callable[[float], None] | None = None) -> None:
        self._now = 0.0
        self._on_advance = on_advance

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self._now += seconds
        if self._on_advance is not None:
            self._on_advance(seconds)


class SandboxControl:
    """The sandbox's control endpoints (never recorded into cassettes). They take the org
    API key (or the sandbox admin token) as Bearer, and JSON."""

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=base_url, timeout=10.0, verify=tls_context(), headers=headers
        )

    def __repr__(self) -> str:
        return f"SandboxControl({self._http.base_url})"

    @classmethod
    def probe(cls, base_url: str, token: str | None) -> SandboxControl | None:
        """A control for ``base_url`` if it is a harness sandbox taking ``token``, else None."""
        control = cls(base_url, token)
        try:
            if control._http.get("/_sandbox/clock").status_code == 200:
                return control
        except httpx.HTTPError:
            pass
        control.close()
        return None

    def reset(self) -> None:
        self._http.post("/_sandbox/reset", json={}).raise_for_status()

    def advance(self, seconds: float) -> None:
        self._http.post("/_sandbox/clock/advance", json={"seconds": seconds}).raise_for_status()

    def faults(self, spec: dict[str, Any]) -> None:
        self._http.post("/_sandbox/faults", json=spec).raise_for_status()

    def close(self) -> None:
        self._http.close()


class ContractBreach(AssertionError):
    """An exchange broke the contracts: names the operation, pointer and field."""

    def __init__(self, exchange: Exchange, side: str, violations: list[Violation]) -> None:
        lines = [
            f"{exchange.operation}: the {side} breaks the contract "
            f"({exchange.method} {exchange.url}"
            + (f" -> {exchange.status})" if exchange.status else ")")
        ]
        for v in violations:
            field_name = v.pointer.rsplit("/", 1)[-1] if v.where == "body" else v.pointer
            lines.append(f"  {v.location}: {v.message} (field '{field_name}')")
        super().__init__("\n".join(lines))
        self.exchange = exchange
        self.side = side
        self.violations = violations


@dataclass
class World:
    """One scenario's state. Steps set the ``last_*`` fields; ``outcome`` is the last call's
    result or the ``ApiError`` it raised."""

    settings: RunSettings
    profile: Profile
    base_url: str
    clock: Clock
    scenario_key: str
    control: SandboxControl | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    client: Client | None = None
    outcome: Any = None
    provisioning: Any = None
    order_body: dict[str, Any] | None = None
    order: Any = None
    placed: list[Any] = field(default_factory=list)
    workspaces: Any = None
    workspace: Any = None
    entitlements: Any = None
    details: Any = None
    app_parent: Any = None
    entitlement_id: str | None = None
    provisioning_site: str | None = None
    #: Set by steps that send a request the contracts refuse on purpose.
    lenient_requests: bool = False
    #: How long the scenario's clients wait for the network (a step may shorten it).
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    _id_count: int = 0
    _clients: list[Client] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:  # allure-pytest-bdd records step arguments by repr
        return f"World({self.scenario_key!r}, mode={self.settings.mode.value})"

    # -- ids and clients ----------------------------------------------------------

    def new_id(self) -> str:
        """A UUID fixed for this scenario and call count, so replayed bodies match."""
        self._id_count += 1
        return str(uuid.uuid5(_NAMESPACE, f"{self.scenario_key}#{self._id_count}"))

    def connect(self, auth: httpx.Auth | None) -> Client:
        """A client of the scenario's org, authenticated as ``auth``, checked by contract.

        Its transport (``SuiteTransport``) refuses an order for a real org without
        ``--allow-orders`` whatever sends it, and lets cassettes hold dropped connections.
        """
        client = Client(
            self.base_url,
            org_id=self.profile.org_id,
            auth=auth,  # type: ignore[arg-type]
            timeout=self.timeout,
            retry=self.retry_policy(),
            transport=SuiteTransport(self.settings, verify=tls_context()),
            sleep=self.clock.sleep,
            clock=self.clock.now,
            on_exchange=self.on_exchange,
        )
        self._clients.append(client)
        self.client = client
        return client

    def retry_policy(self) -> RetryPolicy:
        """The client's defaults; on virtual time without jitter: a backoff moves the
        sandbox clock, and a recording must repeat to the millisecond."""
        if isinstance(self.clock, ScenarioClock):
            return RetryPolicy(jitter=0.0)
        return RetryPolicy()

    def org_api_key(self) -> OrgApiKey:
        if not self.profile.api_key:
            raise AssertionError("the profile has no org API key (set ATLASSIAN_API_KEY)")
        return OrgApiKey(self.profile.api_key)

    def site_admin(self, role_via: str) -> SiteAdmin:
        admin = self.profile.site_admin(role_via)
        return SiteAdmin(admin.email, admin.api_token)

    @property
    def api(self) -> Client:
        if self.client is None:
            raise AssertionError("no one is authenticated yet: a Given step is missing")
        return self.client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        if self.control is not None:
            self.control.close()

    # -- calls ----------------------------------------------------------------------

    def attempt(self, call: Callable[[], T]) -> T | ApiError:
        """Run one API call; keep its result, or the ``ApiError`` it raised, as ``outcome``."""
        try:
            self.outcome = call()
        except ApiError as error:
            self.outcome = error
        return self.outcome

    def result(self, kind: type[T] | None = None) -> T:
        """The last call's result; fails the step with the API's own words if it was refused."""
        if isinstance(self.outcome, ApiError):
            raise AssertionError(f"the call was refused: {self.outcome}")
        if kind is not None and not isinstance(self.outcome, kind):
            raise AssertionError(f"expected a {kind.__name__}, got {self.outcome!r}")
        return self.outcome  # type: ignore[no-any-return]

    def refusal(self) -> ApiError:
        if not isinstance(self.outcome, ApiError):
            raise AssertionError(f"the call was not refused: it answered {self.outcome!r}")
        return self.outcome

    def guard_order(self) -> None:
        """Stop before an order leaves for a real org without ``--allow-orders``."""
        check_order_allowed(self.settings, self.base_url)

    @contextmanager
    def breaking_the_request_contract(self) -> Iterator[None]:
        """For steps that send a request the contracts refuse on purpose (no credentials,
        a missing header): its response is still checked."""
        before, self.lenient_requests = self.lenient_requests, True
        try:
            yield
        finally:
            self.lenient_requests = before

    # -- every exchange -------------------------------------------------------------

    def on_exchange(self, exchange: Exchange) -> None:
        """Check an exchange against the contracts, attach it to the report, and fail the
        step on a breach."""
        self.exchanges.append(exchange)
        request_problems: list[Violation] = []
        response_problems: list[Violation] = []
        if not self.lenient_requests:
            body = () if exchange.request_json is None else (exchange.request_json,)
            request_problems = validate_request(
                exchange.method, exchange.url, exchange.request_headers, *body
            )
        if exchange.status is not None:
            body = () if exchange.response_json is None else (exchange.response_json,)
            response_problems = validate_response(
                exchange.method, exchange.url, exchange.status, exchange.response_headers, *body
            )
        reporting.attach_exchange(
            exchange, request_problems + response_problems, self.profile.catalogue, self.base_url
        )
        refused = exchange.status is not None and refusal_explains(
            request_problems, exchange.status, exchange.response_json
        )
        if request_problems and not refused:
            raise ContractBreach(exchange, "request", request_problems)
        if response_problems:
            raise ContractBreach(exchange, "response", response_problems)
