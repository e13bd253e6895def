"""Deliberations: a captain's question as a Telegram poll; only residents' votes count; it
closes once at its time, even across a restart, and the result is posted and kept."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

from telegram import Update

from bot.core.redaction import has_contact_details
from bot.telegram_sim.world import SimMessage
from tests import backends
from tests.harness import Building

QUESTION = (
    "/deliberate Install motion-sensor lights? | Agree | Disagree | Abstain"
    " --closes 2026-12-03 18:00"
)


def _poll(b: Building) -> SimMessage:
    return next(m for m in reversed(b.group_posts()) if m.poll is not None)


async def test_votes_of_residents_count_and_an_outsiders_vote_is_ignored_and_said_so():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.captain, b.dave)  # Carol never opened the bot
        for who in (b.alice, b.bob, b.carol):
            await b.say(who, "hello neighbours")
        await b.say(b.captain, QUESTION)
        poll = _poll(b)
        assert poll.poll.question == "Install motion-sensor lights?"
        assert poll.poll.is_anonymous is False
        await b.vote(b.alice, poll, [0])
        await b.vote(b.bob, poll, [1])
        await b.vote(b.bob, poll, [0])  # Bob changes his mind: his latest vote counts
        # Dave lives in Building 5: someone forwarded him the poll.
        await b.vote(b.dave, poll, [1], forwarded=True)
        # Carol votes privately: the post's link opens her chat with the bot at the ballot.
        link = next(btn["url"] for row in poll.buttons() for btn in row if "url" in btn)
        assert link.endswith("?start=dl1")
        await b.start(b.carol, "dl1")
        ballot = b.last_private(b.carol)
        assert "Install motion-sensor lights?" in ballot.content
        await b.press(b.carol, ballot, "dl:v:1:2")
        await b.later(timedelta(days=3))
        assert poll.poll.is_closed
        result = b.group_posts()[-1].content
        assert "Deliberation #1: result" in result
        assert "Agree: 2" in result and "Disagree: 0" in result and "Abstain: 1" in result
        assert "3 votes counted" in result and "1 from non-residents not counted" in result
        await b.say(b.alice, "/deliberations")
        assert "Agree 2 · Disagree 0 · Abstain 1" in b.group_posts()[-1].content


async def test_a_poll_is_closed_once_even_when_the_bot_restarts(tmp_path: Path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        b.opened_bot(b.alice, b.captain)
        await b.say(b.alice, "hello")
        await b.say(b.captain, QUESTION)
        poll = _poll(b)
        await b.vote(b.alice, poll, [0])
        world, clock = b.world, b.clock
    # The bot restarts before the closing time, and again after it.
    again = Building(database=database)
    again.world, again.clock = world, clock
    again.alice, again.captain, again.g3 = b.alice, b.captain, b.g3
    async with again:
        await again.later(timedelta(days=3))
        await again.later(timedelta(hours=1))
    third = Building(database=database)
    third.world, third.clock, third.g3 = world, clock, b.g3
    async with third:
        await third.later(timedelta(hours=1))
    stops = [m for m in world.outbox if m.kind == "stop_poll"]
    results = [m for m in world.outbox if m.text and "Deliberation #1: result" in m.text]
    assert len(stops) == 1 and len(results) == 1
    assert "Agree: 1" in (results[0].plain_text or "")
    assert not [c for c in world.failed_calls if c.method.lower() == "stoppoll"]


async def test_a_secret_ballot_is_voted_privately_and_keeps_only_totals():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.captain)
        await b.say(b.alice, "hi")
        # Asked from the captain's private chat: it goes to her building's group.
        await b.dm(b.captain, "/deliberate Repaint the hall? | Yes | No --anonymous")
        assert "#1 is open in the group" in b.last_private(b.captain).content
        post = b.group_posts()[-1]
        assert post.poll is None and "Secret ballot #1" in post.content
        await b.start(b.alice, "dl1")
        await b.press(b.alice, b.last_private(b.alice), "dl:v:1:0")
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert len(await tx.votes(1)) == 1
        ballot = b.last_private(b.alice)
        await b.later(timedelta(days=3, minutes=1))
        assert "Yes: 1" in b.group_posts()[-1].content
        # A ballot pressed after the close changes nothing, and says so.
        query = await b.press(b.alice, ballot, "dl:v:1:1")
        toast = next(s for s in b.world.outbox if s.callback_query_id == query)
        assert "over" in (toast.text or "")
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.votes(1) == []  # who voted what is gone
            closed = await tx.deliberation(1)
        assert closed is not None and closed.result == (1, 0)


async def test_only_captains_open_questions_for_their_own_building_with_clear_errors():
    async with Building() as b:
        await b.say(b.alice, "/deliberate Should we? | Yes | No")
        assert "Only floor captains" in b.group_posts()[-1].content
        await b.say(b.captain, "/deliberate Should we? | Yes")
        assert "at least two options" in b.group_posts()[-1].content
        await b.say(b.captain, "/deliberate Should we? --closes 2026-13-01 18:00")
        assert "can't read the closing time" in b.group_posts()[-1].content
        await b.say(b.captain, "/deliberate Should we? --closes 2027-06-01 18:00")
        assert "too far away" in b.group_posts()[-1].content
        b.world.join(b.g5, b.captain)
        await b.pump()
        await b.say(b.captain, "/deliberate Should we?", chat=b.g5)
        assert "不是" in b.group_posts(b.g5)[-1].content  # Building 5's group reads Chinese


async def test_a_question_naming_a_door_is_refused_in_words_that_name_none():
    """The refusal is posted where the captain wrote, the group: its own example of what not
    to write ("flat 1102, Building 3 Unit 2") put a door number there (found by the fuzz test)."""
    async with Building() as b:
        await b.say(b.captain, "/deliberate Fix the leak at 3号楼2单元1102? | Yes | No")
        refusal = b.group_posts()[-1].content
        assert "door and phone numbers" in refusal
        assert not has_contact_details(refusal)
        await b.say(b.captain, "/deliberate 3号楼2单元1102漏水要修吗？ | 修 | 不修", chat=b.g3)
        assert not any(has_contact_details(p.content) for p in b.group_posts())


async def _asked_and_voted(b: Building) -> None:
    """The captain's question is open in the group and Alice, a resident, has voted."""
    b.opened_bot(b.alice, b.captain)
    await b.say(b.alice, "hi")
    await b.say(b.captain, QUESTION)
    await b.vote(b.alice, _poll(b), [0])


