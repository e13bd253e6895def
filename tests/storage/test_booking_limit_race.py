"""The weekly limit under two presses at once: a resident one slot short of their limit
presses two different free slots in two workers at the same moment — exactly one is held,
on SQLite and on PostgreSQL (SERIALIZABLE)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.bookings_store import OverWeeklyLimit
from storage.repository import Repository, Tx
from tests import backends

T = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def test_two_slots_pressed_at_once_at_the_limit_hold_only_one(tmp_path):
    database = backends.database_for(tmp_path / "shared.db")
    first, second = await Repository.open(database), await Repository.open(database)
    try:
        for attempt in range(4):
            week = (MONDAY + timedelta(weeks=attempt), MONDAY + timedelta(weeks=attempt + 1))
            async with first.transaction() as tx:  # one hour of the two already booked
                await tx.hold_slot(
                    "room", week[0] + 9 * HOUR, week[0] + 10 * HOUR, "confirmed", T, user_id=1001
                )

            async def press(
                tx: Tx, hour: int, week: tuple[datetime, datetime] = week
            ) -> int | None:
                start = week[0] + timedelta(days=2, hours=hour)
                return await tx.hold_slot_within(
                    "room",
                    start,
                    start + HOUR,
                    "confirmed",
                    T,
                    user_id=1001,
                    week=week,
                    limit_minutes=120,
                )

            results = await asyncio.gather(
                first.run(lambda tx: press(tx, 10)),
                second.run(lambda tx: press(tx, 14)),
                return_exceptions=True,
            )
            held = [r for r in results if isinstance(r, int)]
            refused = [r for r in results if isinstance(r, OverWeeklyLimit)]
            assert len(held) == 1 and len(refused) == 1, results
            assert refused[0].used_minutes == 120
            async with first.transaction() as tx:
                assert await tx.minutes_used(1001, "room", *week) == 120
        # Under the limit, or another resident, is held as before.
        async with first.transaction() as tx:
            start = MONDAY + timedelta(weeks=9)
            week = (start, start + timedelta(weeks=1))
            assert await tx.hold_slot_within(
                "room",
                start,
                start + HOUR,
                "confirmed",
                T,
                user_id=1002,
                week=week,
                limit_minutes=60,
            )
            with pytest.raises(OverWeeklyLimit):
                await tx.hold_slot_within(
                    "room",
                    start + HOUR,
                    start + 2 * HOUR,
                    "confirmed",
                    T,
                    user_id=1002,
                    week=week,
                    limit_minutes=60,
                )
            assert await tx.slot_holder("room", start + HOUR) is None  # nothing left behind
    finally:
        await first.close()
        await second.close()
