"""Shared fixtures: a real sandbox server over loopback HTTP.

- ``sandbox_server`` (session): one running sandbox org (``harness.sandbox.testing``).
- ``sandbox`` (function): the same server, reset to the profile's initial state and
  real time. Both have ``.base_url``, ``.profile``, ``.advance(seconds)``, ``.reset()``,
  ``.now()``.

Hypothesis runs without its timing checks (``deadline``, the ``too_slow`` health check):
the tests share 2 cores with the long runs, so a draw's or an example's time measures the
machine, not the code (speed is the benchmark's to measure, never a test's).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from harness.sandbox.testing import SandboxServer, running_sandbox

settings.register_profile(
    "harness-tests", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("harness-tests")


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with running_sandbox() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.reset()
    return sandbox_server
