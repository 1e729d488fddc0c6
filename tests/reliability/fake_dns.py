"""A pytest plugin for the live-safety tests: ``api.atlassian.test`` resolves to 127.0.0.1.

The host name is not loopback to the suite's order guard (it judges by name), but every
connection to it stays on this machine, where a recording server poses as the real API.
"""

from __future__ import annotations

import socket
from typing import Any

#: The name of the "remote" API; the .test TLD never resolves on a real network.
REMOTE_HOST = "api.atlassian.test"

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host in (REMOTE_HOST, REMOTE_HOST.encode()):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
