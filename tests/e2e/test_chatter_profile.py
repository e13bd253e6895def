"""Chatter skips its transaction when nothing changed, yet the resident's row stays true:
home group, names and language follow what they last wrote, and /forgetme is not undone
by a stale memory."""

from __future__ import annotations

from tests.harness import Building


async def _row(b: Building, user_id: int):
    async with b.app.bot_data.require().repo.transaction() as tx:
        return await tx.user(user_id)


async def test_chatter_keeps_home_group_and_names_current():
    async with Building() as b:
        await b.say(b.bob, "good morning everyone")
        row = await _row(b, b.bob.id)
        assert row is not None and row.home_chat_id == b.g3.id and row.first_name == "Bob"

        await b.say(b.bob, "good morning again")  # unchanged: nothing to write
        await b.say(b.bob, "hello over here", chat=b.g5)
        row = await _row(b, b.bob.id)
        assert row is not None and row.home_chat_id == b.g5.id

        b.bob.first_name = "Robert"
        b.bob.username = "rob"
        await b.say(b.bob, "back in my building")
        row = await _row(b, b.bob.id)
        assert row is not None
        assert (row.first_name, row.username, row.home_chat_id) == ("Robert", "rob", b.g3.id)


async def test_chatter_after_forgetme_records_the_resident_again():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "good morning everyone")
        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        assert await _row(b, b.alice.id) is None

        await b.say(b.alice, "good morning everyone")
        row = await _row(b, b.alice.id)
        assert row is not None and row.home_chat_id == b.g3.id
