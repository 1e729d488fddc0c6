"""pytest in a subprocess, from the repository root, with a cache of its own.

pytest's cache provider is on in this project (``--lf``, ``--ff``): a run a test starts
must not write its failures into the repository's ``.pytest_cache``, or the next
``pytest --lf`` of the person running the tests would rerun them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: One cache folder for the subprocess runs of this test process.
_CACHE = tempfile.mkdtemp(prefix="harness-tests-pytest-cache-")
#: Where the live runs a test starts write their assumption ledger: not the repository's
#: reports/ (``ledger_option``).
_LEDGERS = tempfile.mkdtemp(prefix="harness-tests-ledgers-")


def ledger_option() -> str:
    """``--assumptions-ledger`` for a live run a test starts, outside the repository."""
    return f"--assumptions-ledger={Path(tempfile.mkdtemp(dir=_LEDGERS)) / 'assumptions.json'}"


def run_pytest(
    *args: str,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd``, its cache in ``cache_dir`` (default: a
    temporary folder), output captured as text. Its options are ARGS alone: the
    ``PYTEST_ADDOPTS`` of whoever runs the tests (``--durations``, ``-x``) is left out, as
    it would change what the run does and prints."""
    run_env = dict(env) if env is not None else {**os.environ}
    run_env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-o", f"cache_dir={cache_dir or _CACHE}", *args],
        cwd=cwd,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


#: This installation's ``harness`` script.
HARNESS = str(Path(sys.executable).parent / "harness")


def run_harness(
    *args: str, env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``harness ARGS`` as a subprocess in ``cwd`` with exactly ``env``, output as text."""
    return subprocess.run(
        [HARNESS, *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
