"""``harness sandbox serve`` as a real subprocess for the long reliability runs."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.sandbox import served_process


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
    """A sandbox server on a free loopback port (``harness sandbox serve ARGS``); its output
    goes to ``log``."""
    with served_process(log, *args) as (process, base_url):
        yield Served(process, base_url, log)
