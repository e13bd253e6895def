"""Duty rosters: a captain posts a shift, neighbours sign up, a waitlist fills the gaps, the
captain cancels; roles, membership and bad input. Through the real Application."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from tests.harness import BUILDING_CONFIG, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
VOLUNTEERS = """
[volunteers]
points = { per_half_hour = 1, urgent_bonus = 2 }
"""


def config():
    return make_config(BUILDING_CONFIG + VOLUNTEERS)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def duty_posts(b: Building, chat=None):
    """The bot's duty posts: the messages with a sign-up button."""
    return [m for m in b.group_posts(chat) if any(d.startswith("vt:s:") for d in m.button_data())]


def toast(b: Building) -> str | None:
    answers = [s for s in b.world.outbox if s.kind == "answer_callback"]
    return answers[-1].text if answers else None


async def signups(b: Building, duty_id: int = 1) -> dict[str, str]:
    async with b.app.bot_data.require().repo.transaction() as tx:
        return {s.first_name: s.status for s in await tx.signups(duty_id)}


async def test_a_cleaning_duty_fills_takes_a_waitlist_and_moves_the_first_waiting_up():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.captain, "/duty 周六 9:00-11:00 楼道清洁 2人")
        post = duty_posts(b)[-1]
        assert (
            post.content
            == "🧹 Duty #1: 楼道清洁\nSat 5 Dec 09:00–11:00 (Building 3)\nSigned up 0/2"
        )
        await b.press(b.alice, post, "vt:s:")
        assert toast(b) == "✅ You're signed up; I'll remind you privately before it starts"
        await b.press(b.bob, post, "vt:s:")
        await b.press(b.carol, post, "vt:s:")
        assert toast(b).startswith("It's full: you're on the waitlist")
        assert post.content.endswith("Signed up 2/2, waitlist 1")
        assert await signups(b) == {"Alice": "signed", "Bob": "signed", "Carol": "waiting"}
        # Pressing again changes nothing.
        await b.press(b.alice, post, "vt:s:")
        assert toast(b) == "You're signed up already"
        # Bob can't come: Carol moves up and is told privately; the group sees only counts.
        await b.press(b.bob, post, "vt:o:")
        assert await signups(b) == {"Alice": "signed", "Carol": "signed"}
        assert b.last_private(b.carol).content.startswith(
            '🙋 A place freed up and it\'s yours: duty #1 "楼道清洁", Sat 5 Dec 09:00–11:00.'
        )
        assert post.content.endswith("Signed up 2/2")
        assert all("Alice" not in m.content and "Carol" not in m.content for m in b.group_posts())
        # The captain sees the names, privately.
        b.opened_bot(b.captain)
        await b.dm(b.captain, "/duties")
        assert b.last_private(b.captain).content.endswith("Signed up: Alice, Carol; waitlist: —")
        await b.dm(b.alice, "/duties")
        assert "Carol" not in b.last_private(b.alice).content


async def test_the_captain_cancels_and_everyone_signed_up_or_waiting_is_told_privately():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 1 person")
        post = duty_posts(b)[-1]
        await b.press(b.alice, post, "vt:s:")
        await b.press(b.bob, post, "vt:s:")
        await b.say(b.captain, "/duty cancel 1")
        for user in (b.alice, b.bob):
            assert b.last_private(user).content.startswith(
                '😔 Duty #1 "stairwell cleaning" (Sat 5 Dec 09:00–11:00) is cancelled'
            )
        assert post.content == '❌ Duty #1 "stairwell cleaning" is cancelled.'
        assert b.group_posts()[-1].content.startswith('Duty #1 "stairwell cleaning" is cancelled;')
        await b.say(b.captain, "/duty cancel 1")
        assert b.group_posts()[-1].content == "Duty #1 was cancelled already"


async def test_two_residents_press_the_last_slot_at_the_same_moment_and_one_gets_it():
    async with Building(config()) as b:
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 1 person")
        post = duty_posts(b)[-1]
        data = post.button_data()[0]
        b.world.press(b.alice, post, data)
        b.world.press(b.bob, post, data)
        raws = [b.world.next_update(), b.world.next_update()]
        updates = [Update.de_json(raw, b.app.bot) for raw in raws]
        await asyncio.gather(*(b.app.process_update(u) for u in updates))
        assert sorted((await signups(b)).values()) == ["signed", "waiting"]
        assert post.content.endswith("Signed up 1/1, waitlist 1")


