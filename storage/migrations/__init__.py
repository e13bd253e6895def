"""Numbered schema migrations: NNNN_name.sql, applied once each, in order."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import aiosqlite

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


async def current_version(db: aiosqlite.Connection) -> int:
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    async with db.execute("SELECT MAX(version) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def apply_migrations(db: aiosqlite.Connection, up_to: int | None = None) -> int:
    """Bring the schema up to date (or to `up_to`); each step is its own transaction.

    Numbers are reserved per feature and may land out of order (0006 before 0004): every
    shipped migration not yet recorded is applied, not only those above the highest one.
    """
    version = await current_version(db)
    async with db.execute("SELECT version FROM schema_version") as cur:
        applied = {int(row[0]) for row in await cur.fetchall()}
    for number, path in available():
        if number in applied or (up_to is not None and number > up_to):
            continue
        logger.info("applying migration %s", path.name)
        statements = [s for s in path.read_text("utf-8").split(";\n") if s.strip()]
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                await db.execute(statement)
            await db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        version = max(version, number)
    return version
