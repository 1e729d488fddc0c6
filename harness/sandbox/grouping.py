"""Group commit: the requests the server answers in one turn of its event loop are stored
by one commit, and none is answered before that commit.

A request's transactions run with ``Store.transaction(grouped=True)``: each is a savepoint
of the group's transaction, so a refusal still undoes only its own work. Its answer then
waits on ``GroupCommit.durable``. The first waiter of a group schedules the commit with
``loop.call_soon``: the requests already scheduled for this turn run first and join the
group; the commit runs at the next turn, and wakes them all. An answer is never sent for
work that is not committed, so a crash loses nothing that was answered; a failed commit
fails every request of its group (each gets the storage error, none a false success).

The win is the commit's fixed cost and the pages several orders share (a table's last
leaf, an index's), written once per group instead of once per order.
"""

from __future__ import annotations

import asyncio

from .store import PendingCommit, Store


class GroupCommit:
    """Commits a store's open group once per turn of the running event loop."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._scheduled: dict[PendingCommit, asyncio.Future[None]] = {}

    async def durable(self) -> None:
        """Return once everything this request's transactions did is committed; raise what
        made the commit fail. At once when nothing is waiting for a commit."""
        group = self._store.open_group
        if group is None:
            return
        waiting = self._scheduled.get(group)
        if waiting is None:
            loop = asyncio.get_running_loop()
            waiting = self._scheduled[group] = loop.create_future()
            loop.call_soon(self._commit, group, waiting)
        # Shielded: a request cancelled while it waits must not cancel its group's commit.
        await asyncio.shield(waiting)

    def _commit(self, group: PendingCommit, waiting: asyncio.Future[None]) -> None:
        del self._scheduled[group]
        try:
            self._store.commit_group(group)
        except Exception as exc:
            waiting.set_exception(exc)
            waiting.exception()  # retrieved: each waiter raises it on its own
        else:
            waiting.set_result(None)
