"""``harness sandbox serve`` as a real subprocess for the long reliability runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HARNESS = str(Path(sys.executable).parent / "harness")
_STARTUP_SECONDS = 60.0


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def live_env(self, profile: dict[str, object]) -> dict[str, str]:
        """The environment of a live run against this server as the org of ``profile``
        (a profile's data: its org id and API key)."""
        org = profile["org"]
        assert isinstance(org, dict)
        return {
            **os.environ,
            "ATLASSIAN_BASE_URL": self.base_url,
            "ATLASSIAN_ORG_ID": org["id"],
            "ATLASSIAN_API_KEY": org["apiKey"],
        }

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no closing of the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        """SIGTERM: the server finishes what it serves and closes the database."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)


@contextmanager
def served(log: Path, *args: str) -> Iterator[Served]:
    """A sandbox server on a free loopback port; its output goes to ``log`` (a pipe
    nobody reads would fill up under load and stall the server)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [HARNESS, "sandbox", "serve", "--port", "0", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + _STARTUP_SECONDS
        # Waiting for the process to listen (its banner), not for sandbox state.
        while not (found := re.search(r"listening on (http://\S+)", log.read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start:\n{log.read_text()}")
            time.sleep(0.02)
        yield Served(process, found[1], log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(15)
