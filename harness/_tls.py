"""One TLS context per process, for every httpx client the harness makes.

httpx builds a fresh ``ssl.SSLContext`` for each client or transport it creates, loading
the whole CA bundle each time (~20 ms), even for a client that only ever speaks plain
HTTP to a loopback sandbox. The suite makes several clients per scenario, so that was
most of a replayed scenario's time. A context is safe to share between clients and
threads once made; it is made as httpx would (``trust_env``: ``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` as they are when the first client is made).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (what ``httpx.Client(verify=True)`` would make)."""
    return httpx.create_ssl_context()


@functools.cache
def _no_tls() -> ssl.SSLContext:
    # Verifying, with no certificate authority loaded: any TLS peer fails verification.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def tls_context_for(base_url: str) -> ssl.SSLContext:
    """The context for a client of ``base_url``: ``tls_context()`` for https; for plain
    http (a loopback sandbox), one that loads no CA bundle (~30 ms of a process's start)
    and so fails any TLS connection made through it, which such a client never makes
    (the harness follows no redirect)."""
    if base_url.lower().startswith("http://"):
        return _no_tls()
    return tls_context()
