"""A pytest plugin for tests: the embedded sandbox's provisioning status loses its
``status`` (a handler of its own, given as a sandbox setting: nothing is patched)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.sandbox.operations import HANDLERS, Call, Reply
from harness.suite.extensions import extend, extensions


def _without_status(call: Call) -> Reply:
    status, body = HANDLERS["provisioning.status"](call)
    del body["data"]["status"]
    return status, body


def pytest_configure(config: pytest.Config) -> None:
    sandbox: dict[str, Any] = dict(extensions(config).sandbox)
    sandbox["handlers"] = {"provisioning.status": _without_status}
    extend(config, sandbox=sandbox)
