"""Numbered schema migrations: NNNN_name.sql, applied once each, in order, on either database.

The files are written in SQLite's DDL; on PostgreSQL each statement's column types are
translated (storage.dialect.ddl_for_postgres), so one set of files serves both.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

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


async def apply_migrations(backend: Backend, up_to: int | None = None) -> int:
    """Bring the schema up to date (or to `up_to`); each step is its own transaction.

    Numbers are reserved per feature and may land out of order (0006 before 0004): every
    shipped migration not yet recorded is applied, not only those above the highest one.
    Two workers starting at once on PostgreSQL: one applies, the other waits on the lock
    and then finds the step recorded.
    """
    applied = await applied_versions(backend)
    for number, path in available():
        if number in applied or (up_to is not None and number > up_to):
            continue
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
