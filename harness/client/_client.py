"""``Client``: one method per endpoint of the cookbook, over httpx.

Paths come from the contracts (``harness.contracts.operation(id).url(...)``), so the
client holds no URL of its own; path parameters (a product ARI, an org id) are
percent-encoded as one segment each.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

import httpx

from harness._redact import redacted_url
from harness._tls import tls_context_for
from harness.contracts import find_operation, operation, validate_request, validate_response

from ._auth import MASK, OrgApiKey, SiteAdmin, mask_text
from ._errors import (
    ContractViolationError,
    ErrorEntry,
    HarnessClientError,
    ResponseFormatError,
    TransportError,
    api_error_class,
)
from ._exchange import Exchange, dump_body
from ._models import (
    EntitlementDetails,
    Entitlements,
    Order,
    ProvisioningRequest,
    ProvisioningStatus,
    ShapeError,
    Workspace,
    WorkspacePage,
)
from ._retry import RetryPolicy, run_with_retries

if TYPE_CHECKING:
    from harness.contracts import Profile

log = logging.getLogger("harness.client")

DEFAULT_BASE_URL = "https://api.atlassian.com"
#: 10 s to connect, 30 s for each read, write and pool wait: explicit, never unbounded.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The most of a response body the client reads (16 MiB, decoded): the cookbook's largest
#: answer, a page of 100 workspaces, is a few hundred kB.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: Pages of the workspaces query read at most: 100,000 workspaces at its largest page size
#: (ASM-010), far beyond an org's; past it the paging is taken not to end.
MAX_WORKSPACE_PAGES = 1000
#: Seconds an attempt may take in all, body included: the read timeout bounds each read
#: only, so a server dripping a byte at a time would otherwise hold the client forever.
MAX_RESPONSE_SECONDS = 120.0

ExchangeListener = Callable[[Exchange], None]
M = TypeVar("M")

_NO_BODY: Any = object()


class ConfigurationError(HarnessClientError, ValueError):
    """The client cannot be set up from what it was given (e.g. no credentials in the
    environment); the message says what is missing."""


#: The environment variable a script's seconds between two polls of a wait come from.
POLL_SECONDS_ENV = "ATLASSIAN_POLL_SECONDS"


def poll_seconds_from_env(environ: Mapping[str, str] | None = None, default: float = 1.0) -> float:
    """``ATLASSIAN_POLL_SECONDS``: the seconds between two polls of a wait, for a script's
    ``poll_interval`` (``default`` when unset). ``ConfigurationError`` naming the value
    when it is not a number of seconds above 0 (``abc``, ``-1``, ``nan``, ``inf``)."""
    env = os.environ if environ is None else environ
    text = env.get(POLL_SECONDS_ENV)
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ConfigurationError(f"{POLL_SECONDS_ENV} {text!r} is not a number of seconds above 0")
    return seconds


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: httpx.Headers
    json: Any
    retry_after: float | None


@dataclass(frozen=True)
class _Call:
    """One operation's request, as every attempt of it sends it."""

    op_id: str
    method: str
    url: str
    headers: dict[str, str]
    body_text: str | None

    @property
    def content(self) -> bytes | None:
        return None if self.body_text is None else self.body_text.encode("utf-8")


