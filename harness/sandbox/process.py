"""``harness sandbox serve`` as a process of its own, for whatever needs a sandbox that is
not in its own process: the benchmark's live runs, the long reliability runs (SIGKILL, load,
schemathesis) and the tests of a live run against a served org.

The process listens on a free loopback port; its base URL is read from the banner it
prints once it listens (``server.banner``), from the log file its output goes to (a pipe
nobody reads would fill up under load and stall the server).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The banner's first line (``server.banner``): where the sandbox listens.
_LISTENING = re.compile(r"listening on (http://\S+)")


@contextmanager
def served_process(
    log: Path, *args: str, startup_seconds: float = 60.0
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``harness sandbox serve --port 0 ARGS`` and its base URL once it listens; stopped
    (SIGTERM, then SIGKILL after 15 s) when the block ends, unless it ended already.
    ``RuntimeError`` with the log's end if it exits or is silent for ``startup_seconds``."""
    command = [sys.executable, "-m", "harness.cli", "sandbox", "serve", "--port", "0", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + startup_seconds
        # Waiting for the process to listen, not for any sandbox state.
        while not (found := _LISTENING.search(log.read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.02)
        yield process, found[1]
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
