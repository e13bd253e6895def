"""Each worker's residents cache stays true when another worker changes a resident's row.

Chatter from a resident the cache knows as they are skips its transaction. With several
workers on PostgreSQL that is only sound if a worker hears the others' writes: after worker
B renames or erases a resident, worker A must write that resident's next line again.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from storage.records import UserRecord
from storage.repository import Repository
from tests import backends

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ANNA = UserRecord(7001, "Anna", "anna", "zh", home_chat_id=-1003)


def postgres_only() -> None:
    if backends.current() == "sqlite":
        pytest.skip("one process owns a SQLite file: several workers need PostgreSQL")


async def _until(condition, timeout: float = 3.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _users_row(repo: Repository) -> UserRecord | None:
    async with repo.statements() as tx:
        return await tx.user(ANNA.user_id)


async def test_a_worker_writes_a_residents_line_again_after_another_worker_changed_them(
    tmp_path,
):
    postgres_only()
    database = backends.database_for(tmp_path / "shared.db")
    a, b = await Repository.open(database), await Repository.open(database)
    try:
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T)
        assert a.user_unchanged(ANNA, T)  # a knows the row: Anna's chatter skips a write
        await asyncio.sleep(0.2)
        assert a.user_unchanged(ANNA, T)  # a's own notice does not make it forget

        # b sees Anna under a new name: a must not keep believing the old one.
        renamed = UserRecord(ANNA.user_id, "Anna L", "anna", "zh", home_chat_id=-1003)
        async with b.transaction() as tx:
            await tx.save_user(renamed, T)
        assert await _until(lambda: not a.user_unchanged(ANNA, T))
        async with a.transaction() as tx:  # her next line on a, with the old name
            await tx.save_user(ANNA, T)
        stored = await _users_row(b)
        assert stored is not None and stored.first_name == "Anna"

        # b erases her (/forgetme): a's next line of hers records her again.
        await asyncio.sleep(0.2)
        assert a.user_unchanged(ANNA, T)
        async with b.transaction() as tx:
            await tx.erase_person(ANNA.user_id)
        assert await _until(lambda: not a.user_unchanged(ANNA, T))
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T)
        assert await _users_row(b) is not None
    finally:
        await a.close()
        await b.close()


async def test_a_rolled_back_change_tells_no_one(tmp_path):
    postgres_only()
    database = backends.database_for(tmp_path / "shared.db")
    a, b = await Repository.open(database), await Repository.open(database)
    try:
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T)

        class Undo(Exception):
            pass

        with pytest.raises(Undo):
            async with b.transaction() as tx:
                await tx.erase_person(ANNA.user_id)
                raise Undo
        await asyncio.sleep(0.3)
        assert a.user_unchanged(ANNA, T)  # nothing changed, nothing to forget
    finally:
        await a.close()
        await b.close()


async def test_without_the_change_channel_the_cache_is_off(tmp_path):
    postgres_only()
    database = backends.database_for(tmp_path / "shared.db")
    a = await Repository.open(database)
    try:
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T)
        assert a.user_unchanged(ANNA, T)
        assert a._changes is not None
        listener = a._changes._conn.get_server_pid()
        async with a.statements() as tx:  # the server drops the listening connection
            await tx._db.execute_fetchall("SELECT pg_terminate_backend(?)", (listener,))
        assert await _until(lambda: not a.user_unchanged(ANNA, T))
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T + timedelta(seconds=1))
        assert not a.user_unchanged(ANNA, T)  # still off: a change could pass unheard
        assert await _until(lambda: a._changes is not None and a._changes._conn is not None, 6)
        async with a.transaction() as tx:
            await tx.save_user(ANNA, T + timedelta(seconds=2))
        assert a.user_unchanged(ANNA, T + timedelta(seconds=2))  # back once it listens again
    finally:
        await a.close()
