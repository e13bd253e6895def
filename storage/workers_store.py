"""What several workers on one database share: outbox leases, rate windows, posting counts,
and the scheduler's advisory lock.

On SQLite there is one process, so these answer the same as before (the lease is always
the process's own); on PostgreSQL they are what keeps N workers from sending a message
twice, from giving a group N budgets, or from running the timed jobs N times.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from storage.driver import PostgresBackend, close_within
from storage.records import OutboxRow
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts

logger = logging.getLogger(__name__)

# The scheduler's advisory lock: one key per database ("JINLIN" + 1). Advisory locks are
# scoped to the database, so deployments sharing a server do not contend.
SCHEDULER_LOCK = 0x4A494E4C494E0001
# What a lost or unreachable server looks like from asyncpg.
_UNREACHABLE = (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class SharedStateUnavailable(Exception):
    """The shared database did not answer (down, or the connection was cut)."""


class WorkerQueries(TxBase):
    """Outbox leases, shared rate windows and group posting counts."""

    # --- outbox leases ------------------------------------------------------------------

    async def claim_outbox(
        self,
        worker: str,
        now: datetime,
        until: datetime,
        limit: int,
        due_by: datetime | None = None,
    ) -> list[OutboxRow]:
        """Take up to `limit` unsent rows, oldest first, until `until`.

        `due_by` (the bot's clock): rows held until later (a nudge waiting out quiet hours)
        are left where they are, so they never stand in the way of the rows after them.

        A row is free when nobody holds it, its holder's lease has passed, or this worker
        already holds it (a flush that stopped on a flood-control wait). SKIP LOCKED lets a
        second worker claiming at the same instant take the next rows instead of waiting.
        """
        rows = await self._all(
            f"""UPDATE outbox SET claimed_by = ?, claimed_until = ?
               WHERE id IN (SELECT id FROM outbox
                            WHERE sent_at IS NULL
                              AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)
                              AND (not_before IS NULL OR not_before <= ?)
                            ORDER BY id LIMIT ? {self.dialect.skip_locked})
               RETURNING id, effect""",
            (worker, _ts(until), _ts(now), worker, _ts(due_by or now), limit),
        )
        return sorted((OutboxRow(r["id"], r["effect"]) for r in rows), key=lambda r: r.id)

    async def renew_outbox_claims(self, worker: str, until: datetime) -> set[int]:
        """Extend this worker's lease on its unsent rows; the ids it still holds."""
        rows = await self._all(
            """UPDATE outbox SET claimed_until = ?
               WHERE claimed_by = ? AND sent_at IS NULL RETURNING id""",
            (_ts(until), worker),
        )
        return {r["id"] for r in rows}

    async def release_outbox_claims(self, worker: str) -> int:
        """Give back this worker's unsent rows (a clean shutdown): others send them now."""
        cur = await self._db.execute(
            """UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
               WHERE claimed_by = ? AND sent_at IS NULL""",
            (worker,),
        )
        return cur.rowcount

    # --- shared flood limits ------------------------------------------------------------

    async def take_rate_slot(self, scope: str, window_start: int, limit: int) -> bool:
        """Count one Bot API call in a window; False (nothing counted) if it is full."""
        rows = await self._all(
            """INSERT INTO rate_windows (scope, window_start, count) VALUES (?, ?, 1)
               ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_windows.count + 1
               WHERE rate_windows.count < ? RETURNING count""",
            (scope, window_start, limit),
        )
        return bool(rows)

    async def rate_window_counts(self, scope: str) -> dict[int, int]:
        """Calls counted per window of a scope (for tests and logs)."""
        rows = await self._all(
            "SELECT window_start, count FROM rate_windows WHERE scope = ? ORDER BY window_start",
            (scope,),
        )
        return {r["window_start"]: r["count"] for r in rows}

    # --- the group posting budget --------------------------------------------------------

    async def count_group_post(
        self, chat_id: int, now: datetime, *, since: datetime, limit: int
    ) -> bool:
        """Count a post in a group unless `limit` posts were made after `since`.

        Run it in a SERIALIZABLE transaction: two workers counting the same group's last
        slot conflict, and the one run again sees the budget spent. (Essential posts are
        always counted, by the statement marking them sent: LedgerQueries.mark_sent.)
        """
        # Count and insert in one statement: one round trip.
        cur = await self._db.execute(
            """INSERT INTO group_posts (chat_id, posted_at)
               SELECT ?, ? WHERE (SELECT COUNT(*) FROM group_posts
                                  WHERE chat_id = ? AND posted_at > ?) < ?""",
            (chat_id, _ts(now), chat_id, _ts(since), limit),
        )
        return cur.rowcount == 1

    async def group_posts_since(self, chat_id: int, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM group_posts WHERE chat_id = ? AND posted_at > ?",
            (chat_id, _ts(since)),
        )
        return int(row["n"]) if row else 0

    async def prune_shared_counters(self, posts_before: datetime, windows_before: int) -> None:
        """Forget posting counts and rate windows nobody looks at any more."""
        await self._db.execute("DELETE FROM group_posts WHERE posted_at < ?", (_ts(posts_before),))
        await self._db.execute("DELETE FROM rate_windows WHERE window_start < ?", (windows_before,))


