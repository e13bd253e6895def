"""Reminders arrive on time, once, in the right groups and languages; buttons and opt-ins."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.harness import BUILDING_CONFIG, T0, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")

FESTIVALS = """
[[festivals]]
key = "neighbours_day"
name = { zh = "邻里节", en = "Neighbours' day" }
date = "12-06"
time = "15:00"
place = { zh = "中心花园", en = "central garden" }
reminders = ["1d"]
targets = "all"

[[festivals]]
key = "b5_tea"
name = { zh = "5号楼茶话会", en = "Building 5 tea party" }
date = "12-08"
time = "16:00"
reminders = ["1d"]
targets = { buildings = ["b5"] }

[[festivals]]
key = "early_walk"
name = { zh = "晨练", en = "Morning walk" }
date = "12-03"
time = "06:30"
reminders = ["1d"]
targets = { buildings = ["b3"] }
"""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


async def until(b: Building, when: datetime) -> None:
    """Let the clock run to a local moment (upkeep runs there, as every minute in `jinlin run`)."""
    await b.later(when - b.clock.now())


def reminders(b: Building, chat=None) -> list[str]:
    return [m.content for m in b.group_posts(chat) if m.content.startswith("📅")]


def toast(b: Building) -> str | None:
    answers = [s for s in b.world.outbox if s.kind == "answer_callback"]
    return answers[-1].text if answers else None


async def test_a_captains_event_is_reminded_7_days_1_day_and_on_the_morning():
    async with Building() as b:
        assert T0.astimezone(SHANGHAI) == local(1, 10)
        await b.say(b.captain, "/event add 2026-12-12 10:00 Flea market @ square")
        await until(b, local(5, 9, 59))
        assert reminders(b) == []
        await until(b, local(5, 10))
        assert reminders(b) == ["📅 Flea market — in 7 days, Sat 12 Dec 10:00, square"]
        await until(b, local(11, 9, 59))
        assert len(reminders(b)) == 1
        await until(b, local(11, 10))
        assert reminders(b)[-1] == "📅 Flea market — tomorrow 10:00, square"
        await until(b, local(12, 9))
        assert reminders(b)[-1] == "📅 Flea market — today 10:00, square"
        await until(b, local(20, 9))
        assert len(reminders(b)) == 3  # once each, never again
        assert reminders(b, b.g5) == []  # building 5's group is not told about building 3's event


async def test_a_cancelled_event_is_not_reminded_any_more():
    async with Building() as b:
        await b.say(b.captain, "/event add 2026-12-12 10:00 Flea market")
        await until(b, local(5, 10))
        await b.say(b.captain, "/event cancel 1")
        await until(b, local(13, 10))
        assert reminders(b) == ["📅 Flea market — in 7 days, Sat 12 Dec 10:00"]


async def test_festivals_reach_their_target_groups_in_each_groups_language():
    async with Building(make_config(BUILDING_CONFIG + FESTIVALS)) as b:
        await until(b, local(5, 15))
        assert reminders(b) == ["📅 Neighbours' day — tomorrow 15:00, central garden"]
        assert reminders(b, b.g5) == ["📅 邻里节 — 明天 15:00，中心花园"]
        await until(b, local(7, 16))
        assert reminders(b, b.g5)[-1] == "📅 5号楼茶话会 — 明天 16:00"
        # The tea party is for building 5 only. (The walk's reminder fell due on 2 Dec while
        # this test jumped the clock by days at once, like a bot that was down: skipped.)
        assert reminders(b) == ["📅 Neighbours' day — tomorrow 15:00, central garden"]


async def test_a_group_reading_both_languages_gets_both():
    config = make_config(
        BUILDING_CONFIG.replace('language = "zh"', 'language = "zh+en"') + FESTIVALS
    )
    async with Building(config) as b:
        await until(b, local(5, 15))
        assert reminders(b, b.g5) == [
            "📅 邻里节 — 明天 15:00，中心花园\n📅 Neighbours' day — tomorrow 15:00, central garden"
        ]
        button = b.group_posts(b.g5)[-1].buttons()[0][0]["text"]
        assert button == "🙋 我参加 / I'll come (0)"


async def test_quiet_hours_move_a_reminder_to_the_end_of_the_quiet_period():
    # The walk starts at 06:30, so "1 day before" is 06:30 on 2 Dec, inside 22:00-07:30.
    async with Building(make_config(BUILDING_CONFIG + FESTIVALS)) as b:
        await until(b, local(2, 6, 30))
        await until(b, local(2, 7, 29))
        assert reminders(b) == []
        await until(b, local(2, 7, 30))
        assert reminders(b) == ["📅 Morning walk — tomorrow 06:30"]


async def test_ill_come_counts_each_resident_once_and_updates_the_post():
    async with Building(make_config(BUILDING_CONFIG + FESTIVALS)) as b:
        await until(b, local(5, 15))
        post = b.group_posts()[-1]
        assert post.buttons()[0][0]["text"] == "🙋 I'll come (0)"
        await b.press(b.alice, post, "ev:a:")
        assert post.buttons()[0][0]["text"] == "🙋 I'll come (1)"
        assert toast(b) == "Noted — see you there!"
        await b.press(b.alice, post, "ev:a:")
        assert post.buttons()[0][0]["text"] == "🙋 I'll come (1)"
        assert toast(b) == "You are already on the list."
        await b.press(b.bob, post, "ev:a:")
        assert post.buttons()[0][0]["text"] == "🙋 I'll come (2)"
        # The other group's post of the same day counts the same residents.
        zh_post = b.group_posts(b.g5)[-1]
        await b.press(b.dave, zh_post, "ev:a:")
        assert zh_post.buttons()[0][0]["text"] == "🙋 我参加 (3)"
        assert toast(b) == "已记下，到时见！"


async def test_a_resident_who_opts_in_gets_the_next_reminders_privately():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.captain, "/event add 2026-12-12 10:00 Flea market @ square")
        await until(b, local(5, 10))
        await b.press(b.alice, b.group_posts()[-1], "ev:r:")
        assert toast(b) is not None and "remind you privately" in toast(b)
        assert b.private(b.alice) == []
        await until(b, local(11, 10))
        assert b.last_private(b.alice).content == "📅 Flea market — tomorrow 10:00, square"
        await until(b, local(12, 9))
        assert b.last_private(b.alice).content == "📅 Flea market — today 10:00, square"
        assert len(b.private(b.alice)) == 2
        assert b.private(b.bob) == []  # only who asked


async def test_a_reloaded_config_reschedules_without_a_restart():
    async with Building() as b:
        services = b.app.bot_data.require()
        await until(b, local(2, 10))
        services.config = make_config(BUILDING_CONFIG + FESTIVALS)
        await until(b, local(5, 15))
        assert reminders(b) == ["📅 Neighbours' day — tomorrow 15:00, central garden"]
        services.config = make_config()  # the festivals are gone again
        await until(b, local(7, 16))
        assert reminders(b, b.g5) == ["📅 邻里节 — 明天 15:00，中心花园"]  # no tea party


def test_t0_is_ten_in_the_morning_in_shanghai():
    assert T0.astimezone(SHANGHAI) == local(1, 10)
    assert timedelta(hours=8) == SHANGHAI.utcoffset(T0.replace(tzinfo=None))


async def test_an_opted_in_resident_who_never_opened_the_bot_is_nudged_in_the_group():
    async with Building() as b:
        await b.say(b.captain, "/event add 2026-12-12 10:00 Flea market @ square")
        await until(b, local(5, 10))
        await b.press(b.bob, b.group_posts()[-1], "ev:r:")  # Bob never opened the bot
        await b.press(b.bob, b.group_posts()[-1], "ev:r:")
        assert toast(b) == "OK, no more private reminders for this event."  # again = opt out
        await b.press(b.bob, b.group_posts()[-1], "ev:r:")
        assert toast(b) is not None and "remind you privately" in toast(b)
        await until(b, local(11, 10))
        nudge = b.group_posts()[-1]
        assert "A private reminder of “Flea market” is waiting" in nudge.content
        await b.start(b.bob)
        assert b.last_private(b.bob).content == "📅 Flea market — tomorrow 10:00, square"
