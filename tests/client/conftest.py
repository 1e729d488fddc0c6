"""Fixtures of the client tests (helpers in ``support``).

- ``fake_time``: fake clock and sleep; nothing really waits.
- ``make_client`` / ``client``: clients of the ``sandbox`` fixture's org whose sleeps
  move the sandbox clock, recording every ``Exchange`` in ``client.recorded``.
- ``fault_server`` / ``fault_client``: a loopback fault server and clients of it.
- ``loopback_only`` (autouse): any connection to a host other than 127.0.0.1 fails, so
  no test can reach api.atlassian.com by mistake.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.client import Client, Exchange, OrgApiKey, RetryPolicy, SiteAdmin

from .support import FakeTime, FaultServer, RecordingClient

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOOPBACK:
            raise OSError(f"the client tests reach loopback only, not {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(sandbox: Any) -> Iterator[Callable[..., RecordingClient]]:
    """``make_client(auth=None, time=None, **kw)``: a client of the sandbox org whose sleeps
    move the sandbox clock; Bearer with the org's API key unless ``auth`` is given."""
    made: list[Client] = []

    def make(
        auth: OrgApiKey | SiteAdmin | None = None, time: FakeTime | None = None, **kw: Any
    ) -> RecordingClient:
        time = time or FakeTime(on_sleep=sandbox.advance)
        recorded: list[Exchange] = []
        kw.setdefault("retry", RetryPolicy(jitter=0.0))
        client = RecordingClient(
            sandbox.base_url,
            org_id=sandbox.profile.org_id,
            auth=auth or OrgApiKey(sandbox.profile.api_key),
            sleep=time.sleep,
            clock=time.clock,
            on_exchange=[recorded.append, *kw.pop("on_exchange", [])],
            **kw,
        )
        client.recorded = recorded
        client.time = time  # type: ignore[attr-defined]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., RecordingClient]) -> RecordingClient:
    """A client of the sandbox org with its API key, validating every exchange."""
    return make_client(validate_contracts=True)


@pytest.fixture
def profile(sandbox: Any) -> Any:
    return sandbox.profile


@pytest.fixture(scope="session")
def fault_server_session() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def fault_server(fault_server_session: FaultServer) -> FaultServer:
    fault_server_session.reset()
    return fault_server_session


ORG_ID = "5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f"
API_KEY = "fault-server-key-Zx81Qp"


@pytest.fixture
def fault_client(
    fault_server: FaultServer, fake_time: FakeTime
) -> Iterator[Callable[..., RecordingClient]]:
    """``fault_client(**kw)``: a client of the fault server on ``fake_time``."""
    made: list[Client] = []

    def make(**kw: Any) -> RecordingClient:
        recorded: list[Exchange] = []
        kw.setdefault("retry", RetryPolicy(jitter=0.0))
        client = RecordingClient(
            kw.pop("base_url", fault_server.base_url),
            org_id=ORG_ID,
            auth=kw.pop("auth", OrgApiKey(API_KEY)),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            on_exchange=recorded.append,
            **kw,
        )
        client.recorded = recorded
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
