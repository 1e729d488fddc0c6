"""harness._compat.uvicorn against the installed uvicorn: a request's connection can be
closed on purpose, and only on a server that uses the compat protocol. A uvicorn that
renames its h11 protocol, stops calling asyncio's connection hooks or fills the ASGI
``server``/``client`` otherwise fails here first."""

from __future__ import annotations

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from harness._compat.uvicorn import AbortableH11Protocol, abort_of
from harness.serving import serving


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    abort = abort_of(scope)
    if scope["path"] == "/drop" and abort is not None:
        abort()
        return
    body = b"can drop" if abort is not None else b"cannot drop"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_the_h11_protocol_is_still_uvicorns() -> None:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    assert issubclass(AbortableH11Protocol, H11Protocol)
    assert {"connection_made", "connection_lost"} <= set(vars(H11Protocol))


def test_a_connection_is_closed_without_a_response() -> None:
    with serving(_app) as server, httpx.Client(base_url=server.base_url) as client:
        assert client.get("/").text == "can drop"
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.get("/drop")
        assert client.get("/").text == "can drop"  # a new connection, served as before


def test_a_request_served_otherwise_cannot_drop() -> None:
    async def call() -> str:
        transport = httpx.ASGITransport(app=_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            return (await client.get("/")).text

    import asyncio

    assert asyncio.run(call()) == "cannot drop"
