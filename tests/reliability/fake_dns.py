"""A pytest plugin for the live-safety tests: ``api.atlassian.test`` resolves to 127.0.0.1
for every connection the suite makes (``extensions.resolve``; nothing is patched).

The host name is not loopback to the suite's guards (they judge by name), but every
connection to it stays on this machine, where a recording server poses as the real API.
"""

from __future__ import annotations

import pytest

from harness.suite.extensions import extend

#: The name of the "remote" API; the .test TLD never resolves on a real network.
REMOTE_HOST = "api.atlassian.test"


def resolve(host: str) -> str:
    """The remote's name to loopback; every other name as it is."""
    return "127.0.0.1" if host == REMOTE_HOST else host


def pytest_configure(config: pytest.Config) -> None:
    extend(config, resolve=resolve)