async def test_only_captains_of_the_building_post_duties_and_bad_lines_get_one_clear_line():
    async with Building(config()) as b:
        await b.say(b.alice, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        assert b.group_posts()[-1].content.startswith("Only a floor captain can use this command")
        other = b.world.add_user(9002, "Wei", language_code="en")
        b.world.join(b.g3, other)
        await b.say(other, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        assert b.group_posts()[-1].content.startswith("That belongs to a building you don't")
        cases = {
            "/duty Sat 11:00-9:00 cleaning 4 people": "The end 09:00 can't be before the start",
            "/duty Sat 9:00-11:00 cleaning": 'Say how many people are needed, e.g. "4 people"',
            "/duty Sat 9:00 cleaning 4 people": "Add the end time too, e.g. 9:00-11:00",
            "/duty 9:00-11:00 cleaning 4 people": "Start with the date, e.g. /duty Sat",
            "/duty someday 9:00-11:00 cleaning 4 people": "cannot read this date: someday",
            "/duty Sat 9:00-25:00 cleaning 4 people": "I can't read the time: no hour 25",
            "/duty Sat 9:00-11:00 cleaning 80 people": "The number of people must be 1 to 50",
            "/duty 2026-11-28 9:00-11:00 cleaning 4 people": "That time has passed",
            "/duty": "Usage: /duty Sat 9:00-11:00",
        }
        for line, expected in cases.items():
            await b.say(b.captain, line)
            assert b.group_posts()[-1].content.startswith(expected), line
        assert duty_posts(b) == []
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.upcoming_duties(["b3", "b5"], b.clock.now()) == []


async def test_a_captain_posts_privately_to_the_building_group_in_its_language():
    async with Building(config()) as b:
        b.opened_bot(b.captain)
        await b.dm(b.captain, "/duty 明天 14:00-15:30 陪老人就医 2人 急 @ 社区医院")
        assert (
            b.last_private(b.captain).content
            == '✅ Duty #1 "陪老人就医" is posted in the building\'s group.'
        )
        post = duty_posts(b)[-1]
        assert post.content == (
            "🚨 Urgent #1: 陪老人就医\nWed 2 Dec 14:00–15:30, 社区医院 (Building 3)\nSigned up 0/2"
        )
        assert duty_posts(b, b.g5) == []


async def test_someone_who_left_the_building_group_cannot_sign_up_from_a_private_list():
    async with Building(config()) as b:
        b.opened_bot(b.carol, b.dave)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        await b.say(b.carol, "good morning neighbours")  # Carol is seen in the group
        await b.dm(b.carol, "/duties")
        listed = b.last_private(b.carol)
        assert listed.content.startswith("🧹 Duty #1: stairwell cleaning")
        # Dave lives in building 5: building 3's duties are not his to see.
        await b.dm(b.dave, "/duties")
        assert b.last_private(b.dave).content in ("近期没有值班。", "No duties coming up.")
        # Carol moves out; a day later her old private button no longer signs her up.
        b.world.set_status(b.g3, b.carol, "left")
        await b.later(timedelta(days=1, minutes=1))
        await b.press(b.carol, listed, "vt:s:")
        assert toast(b) == "Only neighbours in this building's group can sign up"
        assert await signups(b) == {}


async def test_only_the_buildings_captain_cancels_and_a_private_cancel_tells_the_group():
    async with Building(config()) as b:
        wei = b.world.add_user(9002, "Wei", language_code="en")  # captain of building 5
        b.opened_bot(b.captain, wei)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        await b.dm(wei, "/duty cancel 1")
        assert b.last_private(wei).content == "You are not a floor captain of Building 3"
        await b.dm(b.alice, "/duty cancel 1")
        assert b.last_private(b.alice).content.startswith("Only a floor captain")
        await b.dm(b.captain, "/duty cancel 1")
        assert b.last_private(b.captain).content.startswith(
            'Duty #1 "stairwell cleaning" is cancelled;'
        )
        assert b.group_posts()[-1].content == '❌ Duty #1 "stairwell cleaning" is cancelled.'
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.upcoming_duties(["b3"], b.clock.now()) == []


async def test_a_room_or_phone_number_in_a_duty_is_never_posted_to_the_group():
    async with Building(config()) as b:
        b.opened_bot(b.captain)
        await b.say(b.captain, "/duty Sat 9:00-11:00 help move boxes 1102室 13812345678 2 people")
        post = duty_posts(b)[-1]
        assert "1102" not in post.content and "13812345678" not in post.content
        assert "help move boxes [room] [phone]" in post.content
        assert b.last_private(b.captain).content.startswith("For privacy, room and phone numbers")


COMMUNITY_GROUP = """
[[groups]]
chat_id = -1000
title = "Sunny Garden"
community = "sunny"
"""


async def test_in_a_community_wide_group_a_captain_posts_for_their_own_building():
    async with Building(make_config(BUILDING_CONFIG + COMMUNITY_GROUP + VOLUNTEERS)) as b:
        whole = b.world.add_group(-1000, "Sunny Garden", members=[b.alice, b.dave, b.captain])
        await b.say(b.captain, "/duty Sat 9:00-11:00 garden weeding 2 people", chat=whole)
        post = duty_posts(b, whole)[-1]
        assert "(Building 3)" in post.content
        # Dave lives in building 5 but is in the community's group: he may help too.
        await b.press(b.dave, post, "vt:s:")
        assert await signups(b) == {"Dave": "signed"}
        await b.say(b.captain, "/duty b5 Sat 9:00-11:00 garden weeding 2 people", chat=whole)
        assert b.group_posts(whole)[-1].content == "You are not a floor captain of Building 5"
