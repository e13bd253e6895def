"""Schema migrations: a database from any earlier version upgrades with its data intact.

Generic over `storage.migrations.available()`, so every migration added later is covered:
for every earlier version, build the schema up to it, fill it with data, upgrade to the
latest and check that nothing was lost, the schema equals a fresh one and the bot still works
on the upgraded database. On SQLite and on PostgreSQL alike: a worker upgrading a shared
database at start-up must keep its data just as a district's single file must.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.backup import backup_file
from bot.cli import main as jinlin
from storage import driver
from storage.driver import Backend, Connection, open_backend
from storage.migrations import apply_migrations, available, current_version
from storage.repository import Repository
from tests import backends
from tests.harness import Building

VERSIONS = [number for number, _ in available()]
LATEST = VERSIONS[-1]
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).isoformat(timespec="microseconds")
LATER = (datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(days=30)).isoformat(
    timespec="microseconds"
)


async def _seed_core(db: Connection) -> None:
    """A small but complete ledger in the 0001 tables (which later versions never change)."""
    script = f"""
        INSERT INTO users (user_id, first_name, username, language_code, started, home_chat_id,
                           updated_at)
        VALUES (1001, 'Alice', NULL, 'en', 1, -1003, '{NOW}'),
               (1002, 'Bob', 'bob', 'en', 1, -1003, '{NOW}');
        INSERT INTO entries (id, kind, status, user_id, chat_id, message_id, building, community,
                             item_name, canonical, category, medical, urgent, quantity, unit,
                             remaining, held, text, created_at, expires_at)
        VALUES (1, 'offer', 'available', 1001, -1003, 10, 'b3', 'sunny', 'ladder', 'ladder',
                'tools', 0, 0, NULL, NULL, 1, 0, 'I have a spare ladder to lend', '{NOW}',
                '{LATER}'),
               (2, 'request', 'fulfilled', 1002, -1003, 11, 'b3', 'sunny', 'drill', 'drill',
                'tools', 0, 0, NULL, NULL, 0, 0, 'anyone have a drill?', '{NOW}', '{LATER}');
        INSERT INTO entry_keys (entry_id, kind, key, building, community, urgent)
        VALUES (1, 'offer', 'ladder', 'b3', 'sunny', 0);
        INSERT INTO matches (id, request_id, offer_id, requester_id, giver_id, quantity, status,
                             created_at, updated_at)
        VALUES (1, 2, 1, 1002, 1001, 1, 'declined', '{NOW}', '{NOW}');
        INSERT INTO processed_updates (update_id, processed_at) VALUES (41, '{NOW}'), (42, '{NOW}');
        INSERT INTO outbox (effect, created_at, sent_at)
        VALUES ('{{"type": "React", "chat_id": -1003, "message_id": 10, "emoji": "👌"}}',
                '{NOW}', '{NOW}');
        INSERT INTO pending_notices (user_id, effect, created_at) VALUES (1002, '{{}}', '{NOW}')
        """
    for statement in script.split(";\n"):
        await db.execute(statement)


@contextlib.asynccontextmanager
async def _opened(database: str) -> AsyncIterator[Backend]:
    """The bare backend, as a database of that version would be met: no migration run."""
    backend = await open_backend(database)
    try:
        yield backend
    finally:
        await backend.close()


async def _tables(db: Connection) -> list[str]:
    """The app's tables in the order they were created (referenced ones first)."""
    if db.dialect == "postgresql":
        sql = """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.oid"""
    else:
        sql = """SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY rowid"""
    return [r[0] for r in await db.execute_fetchall(sql) if r[0] != "schema_version"]


async def _columns(db: Connection, table: str) -> list[tuple[str, str]]:
    if db.dialect == "postgresql":
        sql = """SELECT column_name, data_type FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position"""
    else:
        sql = "SELECT name, type FROM pragma_table_info(?)"
    return [(r[0], r[1]) for r in await db.execute_fetchall(sql, (table,))]


