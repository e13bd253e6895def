"""The two databases behind one small connection interface.

The store modules ask three things of a connection: run a statement (and learn how many rows
it touched), run it once per parameter set, and fetch rows. `SqliteConnection` answers on the
event loop's thread (short statements), `ThreadedSqliteConnection` over aiosqlite (work that
may take long), `PostgresConnection` over asyncpg. Rows from
either are indexable by position and by column name, which is all the stores use.

A backend owns the connections and hands one out per transaction (`transaction()`) or for
standalone statements (`statements()`). Both keep one transaction at a time per process, so
the bot behaves the same on either; between processes PostgreSQL's SERIALIZABLE isolation
keeps them correct, and a conflict surfaces as `Conflict`, for the caller to run again.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import aiosqlite
import asyncpg

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Dialect(StrEnum):
    """Which database a connection speaks to, and the few query fragments that differ.

    Statements are written once, in SQL both databases accept (`ON CONFLICT DO NOTHING`,
    `CASE` rather than SQLite's two-argument `MAX`); where they cannot agree, the difference
    is spelled out here or beside the statement. The driver changes one thing only: it
    numbers the `?` marks for asyncpg (`numbered_placeholders`).
    """

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"

    @property
    def skip_locked(self) -> str:
        """The row lock a claim takes: PostgreSQL's workers each take different rows.

        SQLite has no row locks and needs none: its one writer holds the whole file.
        """
        return "FOR UPDATE SKIP LOCKED" if self is Dialect.POSTGRESQL else ""

    def among(self, ids: str) -> str:
        """`IN (ids)` for a subquery of a few row ids, found through the primary key.

        PostgreSQL plans `IN (subquery)` as a join, and the inbox's connection plans with no
        nested loops (PostgresBackend.inbox_statements): a hash join that read the whole
        table to find a claim's few rows. Given an array of the ids instead, it looks each
        one up in the index.
        """
        return f"= ANY(ARRAY({ids}))" if self is Dialect.POSTGRESQL else f"IN ({ids})"


class Row(Protocol):
    """A fetched row: by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


class Conflict(Exception):
    """Another process changed what this transaction read; running it again will succeed."""


class Replays:
    """The units of a group rolled back for another unit's failure, still to run again.

    Until they have, in their order, no unit queued behind them takes the connection
    (PostgresBackend._turn): a batch's transactions stay in update order.
    """

    def __init__(self, count: int) -> None:
        self.left = count
        self.over = asyncio.Event()
        if count <= 0:
            self.over.set()

    def one_done(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.over.set()


class Replay(Conflict):
    """This unit's work was rolled back with its group (another unit failed): run it again
    now, ahead of the units queued behind it (`Repository.run` does)."""

    def __init__(self, message: str, replays: Replays) -> None:
        super().__init__(message)
        self.replays = replays


# SQLite's primary result codes for a database that is busy or briefly unusable, not wrong:
# BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN, PROTOCOL.
_PASSING_SQLITE_CODES = frozenset({5, 6, 7, 10, 13, 14, 15})


# The process short of a resource for a moment: every file descriptor in use (a burst of
# connections), no memory or buffer for a socket. Not the file or the code: it passes.
_PASSING_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def is_passing_fault(error: BaseException | None) -> bool:
    """Whether `error` says the database was unavailable (locked, full, disconnected), or
    the process was short of a resource (file descriptors) for a moment.

    Such a unit will succeed later: the update is applied again rather than confirmed (what
    it committed already, its exactly-once claim keeps from repeating). Anything else (a
    bug, a constraint) would fail the same way every time.
    """
    if isinstance(error, OSError) and error.errno in _PASSING_ERRNOS:
        return True
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _PASSING_SQLITE_CODES
    return isinstance(
        error,
        Conflict
        | asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        | asyncpg.exceptions.OperatorInterventionError
        | asyncpg.exceptions.InsufficientResourcesError
        | ConnectionError
        | TimeoutError,
    )


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED


@dataclass(frozen=True, slots=True)
class Result:
    rowcount: int


class Connection(Protocol):
    dialect: Dialect

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result: ...

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None: ...

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]: ...


def is_postgres_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


# --- SQLite -------------------------------------------------------------------------------

# Commits between two WAL checkpoints. SQLite's own automatic checkpoint would run inside a
# COMMIT on the event loop's thread and fsync there; instead it runs on aiosqlite's thread.
# A unit writes a few pages, so the log stays in the low megabytes between checkpoints.
CHECKPOINT_EVERY_COMMITS = 256
# Page cache of the units' connection (SQLite's default is 2 MB). With 100,000 open entries
# the ledger's hot index pages stay in it instead of being read from the OS on each lookup:
# `jinlin bench load` ran ~8 % faster for ~14 MB more resident memory.
INLINE_CACHE_KIB = 16_000
# How long a unit waits for another writer of the file (`jinlin import`, a sqlite3 shell)
# before it gives up and its update is applied again later. The wait is asyncio sleeps:
# SQLite's own busy timeout would sleep on the event loop's thread and freeze the bot.
BUSY_WAIT_SECONDS = 5.0
_BUSY_PAUSE_MAX_SECONDS = 0.05


async def _when_not_busy(db: sqlite3.Connection, run: Callable[[], T]) -> T:
    """`run()`, tried again while another connection holds the write lock, up to a bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_WAIT_SECONDS
    pause = 0.001
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            # Inside an open transaction a statement is not simply repeatable: let it go.
            if not _is_busy(exc) or db.in_transaction or loop.time() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _BUSY_PAUSE_MAX_SECONDS)


class SqliteConnection:
    """Statements run where they are awaited: on the event loop's thread.

    A unit of work's statements are index lookups and single-row writes of a few
    microseconds; handing each to a thread and back costs more than running it (measured
    in `jinlin bench load`: ~50-120 µs of CPU per hop against ~10 µs per statement).
    """

    dialect = Dialect.SQLITE

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        try:
            return Result(self._db.execute(sql, tuple(params)).rowcount)
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or self._db.in_transaction:
                raise
        # A standalone write (`statements()`) found another writer: wait off the thread.
        cursor = await _when_not_busy(self._db, lambda: self._db.execute(sql, tuple(params)))
        return Result(cursor.rowcount)

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(p) for p in params]
        await _when_not_busy(self._db, lambda: self._db.executemany(sql, rows))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        return self._db.execute(sql, tuple(params)).fetchall()


class ThreadedSqliteConnection:
    """Statements on aiosqlite's thread: for work that may take long (see `lengthy`)."""

    dialect = Dialect.SQLITE

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        cursor = await self._db.execute(sql, tuple(params))
        return Result(cursor.rowcount)

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        await self._db.executemany(sql, [tuple(p) for p in params])

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        # One hop to aiosqlite's thread where a cursor would take three.
        return await self._db.execute_fetchall(sql, tuple(params))  # type: ignore[return-value]


_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000")
Synchronous = Literal["normal", "full"]


class SqliteBackend:
    """One SQLite file, two connections to it, one writer at a time (one asyncio lock).

    Units of work use a connection on the event loop's own thread (see SqliteConnection).
    Work that may take long — migrations, the upkeep tick, captains' reports, WAL
    checkpoints — asks for `lengthy=True` and runs on aiosqlite's thread instead, so the
    loop keeps serving while it runs. An in-memory database is one connection (a second
    one would be another database): everything runs inline there.
    """

    dialect = Dialect.SQLITE
    shares_database = False  # nothing else writes to the file while the bot runs

    def __init__(self, inline: sqlite3.Connection, threaded: aiosqlite.Connection | None) -> None:
        self._inline = inline
        self._conn = SqliteConnection(inline)
        self._threaded = threaded
        self._lock = asyncio.Lock()  # the one writer
        self._threaded_lock = asyncio.Lock()  # aiosqlite's connection: one use at a time
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: str | Path, synchronous: Synchronous = "normal") -> SqliteBackend:
        """`synchronous="full"` fsyncs every commit, so a power cut loses none either."""
        in_memory = str(path) == ":memory:"
        threaded = None
        sync_pragma = f"PRAGMA synchronous = {'FULL' if synchronous == 'full' else 'NORMAL'}"
        if not in_memory:
            threaded = await aiosqlite.connect(str(path), isolation_level=None)
            threaded.row_factory = aiosqlite.Row
            for pragma in (*_PRAGMAS, "PRAGMA journal_mode = WAL", sync_pragma):
                await threaded.execute(pragma)
        try:
            inline = sqlite3.connect(str(path), isolation_level=None)
        except BaseException:
            if threaded is not None:
                await threaded.close()
            raise
        inline.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            inline.execute(pragma)
        inline.execute("PRAGMA busy_timeout = 0")  # waits are asyncio's: see BUSY_WAIT_SECONDS
        if not in_memory:
            inline.execute(sync_pragma)
            inline.execute("PRAGMA wal_autocheckpoint = 0")  # see CHECKPOINT_EVERY_COMMITS
            inline.execute(f"PRAGMA cache_size = -{INLINE_CACHE_KIB}")
        return cls(inline, threaded)

    @property
    def raw(self) -> aiosqlite.Connection:
        """The aiosqlite connection, for SQLite-only work (tests seeding old schemas)."""
        if self._threaded is None:
            raise ValueError("an in-memory database has no second connection")
        return self._threaded

    @asynccontextmanager
    async def transaction(
        self, *, lengthy: bool = False, group: bool = False, replay: Replays | None = None
    ) -> AsyncIterator[Connection]:
        # `group` and `replay` are PostgreSQL's: here BEGIN and COMMIT are calls in this
        # process, no trips, so each unit is its own transaction.
        async with self._lock:
            if lengthy and self._threaded is not None:
                async with self._threaded_lock, _threaded_transaction(self._threaded) as conn:
                    yield conn
            else:
                await _when_not_busy(self._inline, lambda: self._inline.execute("BEGIN IMMEDIATE"))
                try:
                    yield self._conn
                    self._inline.execute("COMMIT")
                except BaseException:
                    if self._inline.in_transaction:
                        self._inline.execute("ROLLBACK")
                    raise
            self._committed()

    @asynccontextmanager
    async def statements(self, *, lengthy: bool = False) -> AsyncIterator[Connection]:
        async with self._lock:
            if lengthy and self._threaded is not None:
                async with self._threaded_lock:
                    yield ThreadedSqliteConnection(self._threaded)
            else:
                yield self._conn
            self._committed()

    @asynccontextmanager
    async def inbox_statements(self) -> AsyncIterator[Connection]:
        # One writer in one process: the claims take their turn like any statement.
        async with self.statements() as conn:
            yield conn

    def _committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY_COMMITS or self._threaded is None:
            return
        if self._checkpoint is None or self._checkpoint.done():
            self._commits = 0
            self._checkpoint = asyncio.get_running_loop().create_task(self.checkpoint())

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, off the event loop's thread.

        PASSIVE: it never waits for (or blocks) a writer; what it cannot copy yet waits for
        the next one.
        """
        if self._threaded is None:
            return
        try:
            async with self._threaded_lock:
                await self._threaded.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # e.g. a backup holding the file: next time
            logger.warning("WAL checkpoint skipped: %s", exc)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        async with self._lock:
            # The last connection to close checkpoints the log and removes it.
            if self._threaded is not None:
                await self._threaded.close()
            self._inline.close()


@asynccontextmanager
async def _threaded_transaction(db: aiosqlite.Connection) -> AsyncIterator[Connection]:
    await db.execute("BEGIN IMMEDIATE")
    try:
        yield ThreadedSqliteConnection(db)
        await db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            await db.execute("ROLLBACK")
        raise


# --- PostgreSQL ---------------------------------------------------------------------------


def _rowcount(status: str) -> int:
    # asyncpg returns the command tag: "INSERT 0 1", "UPDATE 3", "DELETE 0", "SELECT 2".
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _numeric(text: str) -> int | float:
    # SUM over BIGINT is NUMERIC in PostgreSQL; SQLite gives an int (or a float for AVG).
    try:
        return int(text)
    except ValueError:
        return float(text)


def _storable(params: Sequence[Any]) -> Sequence[Any]:
    # PostgreSQL text cannot hold NUL (SQLite can); a NUL in a message means nothing to anyone.
    if any(isinstance(p, str) and "\x00" in p for p in params):
        return [p.replace("\x00", "") if isinstance(p, str) else p for p in params]
    return params


# A string literal or a `?`: literals are copied as they are, so a '?' inside one stays text.
_LITERAL_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?")


@lru_cache(maxsize=4096)
def numbered_placeholders(sql: str) -> str:
    """The statement with asyncpg's `$1, $2, …` for the `?` marks the stores write."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match[0] != "?":
            return match[0]
        count += 1
        return f"${count}"

    return _LITERAL_OR_MARK.sub(number, sql)


