"""What a ``harness`` command refuses of what the user gave: ``UserError``, a mistake told in
one line, and ``Seconds``, a number option that refuses what is no number of seconds."""

from __future__ import annotations

import math
from typing import Any

import click


class UserError(click.ClickException):
    """A mistake in what the user gave: printed as one line, exit 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


class Seconds(click.FloatRange):
    """``click.FloatRange`` that refuses nan too: every comparison with nan is false, so
    ``FloatRange`` lets it through, and a wait of nan seconds never ends (or never starts)."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return number
