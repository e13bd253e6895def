"""The one async repository, over SQLite (embedded, the default) or PostgreSQL (shared).

`Repository.open(target)` takes a file path (or ":memory:") for SQLite, or a
`postgresql://` URL. Every change happens inside `transaction()`, whose `Tx` answers every
question the app asks, one method each, grouped by concern; `run(work)` is the same, run
again when PostgreSQL reports that another worker's transaction conflicted with it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from storage.access_store import AccessQueries
from storage.alerts_store import AlertQueries
from storage.allocation_store import AllocationQueries
from storage.bookings_store import BookingQueries
from storage.captains_store import CaptainQueries
from storage.civic_store import CivicQueries
from storage.corrections_store import CorrectionQueries
from storage.driver import (
    Backend,
    Conflict,
    Connection,
    Dialect,
    PostgresBackend,
    Replay,
    Replays,
    Synchronous,
    open_backend,
)
from storage.edits_store import EditQueries
from storage.events_store import EventQueries
from storage.inbox_store import InboxQueries
from storage.known_users import KnownUsers
from storage.ledger_store import LedgerQueries
from storage.migrations import apply_migrations
from storage.monitoring_store import MonitoringQueries
from storage.reader_languages import Reading, Readings
from storage.records import UserRecord
from storage.relay_store import RelayQueries
from storage.roster_store import RosterQueries
from storage.skills_store import SkillQueries
from storage.user_changes import UserChanges
from storage.volunteers_store import VolunteerQueries
from storage.workers_store import WorkerQueries

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A conflicting transaction is run again this many times before the error is let through.
CONFLICT_ATTEMPTS = 8


class Tx(
    LedgerQueries,
    EventQueries,
    CaptainQueries,
    EditQueries,
    AlertQueries,
    AllocationQueries,
    RelayQueries,
    InboxQueries,
    WorkerQueries,
    AccessQueries,
    MonitoringQueries,
    CorrectionQueries,
    BookingQueries,
    CivicQueries,
    VolunteerQueries,
    RosterQueries,
    SkillQueries,
):
    """All repository queries, bound to one open transaction."""


class Repository:
    """Owns the database backend; hands out transactions one at a time per process."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        # Residents' rows as last committed here. Sound alone; with several workers on
        # PostgreSQL, only while `_changes` hears the others' writes (it turns it on).
        self._known_users = KnownUsers(enabled=not backend.shares_database)
        self._readings = Readings()
        self._changes: UserChanges | None = None

    @property
    def dialect(self) -> Dialect:
        return self.backend.dialect

    @classmethod
    async def open(cls, target: str | Path, *, synchronous: Synchronous = "normal") -> Repository:
        """Open (creating if needed) and migrate the database at a path or URL.

        `synchronous`: SQLite's durability, "normal" or "full" (see StorageSection).
        """
        backend = await open_backend(target, synchronous=synchronous)
        try:
            await apply_migrations(backend)
        except BaseException:
            await backend.close()
            raise
        repo = cls(backend)
        try:
            if isinstance(backend, PostgresBackend):
                # Listening first: a change made while the rows load is heard after.
                repo._changes = UserChanges(backend.url, repo._known_users)
                await repo._changes.start()
            await repo._load_known_users()
            await repo.load_readings()
        except BaseException:
            await repo.close()
            raise
        return repo

    async def load_readings(self) -> None:
        """Read every resident's reading language again (see storage/reader_languages.py)."""
        async with self.backend.statements(lengthy=True) as db:
            rows = await db.execute_fetchall(
                """SELECT user_id, language, script FROM users
                   WHERE language IS NOT NULL OR script IS NOT NULL"""
            )
        self._readings.replace_all((r["user_id"], r["language"], r["script"]) for r in rows)

    def reading(self, user_id: int) -> Reading:
        """A resident's /lang choice and writing script, as last committed."""
        return self._readings.of(user_id)

    async def _load_known_users(self) -> None:
        # A few hundred bytes per resident; saves each one a write on their first line.
        async with self.backend.statements(lengthy=True) as db:
            rows = await db.execute_fetchall(
                """SELECT user_id, first_name, username, language_code, home_chat_id, updated_at,
                          script
                   FROM users"""
            )
        for row in rows:
            self._known_users.load(
                row["user_id"],
                row["first_name"],
                row["username"],
                row["language_code"],
                row["home_chat_id"],
                datetime.fromisoformat(row["updated_at"]),
                row["script"],
            )

    async def close(self) -> None:
        if self._changes is not None:
            await self._changes.close()
        await self.backend.close()

    @asynccontextmanager
    async def transaction(
        self, *, lengthy: bool = False, group: bool = False, replay: Replays | None = None
    ) -> AsyncIterator[Tx]:
        """One write transaction: commit on success, roll back on any error.

        `lengthy`: work that may scan many rows (the upkeep tick, reports); on SQLite it runs
        off the event loop's thread, which short units of work do not pay for. `group`: on
        PostgreSQL the transaction may be shared with the units queued behind it (see
        PostgresBackend); the caller must run its work again on `Conflict`, as `run` does,
        and on `Replay` at once, handing its `replays` back here.
        """
        async with self.backend.transaction(lengthy=lengthy, group=group, replay=replay) as db:
            tx = Tx(db, self._known_users, notice_as=self._notice_as)
            yield tx
            await self._announce(db, tx)
        for user, now in tx.saved_users:
            self._known_users.saved(user, now)
        self._readings.apply(tx.reading_changes)

    async def run(self, work: Callable[[Tx], Awaitable[T]], *, lengthy: bool = False) -> T:
        """`work` in one transaction, run again (from scratch) if another worker conflicted.

        `work` must keep its effects inside the transaction: it may run more than once.
        """
        replay: Replays | None = None
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                # A rerun goes alone: its group's other units need not conflict again. Long
                # work goes alone too: quick units must not wait on it for their commit.
                alone = attempt > 1 or lengthy
                async with self.transaction(lengthy=lengthy, group=not alone, replay=replay) as tx:
                    return await work(tx)
            except Replay as exc:
                # Another unit of its group failed: again at once, in the turn kept for it.
                replay = exc.replays
                continue
            except Conflict:
                replay = None
                if attempt == CONFLICT_ATTEMPTS:
                    raise
                logger.info("transaction conflicted with another worker; attempt %s", attempt + 1)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def statements(self, *, lengthy: bool = False) -> AsyncIterator[Tx]:
        """Queries that each stand alone, in their own implicit transaction.

        For one read, or one write that needs nothing else to be atomic with it (the outbox's
        bookkeeping): it saves the BEGIN and COMMIT round trips. Still one at a time, so it
        never lands inside another unit's open transaction.
        """
        async with self.backend.statements(lengthy=lengthy) as db:
            tx = Tx(db, self._known_users, notice_as=self._notice_as)
            yield tx
            await self._announce(db, tx)

    @asynccontextmanager
    async def inbox_statements(self) -> AsyncIterator[Tx]:
        """`statements()` for the inbox worker's claims: on PostgreSQL a connection of their
        own, beside the units of work (see PostgresBackend.inbox_statements)."""
        async with self.backend.inbox_statements() as db:
            yield Tx(db, self._known_users, notice_as=self._notice_as)

    async def _announce(self, db: Connection, tx: Tx) -> None:
        """Other workers forget the residents whose rows this transaction wrote."""
        if self._changes is None:
            return
        written = tx.changed_users | {user.user_id for user, _ in tx.saved_users}
        written -= tx.created_users | tx.announced_users
        if written:
            await self._changes.announce(db, written)

    @property
    def _notice_as(self) -> str | None:
        return self._changes.me if self._changes is not None else None

    def user_unchanged(self, user: UserRecord, now: datetime) -> bool:
        """True if `save_user(user)` would change nothing, known without asking the database."""
        return self._known_users.unchanged(user, now)
