"""Which database a test runs on: SQLite, or a fresh PostgreSQL database of its own.

Every test that touches storage runs twice, once per backend (see conftest.py). On
PostgreSQL each test gets a database of its own, migrated and empty, so tests stay as
independent as with SQLite's `:memory:`. Cloning one from a template costs 0.5-1 s (a
checkpoint each), more than most tests; so after a test its databases are emptied (every
row deleted, ids start at 1 again) and handed to the next test, unless the
test changed their schema, in which case they are dropped. The run drops them at its end.

The server comes from JINLIN_TEST_POSTGRES, an admin URL (`./run tests` starts a throwaway
server on 127.0.0.1 and sets it). Without it the PostgreSQL runs are skipped, except under
CI, where a missing server is a failure rather than a quietly halved suite.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage import migrations
from storage.driver import is_postgres_url, numbered_placeholders
from storage.repository import Repository

ADMIN_URL = os.environ.get("JINLIN_TEST_POSTGRES", "")

_current = "sqlite"
_by_path: dict[str, str] = {}
_created: list[str] = []  # this test's migrated databases: emptied and reused after it
_empty: list[str] = []  # this test's databases created without a schema: dropped after it
_free: list[str] = []  # emptied databases of this run, for the next tests
_fingerprint = ""  # the schema of a freshly cloned database, to know a reusable one
_counter = itertools.count(1)
_template = ""
_run_id = uuid.uuid4().hex[:8]


def current() -> str:
    """The backend this test runs on: "sqlite" or "postgresql"."""
    return _current


def database_url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def default_database() -> str:
    """A fresh, migrated database for a Building: `:memory:`, or a new PostgreSQL one."""
    if _current == "sqlite":
        return ":memory:"
    return database_url(_create_sync())


def database_for(path: str | Path) -> str:
    """The database a test means by a file path: the file itself, or one PostgreSQL database
    per distinct path (so a restart reopens the same data, two paths stay two databases)."""
    if _current == "sqlite":
        return str(path)
    key = str(path)
    if key not in _by_path:
        _by_path[key] = database_url(_create_sync())
    return _by_path[key]


def empty_database_for(path: str | Path) -> str:
    """A database never opened, without even a schema, for tests of migrating one: the path
    (no file there yet) on SQLite, a new empty database on PostgreSQL."""
    if _current == "sqlite":
        return str(path)
    key = str(path)
    if key not in _by_path:
        name = f"t_{_run_id}_{next(_counter)}"
        _psql(f"CREATE DATABASE {name}")
        _empty.append(name)
        _by_path[key] = database_url(name)
    return _by_path[key]


async def fetch(
    database: str | Path, sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """One query (SQL both databases take, `?` marks) on a test's database, beside the bot's.

    For tests that look at what is stored as an operator would, whichever the backend.
    """
    if is_postgres_url(database):
        conn = await asyncpg.connect(str(database))
        try:
            return [tuple(row) for row in await conn.fetch(numbered_placeholders(sql), *params)]
        finally:
            await conn.close()
    with sqlite3.connect(database) as db:
        return list(db.execute(sql, tuple(params)))


async def tables(database: str | Path) -> list[str]:
    """The names of the app's tables in a test's database."""
    if is_postgres_url(database):
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(row[0] for row in await fetch(database, sql))


async def untouched(database: str | Path) -> bool:
    """Nothing was ever written: no SQLite file at all, or no row in any PostgreSQL table
    (a test's PostgreSQL database starts migrated, like a file the bot opened once)."""
    if not is_postgres_url(database):
        return not Path(database).exists()
    for table in await tables(database):
        if table != "schema_version" and await fetch(database, f'SELECT 1 FROM "{table}" LIMIT 1'):
            return False
    return True


class Peek:
    """Reads a database another process is writing (a `jinlin run` subprocess), many times.

    Before that process has created and migrated it, every query answers no rows.
    """

    def __init__(self, database: str | Path) -> None:
        self.database = database
        self._conn: Any = None

    async def __aenter__(self) -> Peek:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if is_postgres_url(self.database):
            if self._conn is None:
                self._conn = await asyncpg.connect(str(self.database))
            try:
                return [tuple(row) for row in await self._conn.fetch(numbered_placeholders(sql))]
            except asyncpg.UndefinedTableError:
                return []
        path = Path(self.database)
        if not path.exists():
            return []
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
                return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []  # not migrated yet

    async def count(self, sql: str) -> int:
        """The number a `SELECT COUNT(*) …` answers, 0 while there is nothing to count."""
        found = await self.rows(sql)
        return int(found[0][0]) if found else 0


def _create_sync() -> str:
    # Test bodies are often sync or mid-way through their event loop: psql, not asyncpg.
    global _fingerprint
    if _free:
        name = _free.pop()
    else:
        name = f"t_{_run_id}_{next(_counter)}"
        _psql(f"CREATE DATABASE {name} TEMPLATE {_template} STRATEGY FILE_COPY")
        if not _fingerprint:
            _fingerprint = _psql(SCHEMA_FINGERPRINT, database=name)
    _created.append(name)
    return name


def _psql(sql: str, database: str = "") -> str:
    target = database_url(database) if database else ADMIN_URL
    done = subprocess.run(
        ["psql", target, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip()


# Tables, columns, types, indexes and applied migrations: equal to a fresh clone's means the
# database can be emptied and reused.
SCHEMA_FINGERPRINT = """
SELECT md5(
    (SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':'
                       || coalesce(column_default, ''), ',' ORDER BY table_name, column_name)
     FROM information_schema.columns WHERE table_schema = 'public')
    || (SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes
        WHERE schemaname = 'public')
    || (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version))
"""


def _template_name() -> str:
    # Named after the migrations it holds: runs of the same tree share it (several people and
    # CI jobs run the suite on one server at once), a changed migration gets a new one.
    digest = hashlib.sha256()
    for _, path in migrations.available():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"jinlin_tpl_{digest.hexdigest()[:16]}"


async def prepare_template() -> None:
    """The migrated template every test database is cloned from, built once per schema.

    Built under a name of this run's own, then renamed into place, so a concurrent run never
    clones a half-migrated template nor has it dropped under its feet. Nobody may connect to
    it afterwards: one open connection would make every clone fail.
    """
    global _template
    if _template:
        return
    name = _template_name()
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            building = f"{name}_{_run_id}"
            await admin.execute(f"CREATE DATABASE {building}")
            repo = await Repository.open(database_url(building))
            await repo.close()
            try:
                await admin.execute(f"ALTER DATABASE {building} RENAME TO {name}")
                await admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
            except asyncpg.DuplicateDatabaseError:  # another run was quicker: use theirs
                await admin.execute(f"DROP DATABASE {building} WITH (FORCE)")
    finally:
        await admin.close()
    _template = name


def enter(backend: str) -> None:
    global _current
    _current = backend
    _by_path.clear()


async def leave() -> None:
    """Empty this test's databases for the next one, or drop them if it changed their schema.

    A connection the test leaked (a killed subprocess's, a repository never closed) is cut
    first, as DROP … WITH (FORCE) would: nothing of one test reaches into the next.
    """
    global _current
    _current = "sqlite"
    _by_path.clear()
    if not _created and not _empty:
        return
    used, dropped = list(_created), list(_empty)
    _created.clear()
    _empty.clear()
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()""",
            used + dropped,
        )
        for name in used:
            if await _emptied(name):
                _free.append(name)
            else:
                dropped.append(name)
        for name in dropped:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


async def _emptied(name: str) -> bool:
    """Empty a used database if its schema is still a fresh clone's; False if it is not."""
    try:
        conn = await asyncpg.connect(database_url(name))
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        if await conn.fetchval(SCHEMA_FINGERPRINT) != _fingerprint:
            return False
        tables = await conn.fetch(
            """SELECT quote_ident(table_name) FROM information_schema.tables
               WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_version'"""
        )
        sequences = await conn.fetch(
            """SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)
               FROM pg_sequences WHERE schemaname = 'public'"""
        )
        # DELETE and resetting the id sequences take ~10 ms where TRUNCATE takes ~200 ms (a
        # new file per table and index). Every table is emptied: foreign keys need no checks.
        script = [
            "BEGIN",
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {table[0]}" for table in tables),
            *(f"SELECT setval('{sequence[0]}', 1, false)" for sequence in sequences),
            "COMMIT",
        ]
        await conn.execute(";\n".join(script))
        return True
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()


def finish() -> None:
    """At the end of the run: drop the databases kept for reuse."""
    while _free:
        _psql(f"DROP DATABASE IF EXISTS {_free.pop()} WITH (FORCE)")
