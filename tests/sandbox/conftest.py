"""Fixtures of the sandbox tests: ``api`` (plain httpx, every response checked) on the
shared sandbox, and ``frozen``: a sandbox whose clock moves only when told to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.sandbox.testing import SandboxServer, running_sandbox

from .support import Api

#: Real time, frozen: the frozen sandbox's clock moves only by /_sandbox/clock/advance.
FROZEN_AT = 1_765_000_000.0


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[Api]:
    caller = Api(sandbox.base_url, sandbox.profile)
    yield caller
    caller.close()


@pytest.fixture(scope="session")
def frozen_server() -> Iterator[SandboxServer]:
    with running_sandbox(clock=lambda: FROZEN_AT) as server:
        yield server


@pytest.fixture
def frozen(frozen_server: SandboxServer) -> Iterator[Api]:
    """An Api on a sandbox whose time stands still (reset for each test)."""
    frozen_server.reset()
    caller = Api(frozen_server.base_url, frozen_server.profile)
    yield caller
    caller.close()
