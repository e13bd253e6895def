"""Which worker runs the timed jobs (upkeep: expiries, reminders, digests, purges).

With SQLite there is one process and it always leads. With several workers on PostgreSQL
the leader is the one holding a session-level advisory lock on a connection of its own.
Every worker checks every `check_every` seconds: the leader that its session is alive, the
others whether the lock came free. The jobs ask once more right before they work, so a
worker that lost its session skips the round instead of running it beside the new leader
(and even then the reminders stay single: each is recorded in `sent_reminders` in the
transaction that puts it in the outbox).

How soon another worker takes over:
- the leader's process dies or its connection is cut: PostgreSQL frees the lock at once, a
  standby takes it at its next check, within `check_every` (10 s);
- the leader's machine vanishes: the server notices through TCP keepalives (idle 10 s,
  then 3 probes 5 s apart: 25 s), so within 25 s + `check_every` = 35 s.
The new leader runs its jobs straight away (`on_elected`), so the timed work resumes within
TAKEOVER_BOUND of the old leader's end, inside the one minute issue 8 asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from storage.driver import SERVER_KEEPALIVE, SERVER_KEEPALIVE_BOUND_SECONDS
from storage.repository import Repository
from storage.workers_store import AdvisoryLock

logger = logging.getLogger(__name__)

CHECK_SECONDS = 10.0
TAKEOVER_BOUND_SECONDS = SERVER_KEEPALIVE_BOUND_SECONDS + CHECK_SECONDS


class Leadership:
    """Whether this worker leads; `lock=None` (SQLite: one process) always leads."""

    def __init__(
        self,
        lock: AdvisoryLock | None = None,
        *,
        check_every: float = CHECK_SECONDS,
        on_elected: Callable[[], object] | None = None,
    ) -> None:
        self._lock = lock
        self.check_every = check_every
        self.on_elected = on_elected
        self.is_leader = lock is None
        self._task: asyncio.Task[None] | None = None
        # A leader whose session was cut steps aside for two checks, so a healthy standby
        # takes over rather than the worker that just lost its connection.
        self._stand_aside_until = 0.0

    @classmethod
    def for_repository(
        cls,
        repo: Repository,
        *,
        check_every: float = CHECK_SECONDS,
        on_elected: Callable[[], object] | None = None,
    ) -> Leadership:
        """Always the leader on SQLite; an advisory-lock contender on PostgreSQL."""
        url = getattr(repo.backend, "url", None)
        if not repo.backend.shares_database or url is None:
            return cls(on_elected=on_elected)
        settings = {**SERVER_KEEPALIVE, "application_name": "jinlin-scheduler"}
        lock = AdvisoryLock(url, settings=settings, timeout=min(check_every, 5.0))
        return cls(lock, check_every=check_every, on_elected=on_elected)

    async def check(self) -> bool:
        """Ask the database now: True if this worker leads (taking the lock if it is free)."""
        if self._lock is None:
            return True
        if not self.is_leader and time.monotonic() < self._stand_aside_until:
            return False
        leading = await self._lock.hold()
        if leading != self.is_leader:
            self.is_leader = leading
            if leading:
                logger.info("this worker now runs the scheduled jobs")
                if self.on_elected is not None:
                    self.on_elected()
            else:
                logger.warning("this worker no longer runs the scheduled jobs")
                self._stand_aside_until = time.monotonic() + 2 * self.check_every
        return leading

    async def start(self) -> None:
        """Check once now, then every `check_every` seconds in the background."""
        await self.check()
        if self._lock is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_checking())

    async def _keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.check_every)
            try:
                await self.check()
            except Exception:  # a background task has nobody to raise to: log it loudly
                logger.exception("checking the scheduler lock failed; trying again")

    async def backend_pid(self) -> int | None:
        """The server process holding (or seeking) the lock; None on SQLite."""
        return None if self._lock is None else await self._lock.backend_pid()

    async def close(self) -> None:
        """Stop checking and end the session, so another worker leads at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._lock is not None:
            await self._lock.release()
        self.is_leader = self._lock is None
