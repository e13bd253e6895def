"""Test-wide settings."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import settings

from tests import backends

# CI must be reproducible: a red run that cannot be replayed teaches nothing. There the fuzz
# tests walk a fixed sequence of examples; on a developer's machine they keep exploring new
# ones (and remember failures in .hypothesis/), which is where new bugs are found.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# --- the two storage backends ---------------------------------------------------------------
# Every test runs on SQLite and on PostgreSQL, except modules marked `no_storage` (pure logic:
# nothing to run twice) and tests marked `sqlite_only` (SQLite's own file features: WAL,
# online backup, upgrading an old SQLite file), which say why in the mark.

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_storage: pure logic, runs once, on no database")
    config.addinivalue_line("markers", "sqlite_only(reason): a SQLite-specific feature")


def pytest_sessionfinish(session: pytest.Session) -> None:
    backends.finish()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("no_storage"):
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite"], indirect=True)
        return
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The storage backend of this test; Buildings and `backends.database_for` follow it."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        if not backends.ADMIN_URL:
            if os.environ.get("CI"):
                pytest.fail("JINLIN_TEST_POSTGRES is not set: run the suite with ./run tests")
            pytest.skip("no PostgreSQL server (./run tests starts one)")
        await backends.prepare_template()
    backends.enter(name)
    try:
        yield name
    finally:
        await backends.leave()
