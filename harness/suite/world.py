"""The world of one scenario: who is calling, what came back, and the scenario's clock.

Step definitions (``features/steps/``) read and write a ``World``; they never talk to
the sandbox's internals. Every HTTP exchange the client makes is checked against the
contracts here (``World.on_exchange``): a breach fails the step at once, naming the
operation, the JSON pointer and the field.

The world is where a scenario meets its org: the roles it names are resolved from the
profile (``role``, ``site_for``), the names it gives new sites and orders come from the
run's ``Naming`` (fresh per run against a shared org), its requests go through a
transport that refuses what its tier tag and the run do not allow, and its waits report
their progress (``wait_for_order``, ``wait_for_provisioning``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from harness._tls import tls_context_for
from harness.client import (
    DEFAULT_TIMEOUT,
    ApiError,
    Client,
    Exchange,
    Order,
    OrderFailed,
    OrgApiKey,
    ProvisioningFailed,
    ProvisioningRequest,
    ProvisioningStatus,
    RetryPolicy,
    SiteAdmin,
    journeys,
    wait_for_order,
    wait_for_provisioning,
)
from harness.contracts import (
    MissingRole,
    Profile,
    SideEffect,
    Site,
    Violation,
    refusal_explains,
    roles,
)
from harness.contracts.profile import SiteProduct

from . import attachments
from .assumptions import writes_ledger
from .extensions import Checks, Guards
from .modes import Mode, RunSettings
from .naming import Naming
from .progress import WaitProgress
from .tiers import check_allowed
from .transport import Resolver, SuiteTransport

if TYPE_CHECKING:
    from harness.sandbox import SandboxControl

T = TypeVar("T")
#: Seconds between polls of a wait: on virtual time (the cassettes hold this pace), and
#: on a real clock (kinder to a real org, still close behind a sandbox's real pace).
POLL_SECONDS = 1.0
REAL_POLL_SECONDS = 2.0


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
    #: How the run names new sites, orders and items (fresh per run on a shared org).
    naming: Naming = field(default_factory=lambda: Naming(roles.DEFAULT_SITE_PREFIX))
    #: The most the scenario's requests may do (its tier tag).
    tier: SideEffect = SideEffect.ORDERS
    #: Whether the scenario changes the sites its roles give it for good (``@consumes``).
    consumes: bool = False
    #: Where its waits report progress (None: the report only, through ``WaitProgress``).
    progress: WaitProgress | None = None
    #: The site a role gave the scenario ("that site").
    site: Site | None = None
    #: The new sites the scenario provisioned, by the label the feature gives them.
    sites: dict[str, str] = field(default_factory=dict)
    #: The profile's site admin the scenario authenticated as, if any.
    admin: Any = None
    #: The contract checks of each exchange (``extensions.Checks``).
    checks: Checks = field(default_factory=Checks)
    #: Which of the suite's guards are on (``extensions.Guards``).
    guards: Guards = field(default_factory=Guards)
    #: Host name -> address for every connection (None: the system's resolver).
    resolve: Resolver | None = None
    _id_count: int = 0
    _faults_to_clear: bool = False
    _clients: list[Client] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:  # allure-pytest-bdd records step arguments by repr
        return f"World({self.scenario_key!r}, mode={self.settings.mode.value})"

    # -- ids, names and clients ------------------------------------------------------

    def new_id(self) -> str:
        """A UUID of this scenario and call count (and of the run, on a shared org), so
        replayed bodies match and fresh runs never reuse an order id."""
        self._id_count += 1
        return self.naming.uuid(self.scenario_key, self._id_count)

    def new_site_name(self, label: str) -> str:
        """The name of the new site the feature calls ``label`` (remembered for later steps)."""
        name = self.naming.site(label, self.scenario_key)
        self.sites[label] = name
        return name

    def site_named(self, label: str) -> str:
        """The name of a new site this scenario provisioned as ``label``."""
        if label not in self.sites:
            made = ", ".join(repr(k) for k in self.sites) or "none"
            raise AssertionError(
                f"this scenario provisioned no new site {label!r} (it provisioned: {made})"
            )
        return self.sites[label]

    def item_id(self, label: str) -> str:
        """The itemId the features call ``label`` (``O2``) in this run."""
        return self.naming.item_id(label)

    def order_options(self) -> dict[str, Any]:
        """``OrderBuilder`` options: a fresh order id, this run's item ids."""
        return {"order_id": self.new_id(), "item_id_format": self.naming.item_id_format}

    def connect(self, auth: httpx.Auth | None) -> Client:
        """A client of the scenario's org, authenticated as ``auth``, checked by contract,
        used by the steps from now on (``api``)."""
        self.client = self._new_client(auth)
        return self.client

    def _new_client(self, auth: httpx.Auth | None) -> Client:
        """Its transport (``SuiteTransport``) refuses whatever the run or the scenario's
        tier does not allow, before sending, and lets cassettes hold dropped connections."""
        client = Client(
            self.base_url,
            org_id=self.profile.org_id,
            auth=auth,  # type: ignore[arg-type]
            timeout=self.timeout,
            retry=self.retry_policy(),
            transport=SuiteTransport(
                self.settings,
                verify=tls_context_for(self.base_url),
                scenario_tier=self.tier,
                resolve=self.resolve,
            ),
            sleep=self.clock.sleep,
            clock=self.clock.now,
            on_exchange=self.on_exchange,
        )
        self._clients.append(client)
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
        how = {"direct": "directly", "group": "through a group"}[role_via]
        name = f"the site admin who holds the role {how}"
        self.admin = self.role(name)
        attachments.played_by(name, f"the profile's site admin {self.admin.email}")
        return SiteAdmin(self.admin.email, self.admin.api_token)

    # -- roles ------------------------------------------------------------------------

    def role(self, name: str) -> Any:
        """What plays the role ``name`` in the profile; a role it lacks skips the scenario
        with the reason (the plugin checks a scenario's roles before it starts, so this
        is only reached by a role no step declared)."""
        try:
            return roles.resolve(self.profile, name)
        except MissingRole as missing:
            import pytest

            pytest.skip(str(missing))

    def site_for(self, name: str) -> Site:
        """The site playing the role ``name`` ("that site" from now on). A scenario that
        changes it for good (``@consumes``) gets a site made for it when the org is
        shared (a fresh run): the profile's own sites are never changed there."""
        role = roles.role(name)
        if self.consumes and self.naming.fresh and role.made_with:
            self.site = self._make_site(role)
        else:
            self.site = self.role(name)
            # The feature names a role; the report says what played it in this org.
            attachments.played_by(name, f"the profile's site {self.site.name}")
        return self.site

    def _make_site(self, role: roles.Role) -> Site:
        """A new site with ``role.made_with`` (Enterprise), provisioned, ordered and
        COMPLETED, as the new-site journey does; named for the run and this scenario."""
        name = self.new_site_name("-".join(role.made_with))
        for product in role.made_with:
            self.role(roles.offering_role(roles.ENTERPRISE_WORDS[product]))
        client = self._new_client(self.org_api_key())
        progress = self.progress or WaitProgress(self.scenario_key)
        with attachments.step(f"make {role.name}: new site {name}, for this scenario to change"):
            done = journeys.new_site(
                client,
                self.profile,
                name,
                products=role.made_with,
                admin_email=self.role("the admin e-mail of new products"),
                timezone=roles.timezone(self.profile),
                location=self.profile.defaults.get("location"),
                poll_interval=self.poll_interval,
                on_poll=progress.on_poll,
                order_options=self.order_options(),
            )
            workspaces = list(client.iter_workspaces(name))
        if not workspaces:
            raise AssertionError(f"site {name} was provisioned and ordered, yet has no workspace")
        ari = workspaces[0].product_ari
        offerings = self.profile.catalogue.offerings
        container: str | None = None
        products: list[SiteProduct] = []
        for sent in done.order_body["items"]:
            offering = offerings[sent["offeringId"]]
            entitlement = done.order.item(sent["itemId"]).entitlement_id or ""
            if offering.is_family_container:
                container = entitlement
            elif offering.is_instance:
                products.append(SiteProduct(offering.product, offering.id, entitlement))
        return Site(name, ari.rsplit("/", 1)[-1], container, tuple(products))

    @property
    def api(self) -> Client:
        if self.client is None:
            raise AssertionError("no one is authenticated yet: a Given step is missing")
        return self.client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        if self.control is not None:
            if self._faults_to_clear:  # leave a shared sandbox as it was
                self.control.clear_faults()
            self.control.close()

    def inject_fault(self, spec: dict[str, Any]) -> None:
        """Make the sandbox misbehave as ``spec`` says (``POST /_sandbox/faults``,
        ``harness.sandbox.faults``). A sandbox that is not reset before each scenario has
        its faults cleared when the scenario ends. In replay the cassette holds what the
        fault did, so nothing is sent; an org that is no harness sandbox cannot do it."""
        if self.settings.mode is Mode.REPLAY:
            return
        if self.control is None:
            raise AssertionError(
                f"{self.base_url} is not a harness sandbox: it cannot be made to misbehave "
                "(tag the scenario @sandbox-faults, so that such a run leaves it out)"
            )
        self.control.add_fault(spec)
        self._faults_to_clear = not self.settings.resets_org

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

    def not_sent(self, operation: str, error: Exception, body: Any = None) -> None:
        """The client refused to send ``operation`` (``error`` says why): the outcome, and
        the report shows it where the exchange would have been."""
        self.outcome = error
        attachments.attach_not_sent(operation, str(error), body)

    @property
    def sandbox_answers(self) -> bool:
        """Whether the answers are the harness sandbox's own (local, replay, record on
        loopback): its refusals carry its rule ids, codes and words. Against an org (a run
        that writes the assumption ledger) a step checks a refusal's status and where it
        points, never those (ASM-060)."""
        return not writes_ledger(self.settings)

    def unchecked_against_org(self, what: str) -> None:
        """Say in the report what a step leaves unchecked against an org (ASM-060)."""
        with attachments.step(
            f"not checked against an org: {what}, the harness sandbox's own (ASM-060)"
        ):
            pass

    def refusal(self) -> ApiError:
        if not isinstance(self.outcome, ApiError):
            raise AssertionError(f"the call was not refused: it answered {self.outcome!r}")
        return self.outcome

    def guard_order(self) -> None:
        """Stop before an order leaves for a real org without ``--allow-orders``, or from
        a scenario whose tier tag is lower than ``@orders`` (unless a test switched this
        guard off to prove the transport's: ``Guards.order_steps``)."""
        if not self.guards.order_steps:
            return
        check_allowed(
            self.settings,
            self.base_url,
            SideEffect.ORDERS,
            scenario_tier=self.tier,
            what="orders.place",
        )

    # -- waits ------------------------------------------------------------------------

    @property
    def poll_interval(self) -> float:
        return POLL_SECONDS if isinstance(self.clock, ScenarioClock) else REAL_POLL_SECONDS

    def wait_for_order(self, order: Order) -> Order:
        """Poll the order until every item is SUCCESS (``OrderFailed`` when one FAILED),
        reporting each poll."""
        with self._waiting(f"order {order.order_id}", self._deadline(600.0, "processing")) as pace:
            return wait_for_order(self.api, order, **pace)

    def order_outcome(self, order: Order) -> Order | OrderFailed:
        """Poll the order until it is final: the order once every item is SUCCESS, or the
        ``OrderFailed`` naming the item that FAILED (returned, not raised: the wait ended as
        a scenario that expects the failure wants, and the report shows it so)."""
        with self._waiting(f"order {order.order_id}", self._deadline(600.0, "processing")) as pace:
            try:
                return wait_for_order(self.api, order, **pace)
            except OrderFailed as failed:
                return failed

    def wait_for_provisioning(self, request: ProvisioningRequest) -> ProvisioningStatus:
        """Poll the provisioning request until it is final: COMPLETED, or FAILED (returned,
        not raised), reporting each poll."""
        deadline = self._deadline(900.0, "provisioning")
        with self._waiting(f"provisioning request {request.request_id}", deadline) as pace:
            try:
                return wait_for_provisioning(self.api, request, **pace)
            except ProvisioningFailed as failed:
                return failed.status

    def _deadline(self, usual: float, what: str) -> float:
        """A wait's deadline: ``usual``, or the seconds the profile says the org takes for
        ``what`` (``sandbox.processingDelaySeconds``, ``provisioningDelaySeconds``: up to
        an hour) and half of ``usual`` again, when that is longer: an org served at the
        profile's pace passes."""
        pace = self.profile.sandbox.get(f"{what}DelaySeconds", 0)
        pace = float(pace) if isinstance(pace, int | float) else 0.0
        return max(usual, pace + usual / 2)

    @contextmanager
    def _waiting(self, what: str, timeout: float) -> Iterator[dict[str, Any]]:
        """A wait reported as progress; yields the waiter's pace: its deadline, polls on
        the scenario's clock, and where each poll is reported."""
        progress = self.progress or WaitProgress(self.scenario_key)
        with progress.wait(what, timeout) as on_poll:
            yield {
                "timeout": timeout,
                "poll_interval": self.poll_interval,
                "clock": self.clock.now,
                "sleep": self.clock.sleep,
                "on_poll": on_poll,
            }

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
            request_problems = self.checks.request(
                exchange.method, exchange.url, exchange.request_headers, *body
            )
        if exchange.status is not None:
            body = () if exchange.response_json is None else (exchange.response_json,)
            response_problems = self.checks.response(
                exchange.method, exchange.url, exchange.status, exchange.response_headers, *body
            )
        refused = exchange.status is not None and refusal_explains(
            request_problems, exchange.status, exchange.response_json
        )
        breach = None
        if request_problems and not refused:
            breach = ContractBreach(exchange, "request", request_problems)
        elif response_problems:
            breach = ContractBreach(exchange, "response", response_problems)
        # Raises the breach, failing the exchange's step in the report and then this one.
        attachments.attach_exchange(
            exchange,
            request_problems + response_problems,
            self.profile.catalogue,
            self.base_url,
            breach=breach,
        )
