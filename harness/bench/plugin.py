"""A pytest plugin for the benchmark only: ``-p harness.bench.plugin``. Normal runs never
load it, so nothing here can weaken them. It changes the run through its settings
(``harness.suite.extensions``), never by rebinding code.

``--bench-validation=off`` turns off the suite's per-exchange contract checks
(``World.on_exchange``: ``Checks`` that find nothing), to measure the suite without them.
The sandbox still validates every request it answers: its 400s are behaviour that
scenarios test, not a check that can be skipped.

``--bench-validation=timed`` keeps every check and adds up the time spent in them, on the
suite's side (``World.on_exchange``) and on the embedded sandbox's (its ``Checks``: the
request before each operation, the order's rules in orders.place), and writes the totals
as JSON to ``--bench-timing-file`` when the run ends.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.suite.extensions import Checks, extend, extensions

_totals: dict[str, float] = {}
_lock = threading.Lock()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness-bench", "harness benchmark (harness bench only)")
    group.addoption("--bench-validation", choices=["on", "off", "timed"], default="on")
    group.addoption("--bench-timing-file", default=None)


def pytest_configure(config: pytest.Config) -> None:
    mode = config.getoption("--bench-validation")
    if mode == "off":
        extend(config, checks=Checks(request=_nothing, response=_nothing))
    elif mode == "timed":
        from harness.sandbox import SandboxChecks

        suite, sandbox = Checks(), SandboxChecks()
        extend(
            config,
            checks=Checks(_timed(suite.request, "suite"), _timed(suite.response, "suite")),
            sandbox={
                **extensions(config).sandbox,
                "checks": SandboxChecks(
                    _timed(sandbox.request, "sandbox"), _timed(sandbox.order, "sandbox")
                ),
            },
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.getoption("--bench-timing-file", None)
    if path and config.getoption("--bench-validation") == "timed":
        Path(path).write_text(json.dumps(_totals))


def _nothing(*args: Any, **kwargs: Any) -> list[Any]:
    return []


def _timed(inner: Callable[..., Any], side: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            with _lock:
                _totals[f"{side}_s"] = _totals.get(f"{side}_s", 0.0) + spent
                _totals[f"{side}_n"] = _totals.get(f"{side}_n", 0) + 1

    return timed
