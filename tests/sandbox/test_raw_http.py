"""The sandbox's HTTP layer under requests no well-behaved client sends, written to a raw
socket so that they reach it as they are: connections that stall or close mid-body, body
encodings it cannot read, an oversized body announced with ``Expect: 100-continue``.

Each is refused with a 4xx in the error envelope (or the connection is closed), never a
500, a traceback in the log or a hang; the sandbox keeps answering everyone else, and
stops when told to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.contracts import schema_uri, validate
from harness.sandbox.testing import SandboxServer, running_sandbox
from harness.serving import GRACEFUL_SHUTDOWN_SECONDS

ERROR_SCHEMA = schema_uri("error.json")


def workspaces(server: SandboxServer) -> str:
    return f"/admin/v2/orgs/{server.profile.org_id}/workspaces"


def head(server: SandboxServer, *lines: str, length: int) -> bytes:
    """A POST to workspaces.query up to the end of its headers, with the org API key."""
    fields = [
        f"POST {workspaces(server)} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {server.profile.api_key}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        *lines,
    ]
    return ("\r\n".join(fields) + "\r\n\r\n").encode("latin-1")


def connect(server: SandboxServer, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response (status, lower-case headers, body by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {data!r}"
        data += chunk
    raw_head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-response"
        body += chunk
    return int(status_line.split()[1]), headers, body


def assert_envelope(status: int, headers: dict[str, str], body: bytes, *expected: int) -> Any:
    assert status in expected, (status, body[:300])
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert validate(ERROR_SCHEMA, envelope) == []
    assert envelope["errors"][0]["status"] == str(status)
    return envelope


def still_answers(server: SandboxServer) -> None:
    response = httpx.post(
        server.base_url + workspaces(server),
        json={},
        headers={"Authorization": f"Bearer {server.profile.api_key}"},
        timeout=5.0,
    )
    assert response.status_code == 200, response.text[:300]


@pytest.fixture
def sandbox_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG, logger="harness.sandbox")
    yield caplog


def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- connections ----------------------------------------------------------------------


def test_a_client_closing_mid_body_is_no_sandbox_bug(
    sandbox: SandboxServer, sandbox_log: pytest.LogCaptureFixture
) -> None:
    """Found by this audit: it was logged as 'sandbox bug' with a traceback, and a 500
    was written to the closed connection."""
    for _ in range(3):
        with connect(sandbox) as sock:
            sock.sendall(head(sandbox, length=100) + b'{"a": ')
        still_answers(sandbox)
    wait_for(lambda: sandbox_log.text.count("connection closed before the whole body") >= 3)
    assert "sandbox bug" not in sandbox_log.text
    assert "Traceback" not in sandbox_log.text
    assert not [r for r in sandbox_log.records if r.levelno >= logging.WARNING]


def test_a_body_that_never_comes_is_a_408_and_others_are_answered_meanwhile() -> None:
    """Found by this audit: a client that sent its headers and never its body held its
    request open for ever (the sandbox waited without limit)."""
    with running_sandbox(body_timeout_seconds=0.5) as server:
        stalled = [connect(server) for _ in range(20)]
        try:
            for sock in stalled:
                sock.sendall(head(server, length=100) + b'{"a": ')
            still_answers(server)
            for sock in stalled:
                envelope = assert_envelope(*read_response(sock), 408)
                assert envelope["errors"][0]["code"] == "REQUEST_TIMEOUT"
                assert "0.5" in envelope["errors"][0]["detail"]
                assert sock.recv(1) == b""  # and the connection is closed
        finally:
            for sock in stalled:
                sock.close()
        still_answers(server)


def test_the_sandbox_stops_at_once_with_a_client_stalled_mid_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found by this audit: a stalled client kept ``harness sandbox serve`` from stopping
    on Ctrl-C or SIGTERM ('Waiting for connections to close') for ever; then, bounded by
    uvicorn's graceful-shutdown timeout, its request was cancelled with a traceback."""
    caplog.set_level(logging.INFO)
    server = SandboxServer(body_timeout_seconds=600).start()
    sock = connect(server)
    try:
        sock.sendall(head(server, length=100) + b'{"a": ')
        still_answers(server)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < GRACEFUL_SHUTDOWN_SECONDS
        assert sock.recv(1) == b""  # closed, not answered: the body never came
    finally:
        sock.close()
        server.stop()
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def clock_request(server: SandboxServer) -> bytes:
    """A keep-alive GET of the sandbox clock, with the org API key."""
    lines = ["GET /_sandbox/clock HTTP/1.1", "Host: 127.0.0.1"]
    lines.append(f"Authorization: Bearer {server.profile.api_key}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def test_beyond_its_connection_limit_the_sandbox_answers_503_in_the_envelope() -> None:
    """It served any number of connections at once (a runaway client could take every
    file descriptor of the process). Beyond ``max_connections`` open connections a request
    is answered 503 UNAVAILABLE in the error envelope, with Retry-After, and its connection
    closed; the open ones are served on, and a place freed is taken again."""
    with running_sandbox(max_connections=3) as server:
        held = [connect(server) for _ in range(3)]
        try:
            for sock in held:  # each accepted and served: three open connections
                sock.sendall(clock_request(server))
                assert read_response(sock)[0] == 200
            with connect(server) as extra:
                extra.sendall(clock_request(server))
                status, headers, body = read_response(extra)
                envelope = assert_envelope(status, headers, body, 503)
                assert envelope["errors"][0]["code"] == "UNAVAILABLE"
                assert "--max-connections" in envelope["errors"][0]["detail"]
                assert headers["retry-after"] == "1"
                assert headers["connection"] == "close"
                assert extra.recv(1) == b""
            held[0].sendall(clock_request(server))  # the open ones are served on
            assert read_response(held[0])[0] == 200
            held.pop().close()

            def served() -> bool:
                with connect(server) as sock:
                    sock.sendall(clock_request(server))
                    return read_response(sock)[0] == 200

            wait_for(served)  # once the server has seen the close
        finally:
            for sock in held:
                sock.close()


def test_the_serve_command_takes_the_connection_limit() -> None:
    from click.testing import CliRunner

    from harness.sandbox.app import MAX_CONNECTIONS
    from harness.sandbox.cli import serve_command

    shown = CliRunner().invoke(serve_command, ["--help"], terminal_width=200).output
    assert re.search(rf"--max-connections .*\[default: {MAX_CONNECTIONS}\b", shown, re.S), shown
    assert CliRunner().invoke(serve_command, ["--max-connections", "0"]).exit_code == 2


# -- bodies the sandbox cannot read as they are declared --------------------------------


def exchange(server: SandboxServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with connect(server) as sock:
        sock.sendall(request)
        return read_response(sock)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Content-Encoding", "gzip"),
        ("Content-Encoding", "br"),
        ("Content-Type", "application/json; charset=latin-1"),
        ("Content-Type", 'application/json; charset="utf-16"'),
    ],
)
def test_a_body_declared_in_an_encoding_the_sandbox_does_not_read_is_415(
    sandbox: SandboxServer, header: str, value: str
) -> None:
    """Found by this audit: 'Content-Encoding: gzip' over plain bytes was read as plain JSON
    (a real gzip body got 'not UTF-8'), and a charset other than UTF-8 was read as UTF-8."""
    body = b"{}"
    lines = [f"{header}: {value}"] if header == "Content-Encoding" else []
    request = head(sandbox, *lines, length=len(body)) + body
    if header == "Content-Type":
        request = request.replace(b"Content-Type: application/json", f"{header}: {value}".encode())
    envelope = assert_envelope(*exchange(sandbox, request), 415)
    assert envelope["errors"][0]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert envelope["errors"][0]["source"] == {"header": header}


