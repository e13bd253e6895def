"""Numbered schema migrations: NNNN_name.sql, applied once each, in order, on either database.

The files are written in SQLite's DDL; on PostgreSQL each statement's column types are
translated (storage.dialect.ddl_for_postgres), so one set of files serves both.

Migrations only go forward. Before a database that already has a schema is migrated, a SQLite
file is copied beside itself (`<file>.schema-0010.before-0011.bak`), so that rolling back is:
stop the bot, put the copy in the file's place, run the previous version. PostgreSQL is not
dumped from here (see `_before_migrating`); the log says how.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Final

from storage.dialect import ddl_for_postgres
from storage.driver import Backend, Connection

logger = logging.getLogger(__name__)
_DIR = Path(__file__).parent
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, Path]]:
    """Every migration file shipped, by version."""
    found = []
    for path in _DIR.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match[1]), path))
    return sorted(found)


def statements(path: Path, dialect: str) -> list[str]:
    """One migration's statements, in the given database's terms."""
    found = [s for s in path.read_text("utf-8").split(";\n") if _code(s)]
    return [ddl_for_postgres(s) for s in found] if dialect == "postgresql" else found


def _code(statement: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("--") for line in statement.splitlines()
    )


# Held while PostgreSQL's schema_version table is created: CREATE TABLE IF NOT EXISTS is not
# safe against a concurrent one (the loser fails on pg_type's unique index).
_SCHEMA_VERSION_LOCK = 0x4A494E4C494E  # "JINLIN"


async def applied_versions(backend: Backend) -> set[int]:
    if backend.dialect == "postgresql":
        async with backend.transaction() as db:
            await db.execute_fetchall("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_VERSION_LOCK,))
            return await _create_and_read_versions(db)
    async with backend.statements(lengthy=True) as db:
        return await _create_and_read_versions(db)


async def _create_and_read_versions(db: Connection) -> set[int]:
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = await db.execute_fetchall("SELECT version FROM schema_version")
    return {int(row[0]) for row in rows}


async def current_version(backend: Backend) -> int:
    return max(await applied_versions(backend), default=0)


async def apply_migrations(
    backend: Backend, up_to: int | None = None, *, keep_copy: bool = True
) -> int:
    """Bring the schema up to date (or to `up_to`); each step is its own transaction.

    `keep_copy`: a database that already has a schema is backed up first (see the module's
    docstring); only a caller migrating a throwaway copy has reason to say False.

    Numbers are reserved per feature and may land out of order (0006 before 0004): every
    shipped migration not yet recorded is applied, not only those above the highest one.
    Two workers starting at once on PostgreSQL: one applies, the other waits on the lock
    and then finds the step recorded.
    """
    applied = await applied_versions(backend)
    pending = [
        (number, path)
        for number, path in available()
        if number not in applied and (up_to is None or number <= up_to)
    ]
    if keep_copy and applied and pending:
        await _before_migrating(backend, max(applied), pending[-1][0])
    for number, path in pending:
        async with backend.transaction(lengthy=True) as db:  # may rewrite whole tables
            if backend.dialect == "postgresql":
                await db.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
                rows = await db.execute_fetchall(
                    "SELECT 1 FROM schema_version WHERE version = ?", (number,)
                )
                if rows:
                    continue
            logger.info("applying migration %s", path.name)
            for statement in statements(path, backend.dialect):
                await db.execute(statement)
            await db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    return await current_version(backend)


BACKUP_SUFFIX: Final = ".schema-{before:04d}.before-{after:04d}.bak"


def backup_path(database: Path, before: int, after: int) -> Path:
    """Where the copy of a SQLite file at schema `before`, about to become `after`, goes."""
    return database.with_name(database.name + BACKUP_SUFFIX.format(before=before, after=after))


async def _before_migrating(backend: Backend, before: int, after: int) -> None:
    """A way back before a schema that holds data changes: a SQLite copy, or pg_dump's advice.

    PostgreSQL is not dumped here: the workers' host may lack a pg_dump as new as the server,
    a city's database can take minutes to dump while every starting worker waits on the
    migration lock, and such a database is backed up by its own routine (pg_dump, replicas).
    """
    if backend.dialect == "postgresql":
        logger.warning(
            "migrating PostgreSQL from schema %04d to %04d; no backup is taken here: take one "
            "before upgrading (pg_dump --format=custom --file=jinlin-schema-%04d.dump "
            '"$JINLIN_DATABASE_URL"); to roll back, restore it with pg_restore --clean and run '
            "the previous version",
            before,
            after,
            before,
        )
        return
    async with backend.statements(lengthy=True) as db:
        files = await db.execute_fetchall("PRAGMA database_list")
        database = next((row[2] for row in files if row[1] == "main"), "")
        if not database:
            return  # in memory: nothing outlives the process anyway
        target = backup_path(Path(database), before, after)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        # VACUUM INTO writes one committed state of the live file through this very connection
        # (under the writer lock, WAL included), so no second connection or thread is needed.
        await db.execute("VACUUM INTO ?", (str(partial),))
    # Only a complete copy takes the backup's name.
    partial.replace(target)
    logger.warning(
        "migrating %s from schema %04d to %04d; its previous state is kept in %s (to roll "
        "back: stop the bot, move that file to %s, run the previous version)",
        database,
        before,
        after,
        target,
        database,
    )
