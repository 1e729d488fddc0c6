"""A URL as a message may show it: no user name or password, no query, no fragment."""

from __future__ import annotations

from urllib.parse import urlsplit


def redacted_url(url: str, limit: int = 200) -> str:
    """``url`` with its userinfo shown as ``***@`` and its query and fragment left out
    (either may carry a token), cut at ``limit``; a text that is no URL, only cut."""
    parts = urlsplit(url.strip())
    if not parts.scheme and not parts.netloc:
        return url[:limit]
    userinfo = "***@" if "@" in parts.netloc else ""
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{userinfo}{host}{parts.path}"[:limit]
