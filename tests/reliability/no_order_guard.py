"""A pytest plugin for one live-safety test: the order steps' own guard is switched off
(``Guards.order_steps``), so only the transport's guard stands between the suite and an
order on a real org."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.suite.extensions import extend, extensions


def pytest_configure(config: pytest.Config) -> None:
    guards = replace(extensions(config).guards, order_steps=False)
    extend(config, guards=guards)
