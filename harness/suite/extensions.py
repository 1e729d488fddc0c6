"""What a pytest plugin may change of a suite run: by settings, never by rebinding code.

A plugin (``-p my_plugin``) sets them in its ``pytest_configure``; the suite's plugin
reads them when it builds each scenario's world, its client's transport and the embedded
sandbox::

    from harness.suite.extensions import Guards, extend

    def pytest_configure(config):
        extend(config, guards=Guards(order_steps=False))

- ``checks``: the suite's contract checks of each exchange (``World.on_exchange``); the
  benchmark turns them off or times them;
- ``guards``: which of the suite's guards are on (the transport's tier guard always is);
- ``resolve``: a host name -> the address every connection of the suite goes to (tests
  pose a loopback server as a remote host);
- ``sandbox``: keywords of ``harness.sandbox.create_app`` for the embedded sandbox
  (``checks``, ``handlers``, ``control_routes``...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from harness.contracts import Violation, validate_request, validate_response

Validator = Callable[..., list[Violation]]


@dataclass(frozen=True)
class Checks:
    """The contract checks of the suite's exchanges: ``request(method, url, headers,
    *body)`` and ``response(method, url, status, headers, *body)``, each returning the
    violations (``harness.contracts.validate_request`` / ``validate_response``)."""

    request: Validator = validate_request
    response: Validator = validate_response


@dataclass(frozen=True)
class Guards:
    """The suite's guards that a test may switch off to prove the others hold.

    ``deselect_by_tier``: leave out, before the run, the scenarios whose tier the run does
    not allow; ``order_steps``: the order steps ask ``World.guard_order`` before placing.
    The transport's guard (``transport.SuiteTransport``) cannot be switched off."""

    deselect_by_tier: bool = True
    order_steps: bool = True


@dataclass(frozen=True)
class Extensions:
    checks: Checks = field(default_factory=Checks)
    guards: Guards = field(default_factory=Guards)
    resolve: Callable[[str], str] | None = None
    sandbox: Mapping[str, Any] = field(default_factory=dict)


#: Where a run keeps its extensions (``config.stash``).
KEY = pytest.StashKey[Extensions]()


def extensions(config: pytest.Config) -> Extensions:
    """The run's extensions: the defaults, as changed by ``extend``."""
    return config.stash.get(KEY, Extensions())


def extend(config: pytest.Config, **changes: Any) -> Extensions:
    """Change some of the run's extensions (fields of ``Extensions``), keeping the rest."""
    config.stash[KEY] = replace(extensions(config), **changes)
    return config.stash[KEY]
