"""The client against a hostile or broken server on loopback: every odd answer ends in a
typed error naming the operation and what was wrong, within bounded time and memory, and
no credential shows in it, whatever characters the credential holds."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from harness.client import (
    ApiError,
    Client,
    ConfigurationError,
    OrgApiKey,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
    credential_problem,
)

from .conftest import API_KEY, ORG_ID
from .support import Drip, FaultServer, Reply

ENTITLEMENT = "f5050916-617d-49d5-9aa8-382185a0c0b3"


def details(client: Client) -> Any:
    return client.entitlement_details(ENTITLEMENT)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON the client reads (nested too deep)"),
        (b'{"entitlementId": 1' + b"0" * 5000 + b"}", "a number of thousands of digits"),
        (b'{"entitlementId": "\xff\xfe"}', "not UTF-8 (byte 0xff at offset 19)"),
        ('{"entitlementId": "a"}'.encode("utf-16"), "not UTF-8 (byte 0xff at offset 0)"),
    ],
)
def test_a_body_python_cannot_read_is_a_format_error(
    body: bytes, problem: str, fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(200, body=body))
    with pytest.raises(ResponseFormatError) as caught:
        details(fault_client())
    assert str(caught.value).startswith("entitlements.details: HTTP 200 response body is ")
    assert problem in str(caught.value)


def test_a_body_past_the_cap_is_not_read(fault_server: FaultServer, fault_client: Any) -> None:
    fault_server.then(Reply(200, body=b" " * 5000 + b'{"entitlementId": "a"}'))
    client = fault_client(max_response_bytes=4096)
    with pytest.raises(ResponseFormatError, match="body is larger than 4096 bytes"):
        details(client)
    assert len(client.recorded[0].response_text) == 4096  # what was read, and no more


def test_an_error_status_past_the_cap_keeps_its_status(
    fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(503, body=b"x" * 5000))
    with pytest.raises(ServerError, match=r"HTTP 503 \(body is larger than 4096 bytes"):
        details(fault_client(max_response_bytes=4096, retry=RetryPolicy.never()))


def test_a_dripping_body_is_cut_at_the_attempt_deadline(
    fault_server: FaultServer, fault_client: Any
) -> None:
    # Each byte comes well within the read timeout; the whole would take 10 s.
    fault_server.then(Drip(size=100, every=0.1))
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"took more than 0\.5 s in all"):
        details(fault_client(max_response_seconds=0.5, retry=RetryPolicy.never()))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("http://other.example/x?token=abc", "a redirect to http://other.example/x, not followed"),
        ("https://u:pw@other.example/", "a redirect to https://***@other.example/, not followed"),
    ],
)
def test_a_redirect_is_not_followed_and_says_where(
    location: str, shown: str, fault_server: FaultServer, fault_client: Any
) -> None:
    fault_server.then(Reply(302, body=b"", headers={"Location": location}))
    with pytest.raises(ApiError) as caught:
        details(fault_client())
    assert caught.value.status == 302 and shown in str(caught.value)
    assert len(fault_server.received) == 1  # the other host was never asked


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("abc\ndef-secret", "holds U+000A at position 4"),
        ("abc\r\nX-Injected: 1", "holds U+000D at position 4"),
        ("nul\x00secret", "holds U+0000 at position 4"),
        ("clé-secret", "holds U+00E9 at position 3"),
        ("two words-secret", "holds U+0020 at position 4"),
        ("key-from-a-file\n", "starts or ends with whitespace"),
        (" padded-key", "starts or ends with whitespace"),
    ],
)
def test_a_key_no_header_can_carry_is_refused_without_showing_it(key: str, problem: str) -> None:
    assert credential_problem(key) is not None
    with pytest.raises(ValueError, match=r"^OrgApiKey: the key ") as caught:
        OrgApiKey(key)
    assert problem in str(caught.value) and "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "key", ['quote"and\\backslash-Zq81', "eyJ0eXAiOiJKV1QifQ==-Zq81", "{'json':1}-Zq81"]
)
def test_a_server_echoing_an_odd_key_in_json_is_masked(
    key: str, fault_server: FaultServer, fault_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="harness.client")
    for ascii_only in (True, False):
        echoed = json.dumps(
            {"errors": [{"code": "BAD_KEY", "detail": f"key {key} refused"}]},
            ensure_ascii=ascii_only,
        )
        fault_server.then(Reply(401, body=echoed.encode()))
        with pytest.raises(ApiError) as caught:
            details(fault_client(auth=OrgApiKey(key)))
        assert "key *** refused" in str(caught.value)
    client = fault_client(auth=OrgApiKey(key))
    fault_server.then(Reply(401, body=echoed.encode()))
    with pytest.raises(ApiError):
        details(client)
    shown = [caplog.text, repr(client), *(repr(e) for e in client.recorded)]
    for text in shown:
        for form in (key, json.dumps(key)[1:-1], repr(key)[1:-1]):
            assert form not in text


@pytest.mark.parametrize(
    "url",
    ["http://user:pa55word@127.0.0.1:9", "ftp://user:pa55word@127.0.0.1/", "http://:pa55word@h"],
)
def test_a_base_url_with_a_password_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Client(url, org_id="o", auth=OrgApiKey("k"))
    assert "pa55word" not in str(caught.value) and "***@" in str(caught.value)


@pytest.fixture
def second_origin() -> Any:
    """Another loopback server, on another port: another origin than the client's."""
    server = FaultServer().start()
    yield server
    server.stop()


def test_urls_and_redirects_naming_another_origin_never_get_the_credentials(
    fault_server: FaultServer, fault_client: Any, second_origin: FaultServer
) -> None:
    """A provisioning ``statusUrl``, a paging ``links.next`` and redirects (302, 307, 308)
    that point at a second real server: it receives nothing (no Authorization, no key);
    the statusUrl's path is asked of the client's own base URL, with the key."""
    request_id = "3f3c9e3a-8a2b-4f7e-9c1d-2b3a4c5d6e7f"
    path = f"/admin/installations/v2/orgs/{ORG_ID}/products/status/{request_id}"
    fault_server.then(
        Reply(200, {"data": {"statusUrl": second_origin.base_url + path}}),
        Reply(200, {"data": {"requestId": request_id, "status": "IN_PROGRESS"}}),
        Reply(200, {"data": [], "links": {"next": second_origin.base_url + "/page/2?x=1"}}),
        Reply(200, {"data": [], "links": {}}),
        *(
            Reply(status, body=b"", headers={"Location": second_origin.base_url + path})
            for status in (302, 307, 308)
        ),
    )
    client = fault_client()
    request = client.provision_products([ENTITLEMENT], "admin@example.com", "acme")
    assert request.status_url.startswith(second_origin.base_url)
    assert client.provisioning_status(request).status == "IN_PROGRESS"
    assert [p.next_cursor for p in client.iter_workspace_pages("acme")] == [
        second_origin.base_url + "/page/2?x=1",
        None,
    ]
    for _ in range(3):
        with pytest.raises(ApiError, match="not followed"):
            client.provisioning_status(request)
    assert second_origin.received == []
    asked = fault_server.received
    assert asked[1].path == path and asked[1].headers["authorization"] == f"Bearer {API_KEY}"
    # The URL a page named as its next is only a cursor, sent back in the body (ASM-010).
    assert json.loads(asked[3].body) == {"cursor": second_origin.base_url + "/page/2?x=1"}
    assert len(asked) == 7
