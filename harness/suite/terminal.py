"""Lines on the terminal from inside a run, past pytest's output capture: a wait's polls
(``progress``) and what the run does with the org (deselections, notices).

From the controller they go through pytest's terminal reporter (on a line of their own,
after a row of progress dots); from an xdist worker, whose stdout is not the terminal, to
stderr prefixed with the worker's id (``[gw1] ...``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest

Echo = Callable[[str], None]


def worker_input(config: pytest.Config) -> dict[str, Any]:
    """What pytest-xdist's controller gave this worker ({} outside a worker)."""
    return getattr(config, "workerinput", {})


def echo_to_terminal(config: pytest.Config) -> Echo:
    """A function writing one line to the terminal past pytest's capture."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    worker = worker_input(config).get("workerid")
    seen = {"progress": 0}

    def echo(line: str) -> None:
        suspended = capture.global_and_fixture_disabled() if capture else ExitStack()
        with suspended:
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if worker is None and reporter is not None:
                _own_line(reporter, seen)
                reporter.write_line(line)
                return
            sys.stderr.write(f"[{worker}] {line}\n" if worker else f"{line}\n")
            sys.stderr.flush()

    return echo


def _own_line(reporter: Any, seen: dict[str, int]) -> None:
    """Start a line of our own after a row of progress dots. ``write_line`` does at
    normal verbosity; under ``-q`` pytest writes the dots without telling, so a dot
    written since our last line means we are behind one."""
    progress = reporter.reported_progress
    if reporter.verbosity < 0 and progress != seen["progress"]:
        reporter.write("\n")
    seen["progress"] = progress


def announce(config: pytest.Config, line: str) -> None:
    """A line about the whole run: from the controller, or from one xdist worker only."""
    if worker_input(config).get("workerid") in (None, "gw0"):
        echo_to_terminal(config)(line)
