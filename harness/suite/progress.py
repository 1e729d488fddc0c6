"""Progress of a scenario's waits: on the terminal while it runs, and in the report.

On a real org a provisioning request or an order takes minutes. Every wait of a scenario
is an Allure step, ``wait for order <id> (deadline 600 s)``, holding each poll: the
request (its exchange) and a step naming the state it answered and the time waited.
Where the waiting is real (a real clock: live mode, a sandbox that is not ours to move),
each poll is also one line on the terminal, past pytest's output capture::

    [gw1] new_site/Jira Enterprise on a new site: order 5c1e…: PROCESSING: O1 PROCESSING,
          O2 PROCESSING (4 s of 600 s)

On virtual time (the embedded sandbox's clock, cassettes) nothing really waits, and the
terminal stays quiet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from harness.client import Poll

from .attachments import step

#: Writes one line to the terminal (the plugin gives one that gets past pytest's capture).
Echo = Callable[[str], None]


def poll_line(scenario: str, poll: Poll) -> str:
    """One terminal line for a poll: scenario, what is awaited, state, elapsed of deadline."""
    ending = ", done" if poll.final else ""
    return (
        f"{scenario}: {poll.what}: {poll.state} "
        f"({poll.elapsed:.0f} s of {poll.timeout:.0f} s{ending})"
    )


class WaitProgress:
    """The progress of one scenario's waits. ``echo`` None: report only (virtual time)."""

    def __init__(self, scenario: str, echo: Echo | None = None) -> None:
        self.scenario = scenario
        self.echo = echo

    @contextmanager
    def wait(self, what: str, timeout: float) -> Iterator[Callable[[Poll], None]]:
        """An Allure step for the wait; yields the ``on_poll`` to give the waiter."""
        if self.echo is not None:
            self.echo(f"{self.scenario}: waiting for {what} (deadline {timeout:.0f} s)")
        with step(f"wait for {what} (deadline {timeout:.0f} s)"):
            yield self.on_poll

    def on_poll(self, poll: Poll) -> None:
        with step(f"poll {poll.number} after {poll.elapsed:.1f} s: {poll.state}"):
            pass
        if self.echo is not None:
            self.echo(poll_line(self.scenario, poll))