def _value_for(column_type: str) -> object:
    kind = column_type.upper()
    if "INT" in kind:
        return 1
    if "REAL" in kind or "FLOA" in kind or "DOUB" in kind:
        return 1.0
    return NOW


async def _seed_others(db: Connection, skip: set[str]) -> None:
    """One row in every other table, where a generic row satisfies its constraints."""
    for table in await _tables(db):
        if table in skip:
            continue
        columns = await _columns(db, table)
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" for _ in columns)
        # CHECK or FK constraints a generic row cannot meet are skipped; the core data stays.
        with contextlib.suppress(sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError):
            await db.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                [_value_for(kind) for _, kind in columns],
            )


async def _ids_follow_the_rows(db: Connection) -> None:
    """Rows written with explicit ids: PostgreSQL's id sequences moved on past them, as they
    would have had the app written them (SQLite numbers after the largest rowid by itself)."""
    if db.dialect != "postgresql":
        return
    for table in await _tables(db):
        if ("id", "bigint") in await _columns(db, table):
            await db.execute_fetchall(
                f"""SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                  COALESCE(MAX(id), 0) + 1, false) FROM {table}"""
            )


async def _counts(db: Connection) -> dict[str, int]:
    counts = {}
    for table in await _tables(db):
        [row] = await db.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
        counts[table] = row[0]
    return counts


