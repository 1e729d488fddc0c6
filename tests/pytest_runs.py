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


def run_pytest(
    *args: str,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd``, its cache in ``cache_dir`` (default: a
    temporary folder), output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-o", f"cache_dir={cache_dir or _CACHE}", *args],
        cwd=cwd,
        env=dict(env) if env is not None else {**os.environ},
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