class Client:
    """A client for the provisioning and commerce APIs of the cookbook.

    ::

        from harness.client import Client, OrgApiKey

        with Client(org_id="<org id>", auth=OrgApiKey("<API key>")) as client:
            request = client.provision_products(["<offering id>"], "admin@example.com",
                                                "acme-2", timezone="Australia/Sydney")
            ...

    - ``base_url``: the API root (default ``https://api.atlassian.com``).
    - ``org_id``: the organization id (Atlassian Administration URL, ``/o/{orgId}``).
    - ``auth``: ``OrgApiKey(key)`` (Bearer; needed to provision products) or
      ``SiteAdmin(email, api_token)`` (Basic; only the admin's own sites).
    - ``timeout``: an ``httpx.Timeout`` (default: 10 s connect, 30 s read/write/pool);
      ``max_response_seconds`` bounds a whole attempt, body included (default 120 s),
      ``max_response_bytes`` the body read (default 16 MiB): past them the attempt fails
      (``TransportError``, ``ResponseFormatError``) instead of waiting or growing.
    - ``retry``: a ``RetryPolicy`` (see ``harness.client.RetryPolicy`` for what is
      retried and why provisioning POSTs are not).
    - ``transport``: an httpx transport (tests, proxies); ``sleep`` and ``clock``
      (monotonic seconds) drive retries, waiters and the 10-minute window, and can be
      replaced so that nothing really waits.
    - ``validate_contracts``: check every request against the contracts *before* sending
      it (nothing is sent when it breaks them) and every response after; a breach
      raises ``ContractViolationError``.
    - ``on_exchange``: a callable, or several, called with an ``Exchange`` for every
      HTTP attempt (credentials masked). An exception it raises propagates.

    Errors: every method raises a subclass of ``HarnessClientError``: ``ApiError``
    subclasses for error statuses (envelope fields on the exception),
    ``ResponseFormatError`` for an unreadable success body, ``TransportError`` when no
    response came. Credentials never appear in ``repr()``, logs, errors or exchanges.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        org_id: str,
        auth: OrgApiKey | SiteAdmin,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        validate_contracts: bool = False,
        on_exchange: ExchangeListener | Sequence[ExchangeListener] | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_response_seconds: float = MAX_RESPONSE_SECONDS,
    ) -> None:
        if not org_id:
            raise ConfigurationError("Client needs an org_id")
        _check_base_url(base_url)
        if not isinstance(auth, OrgApiKey | SiteAdmin):
            raise ConfigurationError("auth must be OrgApiKey(key) or SiteAdmin(email, api_token)")
        self.base_url = base_url.rstrip("/")
        self.org_id = org_id
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.validate_contracts = validate_contracts
        self.max_response_bytes = max_response_bytes
        self.max_response_seconds = max_response_seconds
        if on_exchange is None:
            self.exchange_listeners: list[ExchangeListener] = []
        elif callable(on_exchange):
            self.exchange_listeners = [on_exchange]
        else:
            self.exchange_listeners = list(on_exchange)
        self._http = httpx.Client(
            auth=auth,
            timeout=timeout,
            transport=transport,
            verify=tls_context_for(self.base_url),  # shared: one of its own costs ~20 ms
            follow_redirects=False,  # never carry credentials to another URL
            headers={"User-Agent": "provisioning-harness-client/0.1"},
        )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        profile: Profile | None = None,
        **kwargs: Any,
    ) -> Client:
        """A client configured from the environment.

        - ``ATLASSIAN_BASE_URL`` (default ``https://api.atlassian.com``);
        - ``ATLASSIAN_ORG_ID``, else ``profile.org_id``;
        - ``ATLASSIAN_API_KEY`` (Bearer), else ``ATLASSIAN_SITE_ADMIN_EMAIL`` with
          ``ATLASSIAN_SITE_ADMIN_TOKEN`` (Basic), else ``profile.api_key``.

        With only ``ATLASSIAN_BASE_URL`` set and the sandbox's default profile, this is a
        client of the sandbox org. Other keyword arguments go to ``Client``.
        """
        env = os.environ if environ is None else environ
        org_id = env.get("ATLASSIAN_ORG_ID") or (profile.org_id if profile else None)
        if not org_id:
            raise ConfigurationError("no org id: set ATLASSIAN_ORG_ID or give a profile")
        email_, token = env.get(SiteAdmin.ENV_EMAIL), env.get(SiteAdmin.ENV_TOKEN)
        auth: OrgApiKey | SiteAdmin
        if env.get(OrgApiKey.ENV):
            auth = OrgApiKey(env[OrgApiKey.ENV])
        elif email_ or token:
            if not (email_ and token):
                raise ConfigurationError(
                    f"set both {SiteAdmin.ENV_EMAIL} and {SiteAdmin.ENV_TOKEN}, or neither"
                )
            auth = SiteAdmin(email_, token)
        elif profile is not None and profile.api_key:
            auth = OrgApiKey(profile.api_key)
        else:
            raise ConfigurationError(
                f"no credentials: set {OrgApiKey.ENV}, or {SiteAdmin.ENV_EMAIL} and "
                f"{SiteAdmin.ENV_TOKEN}"
            )
        base_url = env.get("ATLASSIAN_BASE_URL") or DEFAULT_BASE_URL
        return cls(base_url, org_id=org_id, auth=auth, **kwargs)

    # -- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections (the context manager does it on exit)."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, org_id={self.org_id!r}, auth={self.auth!r})"

    # -- prerequisites --------------------------------------------------------------

    def entitlements(self, product_ari: str) -> Entitlements:
        """The entitlements of a product instance (cookbook, 'Prerequisites': Get product
        entitlement ID). ``product_ari`` is the workspace id, e.g.
        ``ari:cloud:jira-software::site/<cloudId>``; it is sent percent-encoded (given
        encoded, as the cookbook shows it, it is not encoded twice: ``plain_ari``)."""
        params = {"orgId": self.org_id, "productAri": plain_ari(product_ari)}
        reply = self._call("entitlements.list", params)
        return self._model("entitlements.list", reply, Entitlements.from_json)

    def entitlement_details(self, entitlement_id: str) -> EntitlementDetails:
        """An entitlement's details: its family container (``family_container_id``), its
        parent Enterprise entitlement and billing anchor (cookbook, 'Prerequisites',
        'Existing sites')."""
        reply = self._call("entitlements.details", {"entitlementId": entitlement_id})
        return self._model("entitlements.details", reply, EntitlementDetails.from_json)

    # -- provisioning ---------------------------------------------------------------

    def provision_products(
        self,
        offerings: Iterable[str],
        admin_email: str,
        name: str,
        timezone: str | None = None,
        location: str | None = None,
    ) -> ProvisioningRequest:
        """Provision product instances (cookbook, 'Provision product instances').

        ``offerings`` are offering ids; ``name`` is the new site's name (it becomes
        ``https://{name}.atlassian.net``; give ``timezone`` for a new site) or an
        existing site's name (the part before ``.atlassian.net``, no timezone);
        ``location`` (e.g. ``us``) is set on every offering when given. Needs
        ``OrgApiKey``.

        Place the order **within 10 minutes** (``ProvisioningRequest.created_at``
        is when this was sent, on the client clock), naming ``request.request_id``.
        Not retried on 5xx or a dropped connection (see ``RetryPolicy``): a retry could
        provision twice.
        """
        body: dict[str, Any] = {
            "offerings": [
                {"id": oid, **({"location": location} if location else {})} for oid in offerings
            ],
            "parameters": {"adminEmail": admin_email, "name": name},
        }
        if timezone:
            body["parameters"]["timezone"] = timezone
        sent_at = self.clock()
        reply = self._call("products.provision", {"orgId": self.org_id}, body=body)
        return self._model(
            "products.provision", reply, lambda raw: ProvisioningRequest.from_json(raw, sent_at)
        )

    def provision_app(
        self, product_ari: str, offerings: Iterable[str], admin_email: str, app_key: str
    ) -> ProvisioningRequest:
        """Provision an app on a product instance (cookbook, 'Provision apps').

        ``product_ari`` is the workspace id of the product (``query_workspaces``; given
        percent-encoded, it is not encoded twice: ``plain_ari``); ``app_key`` the app's key
        (agreeing to the partner's EULA is the caller's business). Order it within 10
        minutes, as for products. Not retried blindly.
        """
        body = {
            "offerings": [{"id": oid} for oid in offerings],
            "parameters": {"adminEmail": admin_email, "appKey": app_key},
        }
        sent_at = self.clock()
        reply = self._call(
            "apps.provision",
            {"orgId": self.org_id, "productAri": plain_ari(product_ari)},
            body=body,
        )
        return self._model(
            "apps.provision", reply, lambda raw: ProvisioningRequest.from_json(raw, sent_at)
        )

    def provisioning_status(
        self, request_id_or_status_url: str | ProvisioningRequest
    ) -> ProvisioningStatus:
        """The status of a provisioning request (cookbook, 'Check provisioning status'):
        IN_PROGRESS until its order succeeds.

        Takes the ``ProvisioningRequest``, its ``status_url`` or its request id. A status
        URL's path is requested on this client's ``base_url``: credentials never go to
        a host a response names.
        """
        target = request_id_or_status_url
        if isinstance(target, ProvisioningRequest):
            target = target.status_url
        if "/" in target:
            match = find_operation("GET", urlsplit(target).path)
            if match is None or match.operation.id != "provisioning.status":
                raise ValueError(f"not a provisioning status URL: {target!r}")
            params = dict(match.path_params)
        else:
            params = {"orgId": self.org_id, "requestId": target}
        reply = self._call("provisioning.status", params)
        return self._model(
            "provisioning.status",
            reply,
            lambda raw: ProvisioningStatus.from_json(raw, reply.retry_after),
        )

    # -- workspaces -----------------------------------------------------------------

    def query_workspaces(
        self,
        site_name: str | Sequence[str] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> WorkspacePage:
        """One page of the org's workspaces, filtered by site name(s) when given (cookbook,
        'Provision apps', 'Existing sites'). A workspace's ``id`` is its product ARI.
        ``cursor`` is the previous page's ``next_cursor``; ``limit`` the page size, 1 to
        100 (ASM-010). Both travel in the body, as the Org Workspaces API reference has
        them; a cursor alone there, since it carries its query and page size (ASM-028).
        A site admin sees only their own sites."""
        body: dict[str, Any] = {}
        if cursor is not None:
            body["cursor"] = cursor
        else:
            if site_name is not None:
                values = [site_name] if isinstance(site_name, str) else list(site_name)
                body["query"] = {"field": {"name": "attributes.name", "values": values}}
            if limit is not None:
                body["limit"] = limit
        reply = self._call("workspaces.query", {"orgId": self.org_id}, body=body)
        return self._model("workspaces.query", reply, WorkspacePage.from_json)

    def iter_workspace_pages(
        self,
        site_name: str | Sequence[str] | None = None,
        limit: int | None = None,
        max_pages: int = MAX_WORKSPACE_PAGES,
    ) -> Iterator[WorkspacePage]:
        """Every page, following ``links.next`` until it is null. A cursor seen before, or
        a ``max_pages``-th page that names yet another, is a ``ResponseFormatError``:
        paging that never ends would otherwise never return."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.query_workspaces(site_name, cursor=cursor, limit=limit)
            yield page
            cursor = page.next_cursor
            if cursor is None:
                return
            if cursor in seen:
                raise ResponseFormatError(
                    "workspaces.query", 200, f"repeats the cursor {cursor!r} (a paging loop)"
                )
            seen.add(cursor)
            if len(seen) >= max_pages:
                raise ResponseFormatError(
                    "workspaces.query",
                    200,
                    f"names a next page after {max_pages} pages, each cursor new (paging "
                    "that does not end)",
                )

    def iter_workspaces(
        self, site_name: str | Sequence[str] | None = None, limit: int | None = None
    ) -> Iterator[Workspace]:
        """Every workspace of every page."""
        for page in self.iter_workspace_pages(site_name, limit):
            yield from page.workspaces

    # -- commerce -------------------------------------------------------------------

    def place_order(
        self,
        order: Mapping[str, Any],
        *,
        send_transaction_account_header: bool = True,
        api_version: str = "v2",
    ) -> Order:
        """Place an order (cookbook, 'Place order'); build it with ``OrderBuilder``.

        It must name a provisioning request that is still waiting and at most 10 minutes
        old (``metadata.provisionRequestId``); ``journeys.place_order_in_window`` refuses
        to send a late one. ``orderId`` is the idempotency key: resending the same order
        returns it and creates nothing, so this call is retried on 502/503/504 and
        dropped connections; the same orderId with another body is refused (409,
        ``ConflictError``). ``X-transaction-account`` carries the body's
        ``transactionAccountId`` unless ``send_transaction_account_header`` is False.
        ``api_version="v1"`` posts to ``/commerce/api/v1/orders``, as the cookbook's
        existing-site sample does (erratum ERR-005).
        """
        if api_version not in ("v1", "v2"):
            raise ValueError("api_version is 'v1' or 'v2'")
        op_id = "orders.place" if api_version == "v2" else "orders.place.v1"
        headers = {}
        account = order.get("transactionAccountId")
        if send_transaction_account_header and isinstance(account, str):
            headers["X-transaction-account"] = account
        reply = self._call(op_id, {}, body=dict(order), headers=headers)
        return self._model(op_id, reply, lambda raw: Order.from_json(raw, reply.retry_after))

    def get_order(self, order_id: str, transaction_account_id: str) -> Order:
        """An order and each item's processing status (cookbook, 'Track the order'); an
        item's ``entitlement_id`` appears once it reached SUCCESS."""
        reply = self._call(
            "orders.get",
            {"orderId": order_id},
            headers={"X-transaction-account": transaction_account_id},
        )
        return self._model("orders.get", reply, lambda raw: Order.from_json(raw, reply.retry_after))

    # -- plumbing -------------------------------------------------------------------

    def _model(self, op_id: str, reply: _Reply, read: Callable[[Any], M]) -> M:
        try:
            return read(reply.json)
        except ShapeError as exc:
            raise ResponseFormatError(
                op_id, reply.status, f"lacks what the client reads: {exc}"
            ) from None

    def _call(
        self,
        op_id: str,
        path_params: Mapping[str, str],
        *,
        body: Any = _NO_BODY,
        headers: Mapping[str, str] | None = None,
    ) -> _Reply:
        """Send one operation (checked first when ``validate_contracts``), with retries."""
        call = self._prepare(op_id, path_params, body, headers)
        if self.validate_contracts:
            shown = {**call.headers, **self.auth.sent_headers()}
            sent = () if body is _NO_BODY else (body,)
            found = validate_request(call.method, call.url, shown, *sent)
            if found:
                raise ContractViolationError(op_id, "request", found, None)
        return run_with_retries(
            self.retry,
            op_id,
            lambda number: self._attempt(call, number),
            sleep=self.sleep,
            clock=self.clock,
        )

    def _prepare(
        self,
        op_id: str,
        path_params: Mapping[str, str],
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> _Call:
        """The request of an operation: its URL from the contracts, headers, JSON body."""
        op = operation(op_id)
        url = op.url(self.base_url, **path_params)
        send_headers = {"Accept": "application/json", **(headers or {})}
        body_text = None
        if body is not _NO_BODY:
            body_text = dump_body(body)
            send_headers["Content-Type"] = "application/json"
        return _Call(op_id, op.method, url, send_headers, body_text)

    def _attempt(self, call: _Call, number: int) -> _Reply:
        """One HTTP attempt: send, record it as an ``Exchange``, then judge the answer."""
        request = self._http.build_request(
            call.method, call.url, headers=call.headers, content=call.content
        )
        shown = self._shown_headers(request)
        if log.isEnabledFor(logging.DEBUG):
            sent = self._mask(call.body_text) if call.body_text is not None else "-"
            log.debug(
                "-> %s %s %s headers=%s body=%s", call.op_id, call.method, call.url, shown, sent
            )
        # What every record of this attempt says of the request, response or not.
        record = functools.partial(
            Exchange,
            operation=call.op_id,
            method=call.method,
            url=call.url,
            request_headers=shown,
            request_json=None if call.body_text is None else json.loads(call.body_text),
            request_body=call.body_text,
            attempt=number,
            auth_curl_header=self.auth.curl_header(),
            auth_curl_variables=self.auth.curl_variables(),
        )
        response, body, elapsed = self._send(call, request, record)
        text, problem = _decode(body, self.max_response_bytes)
        text = self._mask(text)
        parsed, problem = _parse_json(text) if problem is None else (None, problem)
        self._record(
            record(
                status=response.status_code,
                response_headers=dict(response.headers),
                response_json=parsed if problem is None else None,
                response_text=text,
                elapsed=elapsed,
            )
        )
        log.debug(
            "<- %s %s in %.3f s body=%s",
            call.op_id,
            response.status_code,
            elapsed,
            text[:2000] or "-",
        )
        if self.validate_contracts:
            args = () if problem is not None else (parsed,)
            found = validate_response(
                call.method, call.url, response.status_code, response.headers, *args
            )
            if found:
                raise ContractViolationError(call.op_id, "response", found, response.status_code)
        return _judge(call.op_id, response, text, parsed, problem, self._mask)

    def _send(
        self, call: _Call, request: httpx.Request, record: Callable[..., Exchange]
    ) -> tuple[httpx.Response, bytes, float]:
        """The response, its body (at most one byte past ``max_response_bytes``) and how
        long it took; no response in time is recorded and raised as the client's
        ``TransportError`` (credentials masked, the httpx error not chained)."""
        started = time.perf_counter()  # wall time: what a dripping server stretches
        try:
            response = self._http.send(request, stream=True)
            try:
                body = self._read_body(response, request, started)
            finally:
                response.close()
            return response, body, time.perf_counter() - started
        except httpx.TransportError as exc:
            elapsed = time.perf_counter() - started
            cause = self._mask(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            self._record(
                record(
                    status=None,
                    response_headers={},
                    response_json=None,
                    response_text=None,
                    elapsed=elapsed,
                    error=cause,
                )
            )
            log.debug("<- %s no response after %.3f s: %s", call.op_id, elapsed, cause)
            sent = False if isinstance(exc, _NOT_SENT) else None
            # Not chained: the httpx error holds the request, Authorization and all.
            raise TransportError(call.op_id, call.method, call.url, cause, sent=sent) from None

    def _read_body(self, response: httpx.Response, request: httpx.Request, started: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                break  # one byte past the cap is enough to say so
            if time.perf_counter() - started > self.max_response_seconds:
                raise httpx.ReadTimeout(
                    f"the response took more than {self.max_response_seconds:g} s in all",
                    request=request,
                )
        return b"".join(chunks)[: self.max_response_bytes + 1]

    def _record(self, exchange: Exchange) -> None:
        for listener in list(self.exchange_listeners):
            listener(exchange)

    def _mask(self, text: str) -> str:
        return mask_text(text, self.auth.secrets())

    def _shown_headers(self, request: httpx.Request) -> dict[str, str]:
        # The auth flow adds its header when sending: show what it adds (masked), and no
        # Authorization header when it adds none (a request sent without credentials).
        added = self.auth.sent_headers()
        replaced = {name.lower() for name in added} | {"authorization"}
        shown = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in request.headers.raw
            if name.decode("latin-1").lower() not in replaced
        }
        shown.update(added)
        return {k: self._mask(v) for k, v in shown.items()}


def _judge(
    op_id: str,
    response: httpx.Response,
    text: str,
    parsed: Any,
    problem: str | None,
    mask: Callable[[str], str],
) -> _Reply:
    """The reply of a success; an ``ApiError`` subclass for an error status, a
    ``ResponseFormatError`` for a success whose body is not JSON."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    status = response.status_code
    if status >= 300 or status < 200:
        entries, envelope_problem = _envelope(parsed, problem)
        if 300 <= status < 400:
            # Never followed: the Authorization header must not go where a response says.
            where = redacted_url(mask(response.headers.get("location", "")))
            envelope_problem = f"a redirect to {where}, not followed"
        raise api_error_class(status)(
            op_id,
            status,
            entries,
            body=text,
            retry_after=retry_after,
            envelope_problem=envelope_problem,
        )
    if problem is not None:
        raise ResponseFormatError(op_id, status, f"body is {problem}", text)
    return _Reply(status, response.headers, parsed, retry_after)


# A connect that never succeeded: the request did not reach the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _check_base_url(base_url: str) -> None:
    """A ``ConfigurationError`` for a base URL the client cannot use; the message shows
    the URL without a user name or password it may hold."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {redacted_url(base_url)!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"base_url must not hold a user name or password ({redacted_url(base_url)}): "
            "give the credentials as auth="
        )


def _decode(body: bytes, limit: int) -> tuple[str, str | None]:
    """The body as text, and None or what is wrong with it: past ``limit`` bytes, or not
    UTF-8 (JSON's one encoding, RFC 8259), shown then with U+FFFD for the bad bytes."""
    if len(body) > limit:
        return body[:limit].decode(
            "utf-8", "replace"
        ), f"larger than {limit} bytes (read no further)"
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
        return body.decode("utf-8", "replace"), problem


def _parse_json(text: str) -> tuple[Any, str | None]:
    """The parsed body and None, or None and what is wrong with it ("empty", ...)."""
    if not text.strip():
        return None, "empty"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
        return None, f"{'truncated' if at_end else 'not JSON'} ({exc.msg} at char {exc.pos})"
    except RecursionError:
        return None, "not JSON the client reads (nested too deep)"
    except ValueError:  # an integer of more digits than Python converts (4300)
        return None, "not JSON the client reads (a number of thousands of digits)"


def _envelope(parsed: Any, problem: str | None) -> tuple[list[ErrorEntry], str | None]:
    if problem is not None:
        return [], f"body is {problem}"
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if not isinstance(errors, list) or not errors:
        return [], "body is not the error envelope"
    return [ErrorEntry.from_json(e) for e in errors if isinstance(e, dict)], None


#: A ``Retry-After`` in seconds: digits (RFC 9110 10.2.3; ASM-016), a fraction and a minus
#: sign tolerated. Not what ``float`` also reads: nan, inf, 1e3, 1_000, non-ASCII digits.
_DELAY_SECONDS = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: whole seconds (ASM-016) or an HTTP date (a
    past one, or a negative number: 0; a date without a zone is GMT, as HTTP's are); None
    for anything else. A huge one stays huge: the retry policy and the waiters refuse to
    wait longer than they may (``RetryPolicy.max_retry_after``, a wait's timeout)."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        seconds = float(value)  # inf for thousands of digits
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.UTC)
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "MASK", "Client", "ConfigurationError"]


def plain_ari(product_ari: str) -> str:
    """A product ARI as a workspace's id has it (``ari:cloud:...``). The cookbook shows it
    percent-encoded for the URL ('Provision apps': ``ari%3Acloud%3Aconfluence%3A%3Asite%2F
    123``), and the client encodes path segments itself: one given encoded is decoded first,
    so that it is not sent encoded twice. What it decodes to is checked as any ARI is (a
    trailing newline, ERR-004, is refused by the contracts)."""
    if product_ari[:6].lower() == "ari%3a":
        return unquote(product_ari)
    return product_ari
