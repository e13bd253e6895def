"""Before a shift volunteers are reminded privately (evening before, hours before), never in
quiet hours and never twice, even across a restart; after it the captain confirms who came."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests import backends
from tests.harness import BUILDING_CONFIG, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
VOLUNTEERS = """
[volunteers]
points = { per_half_hour = 1, urgent_bonus = 2 }
remind_evening_before = "20:00"
remind_hours_before = 2
"""


def config():
    return make_config(BUILDING_CONFIG + VOLUNTEERS)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


async def until(b: Building, when: datetime) -> None:
    await b.later(when - b.clock.now())


async def walk(b: Building, when: datetime, step: timedelta = timedelta(minutes=15)) -> None:
    """Let the clock run with upkeep every `step` (the real bot's tick is every minute)."""
    while b.clock.now() + step < when:
        await b.later(step)
    await until(b, when)


def reminders(b: Building, user) -> list[str]:
    return [m.content for m in b.private(user) if m.content.startswith("⏰")]


def duty_post(b: Building):
    return next(m for m in b.group_posts() if any(d.startswith("vt:s:") for d in m.button_data()))


async def test_a_volunteer_is_reminded_the_evening_before_and_at_the_end_of_quiet_hours():
    async with Building(config()) as b:
        b.opened_bot(b.alice)
        # 2 hours before 9:00 is 7:00, inside quiet hours (22:00-07:30): moved to 7:30.
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await until(b, local(4, 19, 59))
        assert reminders(b, b.alice) == []
        await until(b, local(4, 20))
        assert reminders(b, b.alice) == [
            '⏰ Reminder: you signed up for "stairwell cleaning", Sat 5 Dec 09:00–11:00. If you '
            "can't come, tap \"I can't come\" on the duty in the group so the waitlist can step in."
        ]
        await until(b, local(5, 7, 0))
        assert len(reminders(b, b.alice)) == 1  # quiet hours: nothing at 7:00
        await until(b, local(5, 7, 30))
        assert len(reminders(b, b.alice)) == 2
        await until(b, local(5, 10))
        assert len(reminders(b, b.alice)) == 2


async def test_a_reminder_that_quiet_hours_would_push_past_the_start_is_dropped():
    async with Building(config()) as b:
        b.opened_bot(b.alice)
        await b.say(b.captain, "/duty Sat 7:00-8:00 snow shovelling 2 people")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await walk(b, local(5, 9))
        assert len(reminders(b, b.alice)) == 1  # the evening before only
        assert reminders(b, b.alice)[0].startswith(
            '⏰ Reminder: you signed up for "snow shovelling"'
        )


async def test_nobody_is_reminded_twice_across_a_restart(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(config(), database=database) as b:
        b.opened_bot(b.alice)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await until(b, local(4, 20, 5))
        assert len(reminders(b, b.alice)) == 1
        world = b.world
    # A new process on the same database, a few minutes later.
    again = Building(config(), database=database)
    again.world = world
    again.clock.set(local(4, 20, 10))
    await again.__aenter__()
    try:
        await again.later(timedelta(0))
        await until(again, local(4, 21))
        assert len(reminders(again, world.users[1001])) == 1
        await until(again, local(5, 7, 31))
        assert len(reminders(again, world.users[1001])) == 2
        async with again.app.bot_data.require().repo.transaction() as tx:
            marks = [r.reminder_key for r in await tx.sent_reminders()]
        assert sorted(marks) == ["duty_1_before", "duty_1_evening"]
    finally:
        await again.__aexit__(None, None, None)


async def test_after_the_shift_the_captain_confirms_each_volunteer_and_points_follow_the_rule():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob, b.captain)
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await b.press(b.bob, duty_post(b), "vt:s:")
        await until(b, local(5, 10, 59))
        assert not [m for m in b.private(b.captain) if m.content.startswith("📋")]
        await until(b, local(5, 11))
        sheet = b.last_private(b.captain)
        assert sheet.content == (
            '📋 Duty #1 "stairwell cleaning" (Sat 5 Dec 09:00–11:00) is over. '
            "Please confirm who came:"
        )
        labels = [button["text"] for row in sheet.buttons() for button in row]
        assert labels == ["✅ Alice came", "❌ didn't", "✅ Bob came", "❌ didn't"]
        await b.press(b.captain, sheet, "vt:y:")
        assert b.last_private(b.alice).content == (
            '🌟 Thank you for "stairwell cleaning"! You earned 4 points. Send /points to see them.'
        )
        await b.press(b.captain, sheet, "vt:n:")
        assert sheet.content.endswith("✅ Alice came\n❌ Bob didn't come")
        assert sheet.buttons() == []
        await b.dm(b.alice, "/points")
        mine = [m.content for m in b.private(b.alice)][-1]
        assert mine.startswith(
            "🌟 Your service points: 4 (1 records)\n· 2026-12-05 stairwell cleaning +4"
        )
        await b.dm(b.bob, "/points")
        assert b.last_private(b.bob).content.startswith("🌟 Your service points: 0 (0 records)")
        await until(b, local(6, 11))
        assert len([m for m in b.private(b.captain) if m.content.startswith("📋")]) == 1


async def test_an_urgent_duty_earns_the_bonus_and_a_restart_sends_no_second_sheet(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(config(), database=database) as b:
        b.opened_bot(b.alice, b.captain)
        await b.say(b.captain, "/duty tomorrow 14:00-15:30 escort to clinic 1 person urgent")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await until(b, local(2, 15, 31))
        sheet = b.last_private(b.captain)
        await b.press(b.captain, sheet, "vt:y:")
        assert "You earned 5 points" in b.last_private(b.alice).content  # 3 half hours + 2
        world = b.world
    again = Building(config(), database=database)
    again.world = world
    again.clock.set(local(2, 16))
    await again.__aenter__()
    try:
        await again.later(timedelta(minutes=1))
        captain = world.users[9001]
        assert len([m for m in again.private(captain) if m.content.startswith("📋")]) == 1
    finally:
        await again.__aexit__(None, None, None)


async def test_signing_up_after_a_reminder_was_due_brings_only_the_later_one():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.captain, "/duty Sat 14:00-16:00 stairwell cleaning 4 people")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await until(b, local(4, 20))
        await until(b, local(4, 21))
        await b.press(b.bob, duty_post(b), "vt:s:")  # after the evening reminder
        await walk(b, local(5, 13))
        assert len(reminders(b, b.alice)) == 2
        assert len(reminders(b, b.bob)) == 1  # 12:00, two hours before
