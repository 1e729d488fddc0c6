"""The HTTP transport under every scenario's client (``World.connect``).

1. **The order guard, at the last moment.** No order request leaves for a host that is
   not loopback unless the run has ``--allow-orders`` (``modes.check_order_allowed``):
   ``World.guard_order`` stops the order steps, and this stops every other code path,
   whatever sends it. The request is refused before any byte is sent.
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

import re
import ssl
from types import TracebackType
from typing import Any

import httpcore
import httpx

from .modes import RunSettings, check_order_allowed

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
#: An order request: POST (or anything but a read) to /commerce/api/vN/orders.
_ORDER_PATH = re.compile(r"/commerce/api/v\d+/orders(?:/|$)")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_order_request(request: httpx.Request) -> bool:
    return request.method.upper() not in _READS and bool(_ORDER_PATH.search(request.url.path))


class SuiteTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` with the order guard and recordable transport failures."""

    def __init__(
        self,
        settings: RunSettings,
        inner: httpx.HTTPTransport | None = None,
        *,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.settings = settings
        self._inner = inner or httpx.HTTPTransport(verify=verify)
        # httpx has no seam between the socket and vcrpy's patch of handle_request but its
        # connection pool: wrap that, so a failure is recorded as a marker response.
        self._inner._pool = _MarkingPool(self._inner._pool)  # type: ignore[assignment]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if is_order_request(request):
            check_order_allowed(self.settings, str(request.url))
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
