"""A pytest plugin for tests: at the end of each scenario, may this process open a socket?

Appends ``<scenario name>\\topen`` or ``<scenario name>\\tblocked`` to the file named by
``$SOCKET_PROBE_FILE``.
"""

import os
import socket
from typing import Any


def pytest_bdd_after_scenario(request: Any, feature: Any, scenario: Any) -> None:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        state = "open"
    except RuntimeError:  # pytest-socket's SocketBlockedError
        state = "blocked"
    with open(os.environ["SOCKET_PROBE_FILE"], "a", encoding="utf-8") as out:
        out.write(f"{scenario.name}\t{state}\n")
