"""A pytest plugin for the secrets test: the embedded sandbox drops every order GET, so
the scenarios that track an order fail with a TransportError (tracebacks, locals and
exception text in the run's output)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.suite.world import World

_DROPPING = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_step(request: pytest.FixtureRequest, **_: Any) -> None:
    world: World = request.getfixturevalue("world")
    if world.control is not None and not request.node.stash.get(_DROPPING, False):
        world.control.add_fault({"operation": "orders.get", "fault": "drop", "times": None})
        request.node.stash[_DROPPING] = True