class RateWindows:
    """Shared rate windows on a small pool of their own.

    Not the repository's connections: a Bot API call may be made while this process has a
    transaction open, and the slot must not wait for that transaction to end.
    """

    def __init__(self, backend: PostgresBackend) -> None:
        self._backend = backend

    @classmethod
    async def open(cls, url: str) -> RateWindows:
        return cls(await PostgresBackend.open(url))

    async def take(self, scope: str, window_start: int, limit: int) -> bool:
        """One slot in the window, or False when it is full."""
        try:
            async with self._backend.statements() as db:
                return await WorkerQueries(db).take_rate_slot(scope, window_start, limit)
        except _UNREACHABLE as exc:
            raise SharedStateUnavailable(str(exc)) from exc

    async def close(self) -> None:
        await self._backend.close()


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on a connection of its own.

    Not a pool connection: a pool resets connections it takes back (which unlocks every
    advisory lock). The lock lives exactly as long as the session: when the holding process
    dies, or its connection is cut, PostgreSQL releases it and another session may take it.
    """

    def __init__(
        self,
        url: str,
        key: int = SCHEDULER_LOCK,
        *,
        settings: Mapping[str, str] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._key = key
        self._settings = dict(settings or {})
        self._timeout = timeout
        self._conn: Any = None
        self._held = False
        self._busy = asyncio.Lock()  # one query at a time on the one connection

    async def hold(self) -> bool:
        """True while this session holds the lock: takes it if it is free.

        False if another session holds it, or the database cannot be reached (then this
        session is dropped, so the server frees the lock for the others).
        """
        async with self._busy:
            return await self._hold()

    async def _hold(self) -> bool:
        if self._held and (self._conn is None or self._conn.is_closed()):
            # The session (and with it the lock) is gone: report it before contending again.
            await self._release()
            return False
        try:
            if self._conn is None or self._conn.is_closed():
                self._held = False
                self._conn = await asyncpg.connect(
                    self._url, server_settings=self._settings, timeout=self._timeout
                )
            if self._held:
                # A session lock lasts as long as its session: a live session still holds it.
                await self._conn.fetchval("SELECT 1", timeout=self._timeout)
            else:
                self._held = bool(
                    await self._conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
                    )
                )
        except _UNREACHABLE as exc:
            logger.warning("advisory lock session lost: %s", exc)
            await self._release()
            return False
        return self._held

    async def backend_pid(self) -> int | None:
        """The server process of this session (tests cut it to simulate a lost leader)."""
        if self._conn is None or self._conn.is_closed():
            return None
        return int(self._conn.get_server_pid())

    async def release(self) -> None:
        """End the session; the server frees the lock."""
        async with self._busy:
            await self._release()

    async def _release(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None and not conn.is_closed():
            try:
                await close_within(conn, self._timeout)  # cut if it takes longer
            except _UNREACHABLE:
                conn.terminate()
