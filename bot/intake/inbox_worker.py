"""Applies the updates the webhook stored: claim a batch with a lease, apply, forget.

Each `jinlin run --webhook` process runs one InboxWorker next to its webhook server. The
server wakes it after storing an update; it also looks at the table every `poll_interval`
seconds for updates another worker's server received. A claim is a lease: a worker that
dies holding rows lets them go when the lease ends, and another worker applies them. An
update applied twice that way (or delivered twice by Telegram) has its effects once,
because `handlers.common.run_unit` records the update id in the same transaction.

    worker = InboxWorker(app, repo, worker_id="host:1234")
    server = WebhookServer(repo, ..., on_received=worker.wake)
    await worker.run(stop)          # until stop is set; the batch in hand is finished
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import Update

from bot.intake.polling import IN_FLIGHT, AnyApp, apply_updates
from storage.driver import Conflict
from storage.inbox_store import InboxItem
from storage.repository import Repository

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
POLL_INTERVAL_SECONDS = 0.5
RETRY_SECONDS = 2.0
CONFLICT_PAUSE_SECONDS = 0.05


def default_worker_id() -> str:
    """host:pid: unique among the workers sharing a database, readable in the inbox table."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _utc_now() -> datetime:
    # Leases are between processes, maybe machines: real time, not the bot's injected clock.
    return datetime.now(UTC)


class InboxWorker:
    """Claims stored updates in batches and feeds them to the Application in order."""

    def __init__(
        self,
        app: AnyApp,
        repo: Repository,
        *,
        worker_id: str | None = None,
        lease: timedelta = LEASE,
        batch: int = IN_FLIGHT,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.app = app
        self.repo = repo
        self.worker_id = worker_id or default_worker_id()
        self.lease = lease
        self.batch = batch
        self.poll_interval = poll_interval
        self._now = now
        self._wake = asyncio.Event()
        self.applied = 0

    def wake(self) -> None:
        """Look at the inbox now (an update was just stored here)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Apply batches until `stop` is set; the batch in hand is finished first."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    claimed = await self.run_once(stop)
                except Conflict:
                    # A unit kept conflicting with other workers' (each attempt was run again,
                    # up to Repository.run's bound): they are busy with the same rows, which
                    # is no fault to wait out. Look again shortly, not RETRY_SECONDS on.
                    logger.info("inbox: a unit kept conflicting with other workers'")
                    claimed, pause = 0, CONFLICT_PAUSE_SECONDS
                except Exception:
                    # The database went away for a moment: log, wait, try again.
                    logger.exception("inbox: claiming or applying failed; retrying shortly")
                    claimed, pause = 0, RETRY_SECONDS
                else:
                    pause = self.poll_interval
                if claimed:
                    continue  # there may be more waiting
                waking = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait(
                    {waking, stopping}, timeout=pause, return_when=asyncio.FIRST_COMPLETED
                )
                waking.cancel()
        finally:
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopping

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Claim one batch, apply it in order, forget what was applied; returns how many."""
        now = self._now()
        async with self.repo.inbox_statements() as tx:
            items = await tx.claim_inbox(self.worker_id, now, now + self.lease, self.batch)
        if not items:
            return 0
        updates, unreadable = self._read(items)
        # Same rules as long polling: several in flight, transactions taken in update order.
        renewing = asyncio.ensure_future(self._renew([u.update_id for u in updates]))
        try:
            offset = await apply_updates(self.app, updates, stop or asyncio.Event())
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        applied = [u.update_id for u in updates if offset is not None and u.update_id < offset]
        left = [u.update_id for u in updates if u.update_id not in set(applied)]
        async with self.repo.statements() as tx:
            await tx.finish_inbox(applied + unreadable)
            if left:
                # Stopping mid-batch: the rest goes back at once, not after the lease.
                await tx.release_inbox(self.worker_id, left)
        self.applied += len(applied)
        logger.debug("inbox: applied %s update(s), %s handed back", len(applied), len(left))
        return len(items)

    async def _renew(self, update_ids: list[int]) -> None:
        """While a batch is applied, keep its lease: a batch slower than the lease (a stalled
        Bot API, a long report) would otherwise be taken and applied by another worker too.
        Its effects would still happen once (run_unit's claim), but the chat's order and the
        work would not. Renewed at a third of the lease, so one failed renewal is survivable."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            now = self._now()
            try:
                async with self.repo.statements() as tx:
                    held = await tx.renew_inbox(self.worker_id, update_ids, now + self.lease)
            except Exception:
                logger.warning("inbox: could not renew the lease of a batch", exc_info=True)
                continue
            logger.debug("inbox: renewed the lease of %s update(s)", held)

    def _read(self, items: list[InboxItem]) -> tuple[list[Update], list[int]]:
        updates: list[Update] = []
        unreadable: list[int] = []
        for item in items:
            try:
                updates.append(Update.de_json(json.loads(item.payload), self.app.bot))
            except MemoryError:
                raise  # the process's trouble, not the update's: it may read next time
            except Exception as exc:
                # Never applicable, so never kept: claimed again and again it would fail its
                # whole batch each time (a date past any calendar: OverflowError; a message
                # that is a string: AttributeError). The error's type only: no resident's text.
                logger.warning(
                    "inbox: update %s cannot be read (%s); dropped",
                    item.update_id,
                    type(exc).__name__,
                )
                unreadable.append(item.update_id)
        return updates, unreadable
