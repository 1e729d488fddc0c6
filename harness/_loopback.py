"""Is a host (or a URL's host) on this machine? The one answer the sandbox and the suite use."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """True when the URL's host is loopback."""
    return is_loopback_host(urlsplit(url).hostname or "")
