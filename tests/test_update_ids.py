"""Applied update ids: a redelivery changes nothing, yet the record neither grows forever nor
mistakes a restarted id sequence for redeliveries.

Telegram keeps an unconfirmed update for at most a day, and after a week without updates
(or for a new token on the same database) it starts its ids afresh.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from tests.harness import Building


async def _resend_as(b: Building, update_id: int, text: str) -> None:
    """The next update Telegram makes carries `update_id` again (its ids restarted)."""
    b.world._next_update_id = update_id
    await b.say(b.bob, text)


async def _applied_ids(b: Building) -> int:
    async with b.app.bot_data.require().repo.statements() as tx:
        rows = await tx._db.execute_fetchall("SELECT COUNT(*) FROM processed_updates")
    return int(rows[0][0])


async def test_a_redelivered_update_within_a_day_changes_nothing():
    async with Building() as b:
        raw = b.world.send(b.alice, b.g3, "I have a spare ladder to lend") and b.world.next_update()
        assert raw is not None
        await b.app.process_update(Update.de_json(raw, b.app.bot))
        b.clock.advance(timedelta(hours=20))
        await b.app.process_update(Update.de_json(raw, b.app.bot))
        assert [e.item_name for e in await b.ledger()] == ["ladder"]


async def test_a_restarted_id_sequence_is_applied_not_ignored():
    async with Building() as b:
        await b.say(b.alice, "I have a spare ladder to lend")
        first = b.world._next_update_id - 1
        b.clock.advance(timedelta(days=2))  # longer than Telegram keeps any update
        await _resend_as(b, first, "I have a spare drill to lend")
        assert sorted(e.item_name for e in await b.ledger()) == ["drill", "ladder"]
        assert "drill" in b.group_posts()[-1].content.lower()


async def test_applied_ids_are_forgotten_once_telegram_cannot_send_them_again():
    async with Building() as b:
        for item in ("ladder", "drill", "kettle"):
            await b.say(b.alice, f"I have a spare {item} to lend")
        assert await _applied_ids(b) == 3
        await b.later(timedelta(days=3))
        await b.say(b.bob, "anyone have an umbrella?")
        assert await _applied_ids(b) == 1  # only the one Telegram might still repeat