@pytest.mark.parametrize(
    "value", ["identity", "application/json; charset=utf-8", "application/json; charset=UTF-8"]
)
def test_a_body_declared_as_plain_utf8_is_read(sandbox: SandboxServer, value: str) -> None:
    if value == "identity":
        request = head(sandbox, "Content-Encoding: identity", length=2) + b"{}"
    else:
        request = head(sandbox, length=2).replace(
            b"Content-Type: application/json", f"Content-Type: {value}".encode()
        )
        request += b"{}"
    status, _, body = exchange(sandbox, request)
    assert status == 200, body[:300]


def test_an_oversized_body_announced_with_expect_100_continue_is_413_before_it_is_sent(
    sandbox: SandboxServer,
) -> None:
    """Found by this audit: the sandbox answered '100 Continue' to a 1 TB Content-Length,
    inviting the body, and read 64 MiB of it before refusing it."""
    with connect(sandbox) as sock:
        sock.sendall(head(sandbox, "Expect: 100-continue", length=1 << 40))
        status, headers, body = read_response(sock)
        envelope = assert_envelope(status, headers, body, 413)
        assert envelope["errors"][0]["code"] == "PAYLOAD_TOO_LARGE"
    still_answers(sandbox)


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    sandbox: SandboxServer,
) -> None:
    """Found by this audit: a request with both (a request-smuggling shape) was answered
    200 and its connection kept for the next request; RFC 9112 6.1 says a server must
    close it after answering, and may refuse it."""
    request = head(sandbox, "Transfer-Encoding: chunked", length=2) + b"2\r\n{}\r\n0\r\n\r\n"
    with connect(sandbox) as sock:
        sock.sendall(request + head(sandbox, length=2) + b"{}")
        envelope = assert_envelope(*read_response(sock), 400)
        assert envelope["errors"][0]["source"] == {"header": "Transfer-Encoding"}
        assert sock.recv(65536) == b""  # closed: the request after it is not answered


