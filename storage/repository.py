"""The one async repository over SQLite.

One aiosqlite connection for the app's life (it is one worker thread) and one lock, so two
handlers' BEGIN…COMMIT never interleave. Every change happens inside `transaction()`, whose
`Tx` answers every question the app asks, one method each, grouped by concern.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from storage.alerts_store import AlertQueries
from storage.allocation_store import AllocationQueries
from storage.captains_store import CaptainQueries
from storage.edits_store import EditQueries
from storage.events_store import EventQueries
from storage.known_users import KnownUsers
from storage.ledger_store import LedgerQueries
from storage.migrations import apply_migrations
from storage.records import UserRecord
from storage.relay_store import RelayQueries

logger = logging.getLogger(__name__)


class Tx(
    LedgerQueries,
    EventQueries,
    CaptainQueries,
    EditQueries,
    AlertQueries,
    AllocationQueries,
    RelayQueries,
):
    """All repository queries, bound to one open transaction."""


class Repository:
    """Owns the connection; hands out transactions one at a time."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._known_users = KnownUsers()

    @classmethod
    async def open(cls, path: str | Path) -> Repository:
        """Open (creating if needed) and migrate the database."""
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA busy_timeout = 5000")
        if str(path) != ":memory:":
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
        await apply_migrations(db)
        repo = cls(db)
        await repo._load_known_users()
        return repo

    async def _load_known_users(self) -> None:
        # A few hundred bytes per resident; saves each one a write on their first line.
        rows = await self._db.execute_fetchall(
            """SELECT user_id, first_name, username, language_code, home_chat_id, updated_at
               FROM users"""
        )
        for user_id, first_name, username, language_code, home_chat_id, updated_at in rows:
            self._known_users.load(
                user_id,
                first_name,
                username,
                language_code,
                home_chat_id,
                datetime.fromisoformat(updated_at),
            )

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write transaction: commit on success, roll back on any error."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                tx = Tx(self._db, self._known_users)
                yield tx
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            else:
                await self._db.execute("COMMIT")
                for user, now in tx.saved_users:
                    self._known_users.saved(user, now)

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[Tx]:
        """Queries that each stand alone, in their own implicit transaction.

        For one read, or one write that needs nothing else to be atomic with it (the outbox's
        bookkeeping): it saves the BEGIN and COMMIT round trips to SQLite's thread. Still under
        the lock, so it never lands inside another unit's open transaction.
        """
        async with self._lock:
            yield Tx(self._db, self._known_users)

    def user_unchanged(self, user: UserRecord, now: datetime) -> bool:
        """True if `save_user(user)` would change nothing, known without asking SQLite."""
        return self._known_users.unchanged(user, now)
