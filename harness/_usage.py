"""``UserError``: a mistake in what the user gave a ``harness`` command, told in one line."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """A mistake in what the user gave: printed as one line, exit 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message