# -- what was fine: kept so ----------------------------------------------------------------

#: Requests no client library sends. uvicorn's h11 answers those it cannot parse with a
#: plain-text 400 (or closes); the sandbox answers the rest with a 4xx in the envelope.
HOSTILE: dict[str, bytes] = {
    "bad-method-token": b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "asterisk-form": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "absolute-form-unknown": b"GET http://example.invalid/nope HTTP/1.1\r\nHost: x\r\n\r\n",
    "dot-segments": b"GET /commerce/api/v2/orders/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "encoded-dots-and-nul": b"GET /commerce/%2e%2e/api/%00 HTTP/1.1\r\nHost: x\r\n\r\n",
    "double-slash": b"GET //commerce//api/v2/orders HTTP/1.1\r\nHost: x\r\n\r\n",
    "path-60k": b"GET /" + b"a" * 60_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "path-200k": b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "latin-1-path": b"GET /commerce/api/v2/orders/\xe9\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    "latin-1-host": b"GET /_sandbox/clock HTTP/1.1\r\nHost: \xff\xfe:99999\r\n\r\n",
    "header-without-colon": b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    "nul-in-header": b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    "two-content-lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Content-Length: 3\r\n\r\n{}x",
    "negative-content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "bad-chunk-size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "huge-chunk-size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"f" * 20
    + b"\r\n{}\r\n0\r\n\r\n",
    "gzip-transfer-coding": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    "http-2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "http-0.9": b"GET /\r\n\r\n",
    "tls-client-hello": bytes.fromhex("16030100a5010000a10303") + bytes(100),
    "http-1.1-without-host": b"GET / HTTP/1.1\r\n\r\n",
    "5000-headers": b"GET / HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-%d: v\r\n" % i for i in range(5000))
    + b"\r\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_malformed_request_is_a_4xx_or_a_close_and_the_sandbox_answers_on(
    sandbox: SandboxServer, sandbox_log: pytest.LogCaptureFixture, name: str
) -> None:
    with connect(sandbox, timeout=5.0) as sock:
        answer = b""
        try:
            sock.sendall(HOSTILE[name])
            # The server may have answered and closed while we were still sending (a 200 KB
            # path): then the half-close finds the socket gone, and its answer is still read.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionError:  # reset or broken pipe: closed by the server mid-request
            pass  # acceptable for what is not HTTP; whatever came before the reset is checked
    for status in (int(s) for s in re.findall(rb"^HTTP/1\.[01] (\d{3})", answer, re.M)):
        assert 400 <= status < 500, (name, answer[:300])
    if b"application/json" in answer:
        assert b'"errors":[' in answer, answer[:300]
    still_answers(sandbox)
    # uvicorn warns 'Invalid HTTP request received.' (no traceback); the sandbox says nothing.
    assert not [r.getMessage() for r in sandbox_log.records if r.exc_info]
    assert not [
        r.getMessage()
        for r in sandbox_log.records
        if r.name.startswith("harness") and r.levelno >= logging.WARNING
    ]
