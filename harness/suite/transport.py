"""The HTTP transport under every scenario's client (``World.connect``).

1. **The tier guard, at the last moment.** Each request's side effect comes from the
   contracts (``harness.contracts.side_effect``: provisioning, orders, or read-only); no
   request leaves for a host that is not loopback unless the run allows its tier
   (``--allow-provisioning``, ``--allow-orders``), nor one beyond its scenario's tier tag
   (``tiers.check_allowed``). The order steps ask ``World.guard_order`` first; this stops
   every other code path, whatever sends it. The request is refused before any byte is
   sent.
2. **Transport failures that a cassette can hold.** vcrpy records responses; a dropped
   connection or a timeout has none, so a replay could not show the client's retry.
   Here a failure to get a whole response becomes a marker response (status
   ``TRANSPORT_ERROR_STATUS``, header ``TRANSPORT_ERROR_HEADER`` naming the httpx error,
   the message as body), which vcrpy records like any other, and the marker is turned
   back into that httpx error above vcrpy, in every mode. So local, record and replay
   runs raise the same error at the same attempt. ``harness cassettes check`` knows the
   marker (it is not a response of the API).
"""

from __future__ import annotations

import ssl
from types import TracebackType
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
#: The httpx errors a marker may name (httpx maps httpcore's errors to the same names).
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


def request_effect(request: httpx.Request) -> tuple[SideEffect, str]:
    """What a request would do to the org, and what to call it in a refusal."""
    url = str(request.url)
    match = find_operation(request.method, url)
    name = match.operation.name if match else f"{request.method} {request.url.path}"
    return side_effect(request.method, url), name


class SuiteTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` with the tier guard and recordable transport failures.
    ``scenario_tier``: the most the scenario's requests may do (its tier tag)."""

    def __init__(
        self,
        settings: RunSettings,
        inner: httpx.HTTPTransport | None = None,
        *,
        verify: ssl.SSLContext | bool = True,
        scenario_tier: SideEffect = SideEffect.ORDERS,
    ) -> None:
        self.settings = settings
        self.scenario_tier = scenario_tier
        self._inner = inner or httpx.HTTPTransport(verify=verify)
        # httpx has no seam between the socket and vcrpy's patch of handle_request but its
        # connection pool: wrap that, so a failure is recorded as a marker response.
        self._inner._pool = _MarkingPool(self._inner._pool)  # type: ignore[assignment]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        effect, name = request_effect(request)
        if effect is not SideEffect.READ_ONLY:
            check_allowed(
                self.settings, str(request.url), effect, scenario_tier=self.scenario_tier, what=name
            )
        response = self._inner.handle_request(request)
        failure = response.headers.get(TRANSPORT_ERROR_HEADER)
        if response.status_code == TRANSPORT_ERROR_STATUS and failure:
            message = response.read().decode("utf-8", "replace")
            response.close()
            raise TRANSPORT_ERRORS.get(failure, httpx.TransportError)(message, request=request)
        return response

    def close(self) -> None:
        self._inner.close()


class _MarkingPool:
    """An httpcore pool whose failures come back as marker responses (read whole, so a
    connection lost half-way through a body is a failure too)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        try:
            response = self._pool.handle_request(request)
            try:
                content = response.read()
            finally:
                response.close()
        except _HTTPCORE_ERRORS as exc:
            name = type(exc).__name__
            return httpcore.Response(
                TRANSPORT_ERROR_STATUS,
                headers=[
                    (TRANSPORT_ERROR_HEADER.encode(), name.encode()),
                    (b"content-type", b"text/plain; charset=utf-8"),
                ],
                content=(str(exc) or name).encode("utf-8"),
            )
        return httpcore.Response(
            response.status,
            headers=response.headers,
            content=content,
            extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
        )

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> _MarkingPool:
        self._pool.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._pool.__exit__(exc_type, exc_value, traceback)
