"""Shared fixtures: a real sandbox server over loopback HTTP.

- ``sandbox_server`` (session): one running sandbox org (``harness.sandbox.testing``).
- ``sandbox`` (function): the same server, reset to the profile's initial state and
  real time. Both have ``.base_url``, ``.profile``, ``.advance(seconds)``, ``.reset()``,
  ``.now()``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.sandbox.testing import SandboxServer, running_sandbox


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with running_sandbox() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.reset()
    return sandbox_server
