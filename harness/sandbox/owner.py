"""One sandbox per database file: ``DbOwner`` holds an exclusive lock beside the file.

Two servers on one ``--db`` would each keep their own clock and faults over shared rows
(one's advance would fail the other's fresh provisioning request, one's reset would leave
the other's clock), so the second is refused, naming the first. The lock is
``<db>.lock`` beside the database file itself (symbolic links followed: the same file
by another path is the same database), held with ``flock`` for as long as the sandbox
runs and released by the kernel when its process ends however it ends (a SIGKILLed
server leaves no stale lock). The file says who holds it: ``{"pid": ..., "url": ...}``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Any


class DbInUse(RuntimeError):
    """Another sandbox holds the database; the message names it (pid, URL)."""


class DbOwner:
    """The exclusive right to serve one database file (POSIX ``flock``)."""

    def __init__(self, db: Path) -> None:
        # By the file's real path: a lock beside a link to it would let a second server in.
        real = Path(os.path.realpath(db))
        self.path = real.with_name(real.name + ".lock")
        self._fd: int | None = None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _describe(_read(fd))
                os.close(fd)
                raise DbInUse(
                    f"{db}: in use by another sandbox ({holder}); stop it, or start on "
                    "another --db file"
                ) from None
            # The previous owner removes the file on release: if it did between our open
            # and our lock, we hold a lock on a file nobody else will see. Try again.
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                self._fd = fd
                break
            os.close(fd)
        self.announce(None)

    def announce(self, url: str | None) -> None:
        """Write who holds the lock: this process, and the URL it serves once it listens."""
        if self._fd is None:
            return
        text = json.dumps({"pid": os.getpid(), "url": url}).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text, 0)

    def release(self) -> None:
        """Remove the lock file and let go of the lock. Idempotent."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


def _read(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict[str, Any]) -> str:
    parts = []
    if isinstance(holder.get("pid"), int):
        parts.append(f"pid {holder['pid']}")
    if isinstance(holder.get("url"), str):
        parts.append(holder["url"][:200])
    return ", ".join(parts) or "it has not said who it is yet"
