"""Quiet hours (bot.quiet_hours, 22:00–07:30 in the building's zone by default) hold private
nudges too: one decided at 23:16 or 06:13 arrives at 07:30, once, even across a restart.
Urgent matters and answers to what a resident just did are not held."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests import backends
from tests.harness import T0, Building

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


async def at(b: Building, when: datetime) -> None:
    """Let time pass until `when` (local), the upkeep tick running there."""
    await b.later(when - b.clock.now())


def nudges(b: Building, user) -> list[str]:
    return [m.content for m in b.private(user) if m.content.startswith("⏰")]


async def test_an_expiry_nudge_due_at_night_arrives_at_the_end_of_quiet_hours_once():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")  # 1 Dec 10:00: expires 8 Dec
        await at(b, local(7, 23, 16))  # the nudge is due (a day before) but it is night
        assert nudges(b, b.alice) == []
        await at(b, local(8, 6, 13))
        assert nudges(b, b.alice) == []
        await at(b, local(8, 7, 31))
        assert len(nudges(b, b.alice)) == 1
        assert "ladder" in nudges(b, b.alice)[0]
        await at(b, local(8, 8, 30))
        assert len(nudges(b, b.alice)) == 1  # not again


async def test_a_held_nudge_survives_a_restart_and_is_sent_once(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await at(b, local(7, 23, 16))
        assert nudges(b, b.alice) == []
    # A new process on the same database, started in the morning.
    b = Building(database=database)
    b.opened_bot(b.alice)
    b.clock.set(local(8, 7, 45))
    b.world.tick((local(8, 7, 45) - T0).total_seconds())
    async with b:
        await b.later(timedelta(0))
        assert len(nudges(b, b.alice)) == 1
        await b.later(timedelta(hours=1))
        assert len(nudges(b, b.alice)) == 1
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.unsent() == []


async def test_a_neighbours_question_to_a_giver_at_night_waits_for_the_morning():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await at(b, local(1, 23, 16))
        await b.say(b.bob, "Does anyone have a ladder I could borrow?")
        assert "ladder" in b.group_posts()[-1].content  # Bob's request is acknowledged now
        assert not any(d.startswith("y:") for m in b.private(b.alice) for d in m.button_data())
        await at(b, local(2, 7, 31))
        assert any(d.startswith("y:") for d in b.last_private(b.alice).button_data())


async def test_an_urgent_request_reaches_the_giver_at_once_even_at_night():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await at(b, local(1, 23, 16))
        await b.say(b.bob, "Urgent! anyone have a ladder? water pipe burst, need it now")
        assert any(d.startswith("y:") for d in b.last_private(b.alice).button_data())


async def test_an_answer_to_what_a_resident_just_did_is_not_held():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await at(b, local(7, 21, 0))  # the nudge came before quiet hours
        nudge = b.last_private(b.alice)
        await at(b, local(7, 23, 16))
        await b.press(b.alice, nudge, "k:")  # she is awake and pressed "keep"
        assert "stays listed" in b.last_private(b.alice).content


async def test_a_keyword_alert_firing_at_night_waits_for_the_morning():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "hello neighbours")
        await b.dm(b.bob, "/alert stroller")
        await at(b, local(1, 23, 16))
        await b.say(b.alice, "闲置婴儿车一辆，免费送")
        assert not any(d.startswith("ea:") for m in b.private(b.bob) for d in m.button_data())
        await at(b, local(2, 7, 31))
        fired = b.last_private(b.bob)
        assert "stroller" in fired.content.lower() and any(
            d.startswith("ea:") for d in fired.button_data()
        )


async def test_a_medicine_request_reaches_the_giver_at_once_even_at_night():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have 2 spare boxes of ibuprofen, anyone who needs it let me know")
        await at(b, local(1, 23, 16))
        await b.say(b.bob, "Does anyone have ibuprofen? My son has a fever")
        assert any(d.startswith("y:") for d in b.last_private(b.alice).button_data())
