"""Every message goes through the outbox: a flood wait or a refusal delays or reports it,
never loses it. /start's waiting messages and /announce's posts were once sent straight
after their transaction, so a 429 lost them and a refused announcement was only logged."""

from __future__ import annotations

from tests.captains_town import Town
from tests.harness import Building


class UnlimitedBuilding(Building):
    rate_limit = False  # Telegram's 429 reaches the bot's own delivery, as a sustained one would


async def test_start_under_flood_control_still_delivers_what_was_waiting():
    async with UnlimitedBuilding() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.carol, "I have a spare ladder to lend")  # Carol never opened the bot
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert b.private(b.carol) == []
        b.world.simulate_flood(retry_after=1, times=2, methods=["sendMessage"])
        await b.start(b.carol, "go")
        for _ in range(2):  # the retries after the waits
            await b.app.bot_data.require().delivery.flush(b.app.bot)

        texts = [m.content for m in b.private(b.carol)]
        assert len(texts) == 2 and "Bob" in texts[1]  # the welcome, then the ask
        await b.start(b.carol, "go")
        assert len(b.private(b.carol)) == 3  # a second /start repeats nothing that waited


async def test_an_announcement_a_group_refuses_is_reported_to_the_captain():
    async with Town() as b:
        b.world.chat(b.g3.id).bot_status = "kicked"
        await b.dm(b.captain, "/announce Water off on Tuesday")
        told = [m.content for m in b.private(b.captain)]
        assert any("could not be delivered" in t and "Building 3" in t for t in told)