async def test_a_captain_attaches_a_follow_up_to_the_outcome():
    async with Building() as b:
        await _asked_and_voted(b)
        await b.dm(b.captain, "/deliberations follow 1 not yet")
        assert "not closed yet" in b.last_private(b.captain).content
        await b.later(timedelta(days=3))
        await b.dm(
            b.captain, "/deliberations follow 1 Captains ask the office to install them next week"
        )
        assert "/reports board as #1" in b.last_private(b.captain).content
        await b.dm(b.captain, "/reports")
        assert "#1 [open] Captains ask the office" in b.last_private(b.captain).content
        assert "install them next week" in b.group_posts()[-1].content
        await b.dm(b.alice, "/deliberations")
        assert "install them next week" in b.last_private(b.alice).content


async def test_a_follow_up_naming_a_door_reaches_the_group_without_it():
    async with Building() as b:
        await _asked_and_voted(b)
        await b.later(timedelta(days=3))
        await b.dm(b.captain, "/deliberations follow 1 Lights go in first outside flat 1102")
        post = b.group_posts()[-1].content
        assert "Lights go in first" in post
        assert not has_contact_details(post), post
        # The captain's own record keeps what was written.
        await b.dm(b.captain, "/reports")
        assert "flat 1102" in b.last_private(b.captain).content


async def test_a_redelivered_question_is_asked_once():
    async with Building() as b:
        b.opened_bot(b.captain)
        b.world.send(b.captain, b.g3, QUESTION)
        raw = b.world.next_update()
        # Applied, then Telegram sends it again (the confirmation was lost in a crash).
        for _ in range(2):
            await b.app.process_update(Update.de_json(copy.deepcopy(raw), b.app.bot))
        assert len([m for m in b.group_posts() if m.poll is not None]) == 1