async def _schema(database: str) -> set[tuple[str, ...]]:
    async with _opened(database) as backend, backend.statements() as db:
        if db.dialect == "postgresql":
            columns = await db.execute_fetchall(
                """SELECT 'column', table_name, column_name, data_type, is_nullable,
                          COALESCE(column_default, ''), is_identity
                   FROM information_schema.columns WHERE table_schema = 'public'"""
            )
            indexes = await db.execute_fetchall(
                "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            )
            return {tuple(r) for r in [*columns, *indexes]}
        rows = await db.execute_fetchall(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        )
        return {tuple(r) for r in rows}


def test_migrations_are_numbered_in_order_without_duplicates():
    assert sorted(set(VERSIONS)) == VERSIONS and VERSIONS[0] == 1


@pytest.mark.parametrize("start", VERSIONS[:-1] or [LATEST])
async def test_an_old_database_upgrades_with_its_data(tmp_path, start):
    path = backends.empty_database_for(tmp_path / f"from_{start}.sqlite3")
    async with _opened(path) as backend:
        assert await apply_migrations(backend, up_to=start) == start
        async with backend.statements() as db:
            await _seed_core(db)
            core = {"users", "entries", "entry_keys", "matches", "processed_updates", "outbox"}
            await _seed_others(db, skip=core | {"pending_notices"})
            await _ids_follow_the_rows(db)
            before = await _counts(db)

    repo = await Repository.open(path)  # what `jinlin run` does on start: upgrade
    try:
        async with repo.transaction() as tx:
            entries = await tx.all_entries()
            matches = await tx.all_matches()
            # Still exactly-once: Telegram redelivering update 42 an hour after it was applied.
            redelivered_at = datetime.fromisoformat(NOW) + timedelta(hours=1)
            assert not await tx.claim_update(42, redelivered_at)
    finally:
        await repo.close()
    assert [(e.id, e.kind, e.status, e.item_name) for e in entries] == [
        (1, "offer", "available", "ladder"),
        (2, "request", "fulfilled", "drill"),
    ]
    assert [(m.id, m.status) for m in matches] == [(1, "declined")]

    async with _opened(path) as backend:
        assert await current_version(backend) == LATEST
        async with backend.statements() as db:
            after = await _counts(db)
            if db.dialect == "sqlite":  # PostgreSQL checks both on every write
                assert list(await db.execute_fetchall("PRAGMA foreign_key_check")) == []
                assert (await db.execute_fetchall("PRAGMA integrity_check"))[0][0] == "ok"
    assert {t: after[t] for t in before} == before

    fresh = backends.empty_database_for(tmp_path / "fresh.sqlite3")
    await (await Repository.open(fresh)).close()
    assert await _schema(path) == await _schema(fresh)

    # The bot works on the upgraded database: the old open offer is matched by a new request.
    async with Building(database=path) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert "Bob" in b.last_private(b.alice).content
        assert any(m.offer_id == 1 and m.status == "asked" for m in await b.matches())


async def test_opening_twice_applies_nothing_twice(tmp_path):
    path = backends.empty_database_for(tmp_path / "twice.sqlite3")
    for _ in range(2):
        await (await Repository.open(path)).close()
    versions = [r[0] for r in await backends.fetch(path, "SELECT version FROM schema_version")]
    assert versions == VERSIONS


async def test_workers_starting_at_once_on_a_new_database_apply_each_migration_once(tmp_path):
    if backends.current() == "sqlite":
        pytest.skip("one process owns a SQLite file: there are no workers starting at once")
    path = backends.empty_database_for(tmp_path / "shared.sqlite3")
    repos = await asyncio.gather(*(Repository.open(path) for _ in range(4)))
    for repo in repos:
        await repo.close()
    versions = [r[0] for r in await backends.fetch(path, "SELECT version FROM schema_version")]
    assert sorted(versions) == VERSIONS


@pytest.mark.sqlite_only(reason="WAL, busy timeout and one writer are SQLite's file settings")
async def test_sqlite_runs_in_wal_with_a_busy_timeout_and_one_writer(tmp_path):
    repo = await Repository.open(tmp_path / "wal.sqlite3")
    try:
        async with repo.transaction() as tx:
            assert (await tx._one("PRAGMA journal_mode"))[0] == "wal"
            # The units' connection waits for another writer with asyncio sleeps instead of
            # SQLite's busy timeout, which would sleep on the event loop's thread.
            assert (await tx._one("PRAGMA busy_timeout"))[0] == 0
            assert driver.BUSY_WAIT_SECONDS >= 5

        import asyncio

        async def claim(n: int) -> None:
            async with repo.transaction() as tx:
                await tx.claim_update(n, datetime.now(UTC))
                await asyncio.sleep(0)  # give another task the chance to interleave
                await tx.claim_update(n + 1000, datetime.now(UTC))

        # Fifty concurrent units of work: serialised, none lost, no nested BEGIN errors.
        await asyncio.gather(*(claim(n) for n in range(50)))
        async with repo.transaction() as tx:
            assert (await tx._one("SELECT COUNT(*) FROM processed_updates"))[0] == 100
    finally:
        await repo.close()


@pytest.mark.sqlite_only(reason="jinlin backup is SQLite's online backup of the file")
async def test_backup_while_the_bot_writes_gives_a_consistent_copy(tmp_path):
    import asyncio

    from bot.backup import backup

    source, copy = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    repo = await Repository.open(source)
    stop = asyncio.Event()

    async def writer() -> None:
        n = 0
        while not stop.is_set():
            async with repo.transaction() as tx:
                await tx.claim_update(n, datetime.now(UTC))
            n += 1
            await asyncio.sleep(0)

    try:
        task = asyncio.create_task(writer())
        await asyncio.sleep(0.05)
        pages = await backup(source, copy)
        stop.set()
        await task
    finally:
        await repo.close()
    assert pages > 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == LATEST
        assert conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0] > 0


@pytest.mark.sqlite_only(reason="jinlin backup is SQLite's online backup of the file")
def test_jinlin_backup_command(tmp_path, capsys):
    source = tmp_path / "bot.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (42)")
    target = tmp_path / "nightly.sqlite3"
    assert jinlin(["backup", str(target), "--db", str(source)]) == 0
    assert "backed up" in capsys.readouterr().out
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT x FROM t").fetchone() == (42,)
    assert jinlin(["backup", str(source), "--db", str(source)]) == 1  # never over the source
    assert jinlin(["backup", str(target), "--db", str(tmp_path / "missing.db")]) == 1
    with pytest.raises(FileNotFoundError):
        backup_file(tmp_path / "missing.db", target)
