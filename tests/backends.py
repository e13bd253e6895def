"""Which database a test runs on: SQLite, or a fresh PostgreSQL database of its own.

Every test that touches storage runs twice, once per backend (see conftest.py). On
PostgreSQL each test gets a new database cloned from a migrated template, dropped after it,
so tests stay as independent as with SQLite's `:memory:`.

The server comes from JINLIN_TEST_POSTGRES, an admin URL (`./run tests` starts a throwaway
server on 127.0.0.1 and sets it). Without it the PostgreSQL runs are skipped, except under
CI, where a missing server is a failure rather than a quietly halved suite.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.repository import Repository

ADMIN_URL = os.environ.get("JINLIN_TEST_POSTGRES", "")
TEMPLATE = "jinlin_template"

_current = "sqlite"
_by_path: dict[str, str] = {}
_created: list[str] = []
_counter = itertools.count(1)
_template_ready = False
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


def _create_sync() -> str:
    # Test bodies are often sync or mid-way through their event loop: psql, not asyncpg.
    name = f"t_{_run_id}_{next(_counter)}"
    _psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    _created.append(name)
    return name


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


async def prepare_template() -> None:
    """The migrated template every test database is cloned from, built once per run."""
    global _template_ready
    if _template_ready:
        return
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    repo = await Repository.open(database_url(TEMPLATE))
    await repo.close()
    _template_ready = True


def enter(backend: str) -> None:
    global _current
    _current = backend
    _by_path.clear()


async def leave() -> None:
    """Drop this test's databases (a leaked connection is cut: WITH (FORCE))."""
    global _current
    _current = "sqlite"
    _by_path.clear()
    if not _created:
        return
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        while _created:
            await admin.execute(f"DROP DATABASE IF EXISTS {_created.pop()} WITH (FORCE)")
    finally:
        await admin.close()
