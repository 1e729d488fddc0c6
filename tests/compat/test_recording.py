"""The suite's transport against the installed httpx, httpcore and vcrpy: vcrpy records
and replays what goes through its ``httpx.MockTransport`` layer, a failure to get a
response is recorded as the marker and raised again on replay, and the network layer
uses httpcore's public pool only. A vcrpy that stops patching ``MockTransport``, or an
httpcore that changes its pool, fails here first."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import vcr
from starlette.types import Receive, Scope, Send

from harness._compat.uvicorn import abort_of
from harness.serving import serving
from harness.suite.modes import RunSettings
from harness.suite.transport import SuiteTransport


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/drop":
        abort = abort_of(scope)
        assert abort is not None
        abort()
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def _client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=SuiteTransport(RunSettings()))


def test_a_recording_replays_answers_and_lost_connections(tmp_path: Path) -> None:
    cassette = str(tmp_path / "c.yaml")
    with serving(_app) as server:
        base = server.base_url
        with vcr.VCR(record_mode="all").use_cassette(cassette), _client(base) as client:
            assert client.get("/").text == "hello"
            with pytest.raises(httpx.RemoteProtocolError):
                client.get("/drop")
    assert "x-harness-transport-error" in Path(cassette).read_text()
    # The server is gone: only the cassette can answer now.
    with vcr.VCR(record_mode="none").use_cassette(cassette), _client(base) as client:
        assert client.get("/").text == "hello"
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.get("/drop")


def test_without_a_cassette_the_network_layer_answers_and_fails_as_httpx_does() -> None:
    with serving(_app) as server, _client(server.base_url) as client:
        response = client.get("/")
        assert (response.status_code, response.text) == (200, "hello")
        assert response.http_version == "HTTP/1.1"
    with _client(server.base_url) as client, pytest.raises(httpx.ConnectError):
        client.get("/")  # nothing listens there any more
