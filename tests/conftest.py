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


#: The tests that take longest by the clock, with their seconds in ``scripts/test``: each
#: xdist worker starts with its share of them, so that none begins late and runs alone at
#: the end. The report's tests wait on subprocesses and a browser more than they compute;
#: in their place (after the reliability tests) they began last and ran alone for ~40 s.
LONGEST = (
    ("longruns/test_schemathesis.py::test_schemathesis_with_every_default", 100),
    ("tests/report/", 80),  # a suite run with its report, three runs for its history
    ("tests/suite/test_any_org.py::test_another_org_passes_the_live_suite", 70),
    ("tests/bench/", 55),
    ("tests/reliability/test_fuzz_cli.py::test_cassettes_check", 50),
    ("tests/reliability/test_idempotency.py::test_an_order_meeting", 45),
    ("longruns/test_schemathesis.py::test_schemathesis_finds", 35),
    ("tests/reliability/test_fuzz_control.py::test_no_order_shape", 30),
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist's ``worksteal`` (scripts/test), each worker first gets a contiguous
    share of the items (xdist's own split, recomputed here): each of the ``LONGEST`` goes
    to the head of the share with the fewest seconds so far; every other item keeps its
    order."""
    # An xdist worker has ``workerinput``; a pytest it starts inherits its environment.
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0))
    if workers < 2:
        return
    heads: list[list[pytest.Item]] = [[] for _ in range(workers)]
    seconds = [0] * workers
    moved: set[int] = set()
    for prefix, took in LONGEST:
        group = [item for item in items if item.nodeid.startswith(prefix)]
        least = seconds.index(min(seconds))
        heads[least] += group
        seconds[least] += took
        moved |= {id(item) for item in group}
    rest = [item for item in items if id(item) not in moved]
    sizes, left = [], len(items)
    for k in range(workers):
        sizes.append(left // (workers - k))
        left -= sizes[-1]
    ordered: list[pytest.Item] = []
    for head, size in zip(heads, sizes, strict=True):
        take = max(0, size - len(head))
        ordered += head + rest[:take]
        rest = rest[take:]
    items[:] = ordered + rest
