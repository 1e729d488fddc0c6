"""A pytest plugin for the benchmark only: ``-p harness.bench.plugin``. Normal runs never
load it, so nothing here can weaken them.

``--bench-validation=off`` turns off the suite's per-exchange contract checks
(``World.on_exchange``: ``validate_request`` and ``validate_response`` find nothing), to
measure the suite without them. The sandbox still validates every request it answers:
its 400s are behaviour that scenarios test, not a check that can be skipped.

``--bench-validation=timed`` keeps every check and adds up the time spent in them, on the
suite's side (``World.on_exchange``) and on the sandbox's (``validate_request`` before
each operation, ``validate_order`` in orders.place), and writes the totals as JSON to
``--bench-timing-file`` when the run ends.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_totals: dict[str, float] = {}
_lock = threading.Lock()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness-bench", "harness benchmark (harness bench only)")
    group.addoption("--bench-validation", choices=["on", "off", "timed"], default="on")
    group.addoption("--bench-timing-file", default=None)


def pytest_configure(config: pytest.Config) -> None:
    mode = config.getoption("--bench-validation")
    if mode == "on":
        return
    from harness.suite import world

    if mode == "off":
        world.validate_request = _nothing  # type: ignore[assignment]
        world.validate_response = _nothing  # type: ignore[assignment]
        return
    from harness.sandbox import app, operations

    _wrap(world, "validate_request", "suite")
    _wrap(world, "validate_response", "suite")
    _wrap(app, "validate_request", "sandbox")
    _wrap(operations, "validate_order", "sandbox")


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.getoption("--bench-timing-file", None)
    if path and config.getoption("--bench-validation") == "timed":
        Path(path).write_text(json.dumps(_totals))


def _nothing(*args: Any, **kwargs: Any) -> list[Any]:
    return []


def _wrap(module: Any, name: str, side: str) -> None:
    inner: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            with _lock:
                _totals[f"{side}_s"] = _totals.get(f"{side}_s", 0.0) + spent
                _totals[f"{side}_n"] = _totals.get(f"{side}_n", 0) + 1

    setattr(module, name, timed)
