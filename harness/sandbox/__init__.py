"""The local sandbox org: a stateful server that behaves like the cookbook's API.

``create_app`` (``app``) builds the ASGI app; ``harness sandbox serve`` (``server``) runs it;
``running_sandbox`` (``testing``) runs it in a background thread for tests;
``RemoteSandbox`` (``remote``) drives one that runs elsewhere. The names are
imported lazily so that ``harness --help`` does not load the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .remote import RemoteSandbox
    from .testing import SandboxServer, running_sandbox

__all__ = ["RemoteSandbox", "SandboxServer", "create_app", "running_sandbox"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "RemoteSandbox":
        from .remote import RemoteSandbox

        return RemoteSandbox
    if name in ("SandboxServer", "running_sandbox"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
