"""SQLite's two connections: units of work on the event loop's thread, lengthy work off it.

A unit's statements run inline (cheaper than a thread hop); the upkeep tick, migrations,
captains' reports and WAL checkpoints run on aiosqlite's thread so the bot keeps answering
while they take their time.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest

from bot.config import ConfigError
from storage.driver import CHECKPOINT_EVERY_COMMITS, SqliteBackend
from storage.repository import Repository
from tests.harness import BUILDING_CONFIG, Building, make_config

pytestmark = pytest.mark.sqlite_only(reason="SQLite's connections and write-ahead log")

# A query that keeps SQLite busy for a while (tens to hundreds of milliseconds).
SLOW_COUNT = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                SELECT COUNT(*) FROM n"""


async def test_the_loop_keeps_running_while_lengthy_work_scans(tmp_path):
    repo = await Repository.open(tmp_path / "slow.sqlite3")
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    try:
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        async with repo.transaction(lengthy=True) as tx:
            before, started = ticks, time.perf_counter()
            assert (await tx._one(SLOW_COUNT, (2_000_000,)))[0] == 2_000_000
            during, took = ticks - before, time.perf_counter() - started
        stop.set()
        await task
    finally:
        await repo.close()
    assert took > 0.02, "the query was too quick to show anything"
    assert during >= 2, f"the event loop stood still for {took * 1000:.0f} ms of lengthy work"


async def test_inline_units_and_lengthy_work_see_each_others_commits(tmp_path):
    repo = await Repository.open(tmp_path / "both.sqlite3")
    now = datetime.now(UTC)
    try:
        async with repo.transaction() as tx:
            assert await tx.claim_update(1, now)
        async with repo.transaction(lengthy=True) as tx:
            assert not await tx.claim_update(1, now)  # the inline commit is visible
            assert await tx.claim_update(2, now)
        async with repo.statements() as tx:
            assert (await tx._one("SELECT COUNT(*) FROM processed_updates"))[0] == 2
        with pytest.raises(RuntimeError):
            async with repo.transaction(lengthy=True) as tx:
                await tx.claim_update(3, now)
                raise RuntimeError("the unit failed")
        with pytest.raises(RuntimeError):
            async with repo.transaction() as tx:
                await tx.claim_update(4, now)
                raise RuntimeError("the unit failed")
        async with repo.transaction() as tx:  # both rolled back; the next unit works
            assert await tx.claim_update(3, now)
            assert await tx.claim_update(4, now)
    finally:
        await repo.close()


async def test_the_write_ahead_log_stops_growing_while_the_bot_writes(tmp_path):
    path = tmp_path / "busy.sqlite3"
    wal = tmp_path / "busy.sqlite3-wal"
    repo = await Repository.open(path)
    now = datetime.now(UTC)
    sizes = []
    try:
        for n in range(6 * CHECKPOINT_EVERY_COMMITS):
            async with repo.transaction() as tx:
                await tx.claim_update(n, now)
                await tx.enqueue(['{"kind": "send", "text": "' + "x" * 2000 + '"}'], now)
            if n % CHECKPOINT_EVERY_COMMITS == CHECKPOINT_EVERY_COMMITS - 1:
                await asyncio.sleep(0.05)  # the checkpoint runs on aiosqlite's thread
                sizes.append(wal.stat().st_size)
    finally:
        await repo.close()
    # Each round of commits writes well over a megabyte of log; checkpoints let SQLite
    # reuse the file from the start instead of growing it by that much every round.
    grown = sizes[-1] - sizes[1]
    assert grown < sizes[1], f"the log kept growing: {sizes}"
    assert not wal.exists() or wal.stat().st_size == 0  # closing checkpointed the rest


async def _synchronous_settings(repo: Repository) -> set[int]:
    """`PRAGMA synchronous` of both connections: 1 is NORMAL, 2 is FULL."""
    backend = repo.backend
    assert isinstance(backend, SqliteBackend)
    inline = backend._inline.execute("PRAGMA synchronous").fetchone()[0]
    threaded = (await backend.raw.execute_fetchall("PRAGMA synchronous"))[0][0]
    return {inline, threaded}


async def test_a_deployment_that_asks_for_full_sync_gets_it_on_both_connections(tmp_path):
    # NORMAL survives a crashed process; FULL also survives a power cut (an fsync per commit).
    config = make_config(BUILDING_CONFIG + '\n[storage]\nsynchronous = "full"\n')
    async with Building(config, database=str(tmp_path / "durable.sqlite3")) as b:
        assert await _synchronous_settings(b.app.bot_data.require().repo) == {2}
    async with Building(database=str(tmp_path / "default.sqlite3")) as b:
        assert await _synchronous_settings(b.app.bot_data.require().repo) == {1}


def test_an_unknown_synchronous_setting_is_refused_with_its_key_path():
    with pytest.raises(
        ConfigError, match=r"storage\.synchronous: Input should be 'normal' or 'full'"
    ):
        make_config(BUILDING_CONFIG + '\n[storage]\nsynchronous = "sometimes"\n')


async def test_another_writer_holding_the_file_does_not_freeze_the_bot(tmp_path):
    # `jinlin import` or an operator's sqlite3 shell may hold the write lock for a while.
    path = tmp_path / "shared.sqlite3"
    repo = await Repository.open(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.6, lambda: other.execute("COMMIT")).start()
    longest_gap = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal longest_gap
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest_gap, last = max(longest_gap, now - last), now

    try:
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        async with repo.transaction() as tx:  # waits for the other writer, then goes on
            assert await tx.claim_update(1, datetime(2026, 12, 1, tzinfo=UTC))
        stop.set()
        await task
        assert longest_gap < 0.2, f"the event loop stood still for {longest_gap:.2f}s"
    finally:
        other.close()
        await repo.close()
