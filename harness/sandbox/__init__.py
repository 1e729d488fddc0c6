"""The local sandbox org: a stateful server that behaves like the cookbook's API.

``create_app`` (``app``) builds the ASGI app; ``harness sandbox serve`` (``server``) runs it;
``running_sandbox`` (``testing``) runs it in a background thread for tests;
``served_process`` (``process``) runs ``harness sandbox serve`` as a process of its own;
``SandboxChecks`` (``app.Checks``) are its contract checks, a setting of ``create_app``;
``SandboxControl`` (``control``; also called ``RemoteSandbox``) drives any running one
through its control endpoints. The names are imported lazily so that ``harness --help``
does not load the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Checks as SandboxChecks
    from .app import create_app
    from .control import RemoteSandbox, SandboxControl
    from .process import served_process
    from .testing import SandboxServer, running_sandbox

__all__ = [
    "RemoteSandbox",
    "SandboxChecks",
    "SandboxControl",
    "SandboxServer",
    "create_app",
    "running_sandbox",
    "served_process",
]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "SandboxChecks"):
        from . import app

        return app.create_app if name == "create_app" else app.Checks
    if name in ("SandboxControl", "RemoteSandbox"):
        from . import control

        return getattr(control, name)
    if name == "served_process":
        from . import process

        return process.served_process
    if name in ("SandboxServer", "running_sandbox"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
