"""The HTTP transport under every scenario's client (``World.connect``), three layers:

1. **The tier guard, at the last moment** (``SuiteTransport``). Each request's side effect
   comes from the contracts (``harness.contracts.side_effect``: provisioning, orders, or
   read-only); no request leaves for a host that is not loopback unless the run allows
   its tier (``--allow-provisioning``, ``--allow-orders``), nor one beyond its scenario's
   tier tag (``tiers.check_allowed``). The order steps ask ``World.guard_order`` first;
   this stops every other code path, whatever sends it, before any byte is sent.
2. **The recordable layer**: an ``httpx.MockTransport`` around the network, which is what
   vcrpy patches (it records and replays every ``httpx.MockTransport``, as it does
   ``httpx.HTTPTransport``). In local and live runs it only passes requests on.
3. **The network** (``NetworkTransport``): an httpx transport of our own over httpcore's
   public connection pool. A failure to get a whole response becomes a marker response
   (status ``TRANSPORT_ERROR_STATUS``, header ``TRANSPORT_ERROR_HEADER`` naming the httpx
   error, the message as body), which vcrpy records like any other; layer 1 turns the
   marker back into that httpx error, in every mode. So local, record and replay runs
   raise the same error at the same attempt. ``harness cassettes check`` knows the
   marker (it is not a response of the API). ``resolve`` maps a host name to the address
   to connect to (tests pose a loopback server as a remote host with it).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from harness.contracts import SideEffect, find_operation, side_effect

from .modes import RunSettings
from .tiers import check_allowed

#: Status of the marker response standing for "no response" (not an HTTP status the API uses).
TRANSPORT_ERROR_STATUS = 599
#: Header of the marker response: the name of the httpx error that happened.
TRANSPORT_ERROR_HEADER = "x-harness-transport-error"
#: The httpx errors a marker may name (httpcore's errors carry the same names).
TRANSPORT_ERRORS: dict[str, type[httpx.TransportError]] = {
    cls.__name__: cls
    for cls in (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.CloseError,
        httpx.RemoteProtocolError,
        httpx.LocalProtocolError,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.NetworkError,
        httpx.TimeoutException,
        httpx.ProtocolError,
        httpx.TransportError,
    )
}
_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
#: Maps a host name to the address to connect to (None: the system's resolver).
Resolver = Callable[[str], str]


def request_effect(request: httpx.Request) -> tuple[SideEffect, str]:
    """What a request would do to the org, and what to call it in a refusal."""
    url = str(request.url)
    match = find_operation(request.method, url)
    name = match.operation.name if match else f"{request.method} {request.url.path}"
    return side_effect(request.method, url), name


class SuiteTransport(httpx.BaseTransport):
    """The tier guard over the recordable network (module docstring).
    ``scenario_tier``: the most the scenario's requests may do (its tier tag)."""

    def __init__(
        self,
        settings: RunSettings,
        *,
        verify: ssl.SSLContext | bool = True,
        scenario_tier: SideEffect = SideEffect.ORDERS,
        resolve: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.scenario_tier = scenario_tier
        self._network = NetworkTransport(verify=verify, resolve=resolve)
        self._recordable = httpx.MockTransport(self._network.handle_request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        effect, name = request_effect(request)
        if effect is not SideEffect.READ_ONLY:
            check_allowed(
                self.settings, str(request.url), effect, scenario_tier=self.scenario_tier, what=name
            )
        response = self._recordable.handle_request(request)
        failure = response.headers.get(TRANSPORT_ERROR_HEADER)
        if response.status_code == TRANSPORT_ERROR_STATUS and failure:
            message = response.read().decode("utf-8", "replace")
            response.close()
            raise TRANSPORT_ERRORS.get(failure, httpx.TransportError)(message, request=request)
        return response

    def close(self) -> None:
        self._network.close()


class NetworkTransport(httpx.BaseTransport):
    """HTTP/1.1 over httpcore's connection pool (its public API), each response read
    whole; a failure to get one is a marker response (module docstring), or with
    ``markers=False`` the httpx error of that name, raised."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        resolve: Resolver | None = None,
        markers: bool = True,
    ) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify)
        backend = _ResolvingBackend(resolve) if resolve is not None else None
        self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=backend)
        self._markers = markers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.read(),
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(sent)
            try:
                content = response.read()  # whole: a body cut short is a failure too
            finally:
                response.close()
        except _HTTPCORE_ERRORS as exc:
            if not self._markers:
                error = TRANSPORT_ERRORS.get(type(exc).__name__, httpx.TransportError)
                raise error(str(exc), request=request) from None
            return _marker(type(exc).__name__, str(exc))
        extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
        # A stream, not content=: httpx would add headers the server did not send.
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=httpx.ByteStream(content),
            extensions=extensions,
        )

    def close(self) -> None:
        self._pool.close()


def _marker(name: str, message: str) -> httpx.Response:
    return httpx.Response(
        TRANSPORT_ERROR_STATUS,
        headers={TRANSPORT_ERROR_HEADER: name, "content-type": "text/plain; charset=utf-8"},
        stream=httpx.ByteStream((message or name).encode("utf-8")),
    )


class _ResolvingBackend(httpcore.NetworkBackend):
    """httpcore's own network backend, connecting to ``resolve(host)`` instead of ``host``."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.connect_tcp(
            self._resolve(host), port, timeout, local_address, socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
