"""The captain roster and the menus' record, on both databases: one row per captain and
building, every change audited, and digests replaced in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.records import UserRecord
from storage.repository import Repository
from tests import backends

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_a_captain_is_added_once_removed_once_and_each_change_is_audited(tmp_path):
    repo = await Repository.open(backends.database_for(tmp_path / "x.db"))
    try:
        async with repo.transaction() as tx:
            assert await tx.add_captain("b3", 1002, 9100, T0)
            assert not await tx.add_captain("b3", 1002, 9100, T0 + timedelta(minutes=1))
            assert await tx.add_captain("b5", 1002, 9100, T0)
            assert not await tx.remove_captain("b3", 1003, 9100, T0)
            assert await tx.remove_captain("b5", 1002, 9100, T0 + timedelta(hours=1))
            [added] = await tx.added_captains()
            assert (added.building, added.user_id, added.added_by, added.added_at) == (
                "b3",
                1002,
                9100,
                T0,
            )
            history = list(reversed(await tx.captain_changes()))
            assert [(c.building, c.change) for c in history] == [
                ("b3", "added"),
                ("b5", "added"),
                ("b5", "removed"),
            ]
            assert history[-1].at == T0 + timedelta(hours=1)
    finally:
        await repo.close()


async def test_usernames_are_found_whatever_their_case_and_digests_are_replaced(tmp_path):
    repo = await Repository.open(backends.database_for(tmp_path / "x.db"))
    try:
        async with repo.transaction() as tx:
            await tx.save_user(UserRecord(1002, "Bob", username="Bob_B3"), T0)
            found = await tx.user_by_username("@bob_b3")
            assert found is not None and found.user_id == 1002
            assert await tx.user_by_username("nobody") is None
            await tx.set_menu_digest("commands:all_private_chats::zh", "a", T0)
            await tx.set_menu_digest("commands:all_private_chats::zh", "b", T0)
            await tx.set_menu_digest("description:", "c", T0)
            await tx.drop_menu_digest("description:")
            assert await tx.menu_digests() == {"commands:all_private_chats::zh": "b"}
    finally:
        await repo.close()
