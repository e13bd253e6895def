"""`jinlin backup <file>`: a consistent copy of the live database while the bot runs.

SQLite's online backup API copies page by page and restarts if a writer changes a page it
already copied, so the copy is one committed state even under WAL and a busy bot. It runs in
a worker thread: it blocks, and the event loop of a running bot must not.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)

PAGES_PER_STEP = 1024  # small steps let the bot's writer in between


def backup_file(source: str | Path, target: str | Path) -> int:
    """Copy `source` to `target` (replaced) with the backup API; returns the page count."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise ValueError("the backup must go to another file than the database")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
        (pages,) = dst.execute("PRAGMA page_count").fetchone()
        (check,) = dst.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise sqlite3.DatabaseError(f"backup failed its integrity check: {check}")
    finally:
        dst.close()
        src.close()
    # Only a complete, checked copy takes the target's name.
    partial.replace(target)
    logger.info("backed up %s to %s (%s pages)", source, target, pages)
    return int(pages)


async def backup(source: str | Path, target: str | Path) -> int:
    """`backup_file` off the event loop."""
    return await asyncio.to_thread(backup_file, source, target)
