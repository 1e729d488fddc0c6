"""A folder made once per test run and shared by every xdist worker that asks for it.

pytest-xdist runs a module-scoped fixture once in each worker that runs a test of the
module, and ``--dist worksteal`` spreads a module's tests over the workers: a fixture
that runs the whole suite as a subprocess ran up to four times. ``made_once`` makes the
folder in the first worker that asks (the others wait on a lock) and hands every worker
the same one, with the JSON value ``make`` returned. This is pytest-xdist's own recipe
for a session fixture that runs once (its docs, "Making session-scoped fixtures execute
only once"), with ``fcntl.flock`` for the lock.

What is in the folder is read-only for tests: a test that changes it copies it first.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]
) -> tuple[Path, Any]:
    """The folder ``name`` of this test run, made by ``make(folder)`` once; and the value
    ``make`` returned (JSON). A failed ``make`` leaves nothing: the next worker tries again
    and fails the same way, each with its own error."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above each worker's own
    folder = base / f"made-once-{name}"
    done = base / f"made-once-{name}.json"
    with open(base / f"made-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                value = make(folder)
                done.write_text(json.dumps(value), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder, json.loads(done.read_text(encoding="utf-8"))
