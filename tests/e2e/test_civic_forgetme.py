"""/forgetme and retention cover nominations, awards and deliberation votes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests import backends
from tests.e2e.test_privacy_forgetme import traces_in_database
from tests.harness import Building


async def _civic_life(b: Building) -> None:
    """Bob nominates Alice (accepted, she agrees, announced); Alice nominates Carol; Alice
    votes in a deliberation."""
    b.opened_bot(b.alice, b.bob, b.carol, b.captain)
    hello = await b.say(b.alice, "Alice here, happy to help")
    carol = await b.say(b.carol, "Carol here")
    await b.say(b.bob, "/nominate Alice helps everyone", reply_to=hello)
    await b.say(b.alice, "/nominate Carol fixes bikes", reply_to=carol)
    card = next(m for m in b.private(b.captain) if "Nominee: Alice" in m.content)
    await b.press(b.captain, card, "gn:a:")
    await b.press(b.alice, b.last_private(b.alice), "gn:y:")
    await b.say(b.captain, "/awards announce 2026-12")
    await b.say(b.captain, "/deliberate Paint the door? | Yes | No")
    poll = next(m for m in reversed(b.group_posts()) if m.poll is not None)
    await b.vote(b.alice, poll, [0])


async def test_forgetme_erases_nominations_awards_and_votes(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        await _civic_life(b)
        assert await traces_in_database(database, b.alice.id, "Alice")
        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        assert await traces_in_database(database, b.alice.id, "Alice") == []
        # The question and its other voters stay; Bob's own nomination of Alice went with her.
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert (await tx.deliberation(1)) is not None
            assert await tx.nominations_in(["b3"]) == []


async def test_nominations_awards_and_votes_are_purged_after_retention():
    async with Building() as b:
        await _civic_life(b)
        await b.later(timedelta(days=3, minutes=1))  # the deliberation closes
        await b.later(timedelta(days=181))
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.nominations_in(["b3"]) == []
            assert await tx.announced_awards(["b3"]) == []
            assert await tx.votes(1) == []
            kept = await tx.deliberation(1)
        assert kept is not None and kept.result == (1, 0)  # the result itself is kept