class PostgresConnection:
    """Statements on one asyncpg connection, each bounded by `timeout` seconds (None: the
    connection's own bound, STATEMENT_SECONDS)."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, conn: Any, timeout: float | None = None) -> None:
        self._conn = conn
        self._timeout = timeout

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        text = numbered_placeholders(sql)
        params = _storable(params)
        async with _conflicts():
            if " RETURNING " in text.upper():
                return Result(len(await self._conn.fetch(text, *params, timeout=self._timeout)))
            status = await self._conn.execute(text, *params, timeout=self._timeout)
            return Result(_rowcount(status))

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        text = numbered_placeholders(sql)
        rows = [tuple(_storable(tuple(p))) for p in params]
        if rows:
            async with _conflicts():
                await self._conn.executemany(text, rows, timeout=self._timeout)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Row]:
        text = numbered_placeholders(sql)
        params = _storable(params)
        async with _conflicts():
            rows: Sequence[Row] = await self._conn.fetch(text, *params, timeout=self._timeout)
            return rows


@asynccontextmanager
async def _conflicts() -> AsyncIterator[None]:
    try:
        yield
    except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError) as exc:
        raise Conflict(str(exc)) from exc


# Prepared statements kept per connection. asyncpg's default (100) is below the number of
# distinct statements a worker runs (IN lists of every length among them): a statement
# pushed out is prepared again, one more round trip.
STATEMENT_CACHE = 1000

# How long a statement may go unanswered before its link is taken for dead. A connection the
# network dropped without a word (a NAT forgetting it, a failover) leaves the worker's socket
# waiting for good, no error ever raised: no update applied until someone restarts it. Past
# this bound asyncpg raises TimeoutError, a passing fault: the unit runs again on a fresh
# connection (asyncpg first waits as long again for the server to cancel the statement, so a
# silent link costs up to twice this). Far above any statement of a unit (milliseconds) or a
# lock wait behind another worker's unit. Lengthy work (reports, migrations, copying a
# database over) has an hour: long past any real statement, and still not forever.
STATEMENT_SECONDS = 30.0
LENGTHY_STATEMENT_SECONDS = 3600.0

# The server's half of a link the network dropped: PostgreSQL ends a session whose client
# stops answering keepalive probes (idle 10 s, then 3 probes 5 s apart), and with it any
# transaction it left open and the row locks other workers would wait on. The kernel's
# default would keep them two hours.
_IDLE, _INTERVAL, _PROBES = 10, 5, 3
SERVER_KEEPALIVE = {
    "tcp_keepalives_idle": str(_IDLE),
    "tcp_keepalives_interval": str(_INTERVAL),
    "tcp_keepalives_count": str(_PROBES),
}
SERVER_KEEPALIVE_BOUND_SECONDS = _IDLE + _PROBES * _INTERVAL  # a vanished client's session ends


async def _keep_session(conn: Any) -> None:
    """The pool's reset on release, which does nothing: asyncpg's default sends
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` every time a connection goes
    back to the pool — a round trip per unit of work, ~3 per update in `jinlin bench
    workers`. The pool's connections never take session state: no SET, no cursor, no LISTEN
    (the residents' listener and the scheduler's advisory lock each have a connection of their
    own), and asyncpg still rolls back a transaction left open before this runs."""


async def _setup(conn: Any) -> None:
    """Every connection decodes NUMERIC the same way (exact, as SQLite returns it)."""
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


async def close_within(conn: Any, seconds: float) -> None:
    """Close an asyncpg connection politely, or cut it if that takes `seconds`: on a link
    gone silent the polite close waits for an answer that never comes."""
    try:
        await asyncio.wait_for(conn.close(), seconds)
    except TimeoutError:
        conn.terminate()


def _bound(lengthy: bool) -> float | None:
    """A statement's bound: None keeps the connection's own (STATEMENT_SECONDS)."""
    return LENGTHY_STATEMENT_SECONDS if lengthy else None


# How long units queued behind a failed group wait for its other units to run again, at
# most: a unit whose task was cancelled before its rerun must not hold the others for good.
REPLAY_WAIT_SECONDS = 5.0

# Units of work one group transaction holds at most before it commits. The in-flight limit of
# a batch (bot.intake.polling.IN_FLIGHT) bounds it in practice; this bounds the rerun a
# conflict costs.
GROUP_MOST = 16


class _Group:
    """Units of work sharing one open transaction, committed once for all of them."""

    def __init__(self, conn: Any, transaction: Any) -> None:
        self.conn = conn
        self.transaction = transaction
        self.members = 0
        self.gone = 0  # finished members whose tasks were cancelled while they waited
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def settle(self, error: BaseException | None) -> None:
        if self.done.done():
            return
        if error is None:
            self.done.set_result(None)
        else:
            self.done.set_exception(error)
            self.done.exception()  # a group whose members all left reports to no one


class PostgresBackend:
    """A small asyncpg pool; SERIALIZABLE transactions, one at a time in this process.

    Units of work run by `Repository.run` may share a transaction (`group=True`): a unit
    that finishes while others wait for the connection leaves the transaction open for
    them, and the last one commits for all. Each round trip costs a worker more than the
    statement it carries (`jinlin bench workers`: BEGIN and COMMIT were a third of a
    chatter update's trips), so a batch of updates pays them once. A member's `transaction()`
    returns only when the group is committed, so nothing is sent before its effects are
    durable. A member that fails (a resident's mistake, a bug) takes the group down with it:
    the members that had finished learn `Replay` and run again alone, in their order, before
    any unit queued behind them (rare, so each member saves its own SAVEPOINT, a round trip,
    instead). If the commit or a statement conflicts, or the link fails, the group is rolled
    back, every member that had finished learns `Conflict` and `Repository.run` runs it again
    alone.
    """

    dialect = Dialect.POSTGRESQL
    shares_database = True  # other workers write too: no in-process caches of rows

    def __init__(self, pool: Any, url: str, settings: Mapping[str, str] | None = None) -> None:
        self._pool = pool
        self.url = url
        self._settings = dict(settings or {})
        self._lock = asyncio.Lock()
        self._group: _Group | None = None
        self._replays: Replays | None = None
        self._inbox: Any = None  # the inbox claims' connection, opened when first needed
        self._inbox_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, settings: Mapping[str, str] | None = None) -> PostgresBackend:
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=2,
            init=_setup,
            reset=_keep_session,
            statement_cache_size=STATEMENT_CACHE,
            command_timeout=STATEMENT_SECONDS,
            server_settings={**SERVER_KEEPALIVE, **(settings or {})},
        )
        return cls(pool, url, settings)

    @asynccontextmanager
    async def transaction(
        self, *, lengthy: bool = False, group: bool = False, replay: Replays | None = None
    ) -> AsyncIterator[Connection]:
        # `lengthy` only bounds each statement less tightly here (LENGTHY_STATEMENT_SECONDS):
        # asyncpg never blocks the event loop, so it needs no thread as SQLite does.
        #
        # SERIALIZABLE, because the units that come here read and then write on what they
        # read, and another worker may be doing the same at once: matching finds an offer and
        # holds part of it, limits count a resident's open entries or a group's posts before
        # adding one. Under READ COMMITTED two workers could both see the last unit or slot
        # free. Work that reads nothing before it writes, or whose one statement locks what it
        # takes (storing received updates, the outbox's bookkeeping; the inbox claim, see
        # InboxQueries.claim_inbox, on `inbox_statements()`) goes through `statements()`
        # instead: no BEGIN, no COMMIT, nothing to conflict over. Conflicts cost a rerun
        # (`Repository.run`), counted by `jinlin bench workers` ("transactions rolled back").
        if group:
            async with self._member() as conn:
                yield conn
            return
        try:
            async with self._turn(replay):
                await self._close_group()
                async with self._pool.acquire() as conn:
                    transaction = conn.transaction(isolation="serializable")
                    await transaction.start()
                    try:
                        yield PostgresConnection(conn, _bound(lengthy))
                    except BaseException:
                        await transaction.rollback()
                        raise
                    async with _conflicts():
                        await transaction.commit()
        finally:
            if replay is not None:
                replay.one_done()

    @asynccontextmanager
    async def _turn(self, replay: Replays | None = None) -> AsyncIterator[None]:
        """This process's turn at the connection. While units of a failed group run again
        (`Replays`), only they take it, one after another in the order the lock hands out."""
        while True:
            await self._lock.acquire()
            waiting = self._replays
            if waiting is None or waiting is replay or waiting.over.is_set():
                break
            self._lock.release()
            try:
                await asyncio.wait_for(waiting.over.wait(), REPLAY_WAIT_SECONDS)
            except TimeoutError:
                logger.warning("units to run again did not come back; the others go on")
                waiting.over.set()
        if self._replays is not None and self._replays.over.is_set():
            self._replays = None
        try:
            yield
        finally:
            self._lock.release()

    @asynccontextmanager
    async def _member(self) -> AsyncIterator[Connection]:
        async with self._turn():
            joined = self._group
            if joined is None:
                joined = await self._open_group()
            try:
                yield PostgresConnection(joined.conn)
            except BaseException as exc:
                # A resident's mistake or a bug: the members before it run again at once,
                # ahead of the ones behind it, so the batch keeps its update order.
                replays = None
                if joined.members > joined.gone and not isinstance(exc, Conflict):
                    replays = self._replays = Replays(joined.members - joined.gone)
                await self._abandon(joined, replays)
                raise
            joined.members += 1
            if joined.members >= GROUP_MOST:
                await self._close_group()
            elif joined.members == 1:
                # Committed when the units already waiting for the lock have had their turn:
                # they are queued before this task, the ones that come later after it.
                asyncio.get_running_loop().create_task(self._commit_later(joined))
        try:
            await asyncio.shield(joined.done)
        except Replay as exc:  # each member its own, not one shared object
            raise Replay(str(exc), exc.replays) from exc
        except Conflict as exc:
            raise Conflict(str(exc)) from exc
        except asyncio.CancelledError:
            # Gone (a shutdown): it will not run again, so the others must not wait for it.
            failed = joined.done.exception() if joined.done.done() else None
            if isinstance(failed, Replay):
                failed.replays.one_done()
            else:
                joined.gone += 1
            raise

    async def _abandon(self, joined: _Group, replays: Replays | None = None) -> None:
        """Roll the group back: its finished members run again (`replays`: in their order,
        first; otherwise as after a conflict, a lost link)."""
        if self._group is joined:
            self._group = None
        await self._end_group(joined, commit=False, replays=replays)

    async def _open_group(self) -> _Group:
        conn = await self._pool.acquire()
        try:
            transaction = conn.transaction(isolation="serializable")
            await transaction.start()
        except BaseException:
            await self._pool.release(conn)
            raise
        self._group = _Group(conn, transaction)
        return self._group

    async def _commit_later(self, joined: _Group) -> None:
        async with self._lock:
            if self._group is joined:
                await self._close_group()

    async def _close_group(self) -> None:
        """Commit the open group, if any (the caller holds the lock); its members, not the
        caller, learn how the commit went. Shielded: a caller that gives up (a timeout on a
        standalone statement) must not cut a COMMIT short, or its members would be told it
        failed when it may have succeeded, and run again."""
        joined, self._group = self._group, None
        if joined is not None:
            await asyncio.shield(self._end_group(joined, commit=True))

    async def _end_group(
        self, joined: _Group, *, commit: bool, replays: Replays | None = None
    ) -> None:
        error: BaseException | None = None
        try:
            if commit:
                async with _conflicts():
                    await joined.transaction.commit()
            else:
                error = (
                    Replay("rolled back for another unit of its group", replays)
                    if replays is not None
                    else Conflict("rolled back with another unit of its group")
                )
                await joined.transaction.rollback()
        except Exception as exc:  # a conflict, or the connection failed
            error = exc
        except BaseException:
            # Its outcome is unknown: a fault, not a conflict, so a unit is applied again only
            # through its update id's claim (ConnectionError is a passing fault).
            error = ConnectionError("the group's transaction was interrupted")
            raise
        finally:
            await self._pool.release(joined.conn)
            if replays is not None and not isinstance(error, Replay):
                replays.over.set()  # they learn the fault instead: nobody runs again first
            joined.settle(error)

    @asynccontextmanager
    async def statements(self, *, lengthy: bool = False) -> AsyncIterator[Connection]:
        async with self._turn():
            # An open group commits first: a standalone write must not wait on its row locks.
            await self._close_group()
            async with self._pool.acquire() as conn:
                yield PostgresConnection(conn, _bound(lengthy))

    @asynccontextmanager
    async def inbox_statements(self) -> AsyncIterator[Connection]:
        """Standalone statements on a connection of their own: the inbox worker's claims.

        Not queued behind the units of work on the shared connection (a batch is claimed
        while the last one's units commit), and planned without nested loops. The inbox
        swings between empty and a backlog of thousands, so its statistics are often those
        of an empty table (autovacuum analysed it drained): PostgreSQL then believes it holds
        no rows and plans "no older update of the chat" as a nested loop over every pair of
        waiting rows — 1.3-2.3 s per claim at 3,000 waiting, its CPU pinned until the table
        was analysed again: the stall of `jinlin bench workers`. Without nested loops it is
        a hash or merge anti-join, linear in the waiting rows whatever the statistics say.
        A session setting, as a `SET LOCAL` would cost the claim a transaction and a trip.
        No JIT either: a plan that can only loop carries the disabled nested loop's penalty
        in its cost, which passes `jit_above_cost`, and a claim compiled for 160 ms.
        """
        async with self._inbox_lock:
            if self._inbox is None or self._inbox.is_closed():
                conn = await asyncpg.connect(
                    self.url,
                    statement_cache_size=STATEMENT_CACHE,
                    command_timeout=STATEMENT_SECONDS,
                    server_settings={
                        **SERVER_KEEPALIVE,
                        **self._settings,
                        "enable_nestloop": "off",
                        "jit": "off",
                    },
                )
                try:
                    await _setup(conn)
                except BaseException:
                    conn.terminate()
                    raise
                self._inbox = conn
            try:
                yield PostgresConnection(self._inbox)
            except BaseException:
                # Its state is unknown (a statement cut short, a link gone silent): the next
                # claim opens a new connection rather than wait on this one.
                self._inbox.terminate()
                self._inbox = None
                raise

    async def close(self) -> None:
        # Bounded like a statement: a link gone silent must not keep a stopping worker alive.
        async with self._lock:
            await self._close_group()
            try:
                await asyncio.wait_for(self._pool.close(), STATEMENT_SECONDS)
            except TimeoutError:
                self._pool.terminate()
        async with self._inbox_lock:
            if self._inbox is not None:
                await close_within(self._inbox, STATEMENT_SECONDS)


Backend = SqliteBackend | PostgresBackend


async def open_backend(target: str | Path, *, synchronous: Synchronous = "normal") -> Backend:
    if is_postgres_url(target):
        return await PostgresBackend.open(str(target))
    return await SqliteBackend.open(target, synchronous)
