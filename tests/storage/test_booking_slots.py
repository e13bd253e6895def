"""One slot, one holder: two workers (two processes' repositories on one database) taking
the same slot at the same moment — exactly one gets it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.repository import Repository, Tx
from tests import backends

T = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
START = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


async def two_workers(tmp_path: Path) -> tuple[Repository, Repository]:
    database = backends.database_for(tmp_path / "shared.db")
    return await Repository.open(database), await Repository.open(database)


async def test_two_residents_pressing_one_slot_at_once_one_wins_the_other_is_told(tmp_path):
    first, second = await two_workers(tmp_path)
    try:
        for attempt in range(5):
            start = START + timedelta(days=attempt)

            async def work(tx: Tx, user: int, at: datetime = start) -> int | None:
                return await tx.hold_slot(
                    "room", at, at + timedelta(hours=1), "confirmed", T, user_id=user
                )

            results = await asyncio.gather(
                first.run(lambda tx: work(tx, 1001)), second.run(lambda tx: work(tx, 1002))
            )
            assert sorted(r is None for r in results) == [False, True]  # one id, one None
        async with first.transaction() as tx:
            rows = await tx.all_bookings()
        assert len(rows) == 5
        assert len({(r.resource, r.starts_at) for r in rows}) == 5
    finally:
        await first.close()
        await second.close()


async def test_a_freed_slot_can_be_taken_again_and_a_block_holds_it_like_a_booking(tmp_path):
    database = backends.database_for(tmp_path / "one.db")
    repo = await Repository.open(database)
    try:
        async with repo.transaction() as tx:
            alice = await tx.hold_slot("room", START, END, "confirmed", T, user_id=1001)
            assert alice is not None
            assert await tx.hold_slot("room", START, END, "confirmed", T, user_id=1002) is None
            assert await tx.change_booking(alice, "cancelled", T, only_from=["confirmed"])
            assert not await tx.change_booking(alice, "cancelled", T, only_from=["confirmed"])
            block = await tx.hold_slot("room", START, END, "blocked", T, reason="repairs")
            assert block is not None
            assert await tx.hold_slot("room", START, END, "offered", T, user_id=1002) is None
            holder = await tx.slot_holder("room", START)
            assert holder is not None and holder.status == "blocked" and holder.user_id is None
            # A reminder is stamped once: a second tick (or a restarted bot) finds it sent.
            assert await tx.stamp_once(block, "reminded_at", T)
            assert not await tx.stamp_once(block, "reminded_at", T)
    finally:
        await repo.close()


async def test_a_waitlist_is_first_come_and_joined_once(tmp_path):
    repo = await Repository.open(backends.database_for(tmp_path / "w.db"))
    try:
        async with repo.transaction() as tx:
            assert await tx.add_wait("room", START, 1002, T)
            assert await tx.add_wait("room", START, 1003, T + timedelta(seconds=1))
            assert not await tx.add_wait("room", START, 1002, T + timedelta(seconds=2))
            first = await tx.first_waiting("room", START)
            assert first is not None and first.user_id == 1002
            assert await tx.remove_wait(first.id)
            after = await tx.first_waiting("room", START)
            assert after is not None and after.user_id == 1003
    finally:
        await repo.close()
