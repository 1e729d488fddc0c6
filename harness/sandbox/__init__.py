"""The local sandbox org: a stateful server that behaves like the cookbook's API.

``create_app`` (``app``) builds the ASGI app; ``harness sandbox serve`` (``server``) runs it;
``running_sandbox`` (``testing``) runs it in a background thread for tests.
"""

from __future__ import annotations

from .app import create_app
from .testing import SandboxServer, running_sandbox

__all__ = ["SandboxServer", "create_app", "running_sandbox"]
