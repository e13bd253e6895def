"""Saving a resident: their row, and their home group's membership, on both databases.

On PostgreSQL both rows are written by one statement (a round trip saved on every new or
refreshed resident); the membership must still be there, and only when a home group is known.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.records import UserRecord
from storage.repository import Repository
from tests import backends

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GROUP = -1003


async def test_a_saved_resident_is_a_member_of_the_group_they_wrote_in(tmp_path):
    repo = await Repository.open(backends.database_for(tmp_path / "r.db"))
    try:
        anna = UserRecord(7001, "Anna", "anna", "zh", home_chat_id=GROUP)
        drifter = UserRecord(7002, "Ben", None, "en")  # wrote privately: no home group
        async with repo.transaction() as tx:
            await tx.save_user(anna, T)
            await tx.save_user(drifter, T)
        async with repo.transaction() as tx:
            # Refreshed an hour later under a new name: the row follows, the membership too.
            await tx.save_user(UserRecord(7001, "Anna L", "anna", None, home_chat_id=GROUP), T)
        async with repo.statements() as tx:
            stored = await tx.user(7001)
            assert stored is not None and stored.first_name == "Anna L"
            assert stored.language_code == "zh"  # kept when Telegram did not say it again
            assert await tx.member_since(7001, [GROUP], T - timedelta(minutes=1))
            assert await tx.user(7002) is not None
            assert await tx.groups_of_member(7002, T - timedelta(days=1)) == []
    finally:
        await repo.close()
