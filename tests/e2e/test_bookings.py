"""Booking the activity room and borrowing the community's wheelchair, through the real
Application and the stand-in Telegram: a room booked, a conflict lost, a waitlist taking a
freed slot, limits, reminders (quiet hours, restarts), a late return, a captain's block, a
no-show, and /forgetme."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.telegram_sim.world import SimMessage, SimUser
from tests import backends
from tests.e2e.test_security_roles import forge
from tests.harness import BUILDING_CONFIG, Building, make_config

SH = ZoneInfo("Asia/Shanghai")
RESOURCES = """
[[resources]]
key = "activity_room"
name = { zh = "活动室", en = "Activity room" }
where = { zh = "3号楼一层", en = "Building 3, ground floor" }
community = "sunny"
hours = { all = "09:00-21:00" }
slot_minutes = 60
ahead_days = 7
weekly_hours = 2
remind_minutes = 60

[[resources]]
key = "wheelchair"
name = { zh = "轮椅", en = "Wheelchair" }
kind = "thing"
where = { zh = "物业办公室", en = "the property office" }
buildings = ["b3"]
hours = { all = "08:00-20:00" }
slot_minutes = 720
keeper = 1003

[[resources]]
key = "parking_night"
name = { zh = "共享车位", en = "Shared parking" }
buildings = ["b3"]
hours = { all = "19:00-07:00" }
slot_minutes = 720
approval = true
"""
# The harness starts on Tue 1 Dec 2026, 10:00 in Shanghai.


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


def slot(key: str, day: int, hour: int) -> str:
    return f"bk:s:{key}:{int(local(day, hour).timestamp() // 60)}"


def texts(b: Building, user: SimUser) -> list[str]:
    return [m.content for m in b.private(user)]


def alerts(b: Building) -> list[str]:
    return [s.text or "" for s in b.world.outbox if s.kind == "answer_callback" and s.show_alert]


async def press_data(b: Building, user: SimUser, message: SimMessage, data: str) -> None:
    b.world.press(user, message, data)
    await b.pump()


async def page_to(b: Building, user: SimUser, menu: SimMessage, key: str, day: int) -> None:
    """Choose the resource, then page a day at a time (the ▶ button) to `day`."""
    await b.press(user, menu, f"bk:r:{key}")
    for next_day in range(2, day + 1):
        await b.press(user, menu, f"bk:d:{key}:202612{next_day:02d}")


async def book(b: Building, user: SimUser, key: str, day: int, hour: int) -> None:
    """/book, choose the resource, page to the day, press the slot."""
    await b.dm(user, "/book")
    menu = b.last_private(user)
    await page_to(b, user, menu, key, day)
    assert slot(key, day, hour) in menu.button_data(), menu.content
    await press_data(b, user, menu, slot(key, day, hour))


async def bookings(b: Building):
    async with b.app.bot_data.require().repo.transaction() as tx:
        return await tx.all_bookings()


def booking_town(database: str | None = None) -> Building:
    b = Building(make_config(BUILDING_CONFIG + RESOURCES), database=database)
    b.opened_bot(b.alice, b.bob, b.carol, b.dave, b.captain)
    return b


async def test_a_resident_books_the_room_from_buttons_and_sees_it_in_mybookings():
    async with booking_town() as b:
        await b.dm(b.alice, "/book")
        menu = b.last_private(b.alice)
        assert "What would you like to book?" in menu.content
        await b.press(b.alice, menu, "bk:r:activity_room")
        # Today's slots from 11:00 (10:00 has started), a day at a time with paging.
        assert "“Activity room”, Tue 1 Dec" in menu.content
        assert slot("activity_room", 1, 10) not in menu.button_data()
        assert slot("activity_room", 1, 11) in menu.button_data()
        await b.press(b.alice, menu, "bk:d:activity_room:20261202")
        assert "Wed 2 Dec" in menu.content
        await press_data(b, b.alice, menu, slot("activity_room", 2, 10))
        assert "✅ Booked “Activity room”\nWed 2 Dec 10:00–11:00" in b.last_private(b.alice).content
        assert "Yours: 10:00" in menu.content  # the day's buttons, refreshed in place
        await b.dm(b.alice, "/mybookings")
        mine = b.last_private(b.alice)
        assert "1. “Activity room” Wed 2 Dec 10:00–11:00, Building 3, ground floor" in mine.content
        # In the group, /book points to the private chat and names nobody.
        await b.say(b.bob, "/book")
        assert "Please book in a private chat" in b.group_posts()[-1].content


async def test_two_residents_pressing_one_slot_at_once_one_wins_and_the_other_may_wait():
    async with booking_town() as b:
        menus = {}
        for user in (b.alice, b.bob):
            await b.dm(user, "/book")
            menus[user.id] = b.last_private(user)
            await b.press(user, menus[user.id], "bk:r:activity_room")
        wanted = slot("activity_room", 1, 15)
        for user in (b.alice, b.bob):
            b.world.press(user, menus[user.id], wanted)
        raws = [b.world.next_update(), b.world.next_update()]
        await asyncio.gather(
            *(b.app.process_update(Update.de_json(raw, b.app.bot)) for raw in raws)
        )
        await b.pump()
        held = [r for r in await bookings(b) if r.status == "confirmed"]
        assert len(held) == 1
        winner, loser = (b.alice, b.bob) if held[0].user_id == b.alice.id else (b.bob, b.alice)
        assert "✅ Booked" in b.last_private(winner).content
        lost = b.last_private(loser)
        assert "A neighbour booked “Activity room” Tue 1 Dec 15:00 just before you" in lost.content
        # The loser waits; the winner cancels; the slot is offered to the one waiting.
        await b.press(loser, lost, "bk:w:")
        assert "⏳ Waiting for “Activity room” Tue 1 Dec 15:00" in b.last_private(loser).content
        await b.dm(winner, "/mybookings")
        await b.press(winner, b.last_private(winner), "bk:c:")
        assert "Cancelled “Activity room” Tue 1 Dec 15:00" in b.last_private(winner).content
        offer = b.last_private(loser)
        assert "is free again, and you are first in line! Tap “I'll take it” before 10:30" in (
            offer.content
        )
        await b.press(loser, offer, "bk:t:")
        assert "✅ Booked “Activity room”\nTue 1 Dec 15:00–16:00" in b.last_private(loser).content
        assert offer.button_data() == []  # decided: its buttons are gone
        held = [r for r in await bookings(b) if r.status == "confirmed"]
        assert [r.user_id for r in held] == [loser.id]


async def test_an_offer_not_taken_in_time_goes_to_the_next_neighbour_waiting():
    async with booking_town() as b:
        await book(b, b.alice, "activity_room", 2, 10)
        for user in (b.bob, b.carol):
            await b.dm(user, "/book")
            menu = b.last_private(user)
            await page_to(b, user, menu, "activity_room", 2)
            await press_data(b, user, menu, slot("activity_room", 2, 10).replace(":s:", ":w:"))
        await b.dm(b.alice, "/mybookings")
        await b.press(b.alice, b.last_private(b.alice), "bk:c:")
        assert "first in line" in b.last_private(b.bob).content
        await b.later(timedelta(minutes=31))
        assert "was not taken in time" in b.last_private(b.bob).content
        assert "first in line" in b.last_private(b.carol).content


async def test_the_weekly_limit_is_kept_and_said_kindly():
    async with booking_town() as b:
        await book(b, b.alice, "activity_room", 2, 10)
        await book(b, b.alice, "activity_room", 2, 11)
        await book(b, b.alice, "activity_room", 3, 10)
        assert "At most 2 h a week per resident; you have 2 h booked this week" in alerts(b)[-1]
        assert len([r for r in await bookings(b) if r.user_id == b.alice.id]) == 2
        # Next week is a new week (ahead_days = 7 reaches Tue 8 Dec).
        await book(b, b.alice, "activity_room", 8, 10)
        assert "✅ Booked" in b.last_private(b.alice).content


async def test_someone_outside_the_building_cannot_book_the_wheelchair():
    async with booking_town() as b:
        await b.dm(b.dave, "/book")  # Dave lives in building 5; the wheelchair is building 3's
        await b.press(b.dave, b.last_private(b.dave), "bk:r:wheelchair")
        assert "「轮椅」只供本楼（本小区）的居民预约" in alerts(b)[-1]  # Dave reads Chinese
        assert await bookings(b) == []


async def test_a_reminder_comes_once_an_hour_before():
    async with booking_town() as b:
        await book(b, b.alice, "activity_room", 2, 10)
        await b.later(local(2, 8, 59) - b.clock.now())
        assert not any("⏰" in t for t in texts(b, b.alice))
        await b.later(timedelta(minutes=1))
        await b.later(timedelta(minutes=1))
        reminders = [t for t in texts(b, b.alice) if t.startswith("⏰")]
        assert reminders == [
            "⏰ Reminder: you booked “Activity room” Wed 2 Dec 10:00–11:00 at Building 3, "
            "ground floor. Can't come? Tap cancel."
        ]


async def test_a_reminder_that_falls_in_quiet_hours_comes_the_evening_before():
    config = make_config(
        BUILDING_CONFIG + RESOURCES.replace("remind_minutes = 60", "remind_minutes = 150")
    )
    b = Building(config)
    b.opened_bot(b.alice)
    async with b:
        await book(b, b.alice, "activity_room", 2, 9)  # 150 min before is 06:30: quiet
        await b.later(local(1, 21, 58) - b.clock.now())
        assert not any(t.startswith("⏰") for t in texts(b, b.alice))
        await b.later(timedelta(minutes=1))
        assert next(t for t in texts(b, b.alice) if t.startswith("⏰")).startswith(
            "⏰ Reminder: you booked “Activity room” Wed 2 Dec 09:00–10:00"
        )
        for hour in (23, 30, 31):  # through the night and the morning: nothing more
            await b.later(local(1, 0) + timedelta(hours=hour) - b.clock.now())
        assert len([t for t in texts(b, b.alice) if t.startswith("⏰")]) == 1


async def test_a_restart_never_sends_a_reminder_twice(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with booking_town(database) as b:
        await book(b, b.alice, "activity_room", 2, 10)
        await b.later(local(2, 9, 5) - b.clock.now())
        assert len([t for t in texts(b, b.alice) if t.startswith("⏰")]) == 1
    again = booking_town(database)
    again.clock.set(local(2, 9, 6))
    again.world.tick((local(2, 9, 6) - local(1, 10)).total_seconds())
    async with again:
        await again.later(timedelta(0))
        await again.later(timedelta(minutes=10))
        assert not any(t.startswith("⏰") for t in texts(again, again.alice))


async def test_the_wheelchair_is_handed_out_reminded_overdue_and_returned_late():
    async with booking_town() as b:
        await book(b, b.alice, "wheelchair", 2, 8)
        assert "Collect it from the keeper at the property office; return it by 20:00" in (
            b.last_private(b.alice).content
        )
        await b.later(local(2, 8) - b.clock.now())
        prompt = b.last_private(b.carol)
        assert "📦 Alice booked “Wheelchair” Wed 2 Dec 08:00–20:00" in prompt.content
        await b.press(b.carol, prompt, "bk:h:")
        assert (
            "please return it to the keeper by Wed 2 Dec 20:00" in b.last_private(b.alice).content
        )
        back_button = b.last_private(b.carol)
        await b.later(local(2, 19) - b.clock.now())
        assert "⏰ A kind reminder: please return “Wheelchair” to the keeper by 20:00" in (
            b.last_private(b.alice).content
        )
        await b.later(local(2, 20, 1) - b.clock.now())
        overdue = (
            "⚠️ “Wheelchair” was due back Wed 2 Dec 20:00 and is not back yet. Borrower: Alice."
        )
        assert overdue in texts(b, b.carol)
        assert overdue in texts(b, b.captain)  # the building's captain hears too
        assert overdue not in texts(b, b.bob)
        await b.later(timedelta(hours=1))
        assert texts(b, b.carol).count(overdue) == 1  # once
        await b.press(b.carol, back_button, "bk:b:")
        assert "✅ “Wheelchair” is back (1.0 h late). Thank you!" in b.last_private(b.carol).content
        assert "Thank you for taking care of it" in b.last_private(b.alice).content
        (loan,) = await bookings(b)
        assert loan.status == "returned" and loan.returned_at is not None


async def test_a_captain_blocks_slots_and_the_resident_holding_one_is_told_why():
    async with booking_town() as b:
        await book(b, b.alice, "activity_room", 3, 10)
        await b.dm(b.bob, "/bookings block activity_room 2026-12-03 09:00-12:00 repairs")
        assert "Only captains or admins" in b.last_private(b.bob).content
        await b.dm(b.captain, "/bookings block activity_room 2026-12-03 09:00-12:00 repairs")
        assert (
            "🔧 Blocked 3 slot(s) of “Activity room” on Thu 3 Dec (repairs). "
            "Bookings cancelled, residents told: 1." in (b.last_private(b.captain).content)
        )
        assert "Thu 3 Dec 10:00 is closed (repairs), so your booking is cancelled" in (
            b.last_private(b.alice).content
        )
        await b.dm(b.bob, "/book")
        menu = b.last_private(b.bob)
        await page_to(b, b.bob, menu, "activity_room", 3)
        assert "Not available: 09:00 repairs; 10:00 repairs; 11:00 repairs" in menu.content
        assert slot("activity_room", 3, 10) not in menu.button_data()
        await b.dm(b.captain, "/bookings")
        view = b.last_private(b.captain).content
        assert "12/3 Thu 10:00–11:00 🔧 repairs" in view


async def test_an_event_naming_the_room_reserves_its_place():
    async with booking_town() as b:
        await b.say(b.captain, "/event add 2026-12-04 14:00 Choir practice @ Activity room")
        await b.later(timedelta(minutes=1))
        await b.dm(b.bob, "/book")
        menu = b.last_private(b.bob)
        await page_to(b, b.bob, menu, "activity_room", 4)
        assert "Not available: 14:00 Choir practice; 15:00 Choir practice" in menu.content
        await b.say(b.captain, "/event cancel 1")
        await b.later(timedelta(minutes=1))
        await b.press(b.bob, menu, "bk:d:activity_room:20261203")
        await b.press(b.bob, menu, "bk:d:activity_room:20261204")
        assert "Not available" not in menu.content


async def test_a_no_show_frees_the_slot_and_counts_in_the_residents_record():
    async with booking_town() as b:
        await book(b, b.bob, "activity_room", 1, 11)
        await b.later(local(1, 11, 20) - b.clock.now())
        await b.dm(b.captain, "/bookings")
        view = b.last_private(b.captain)
        assert "11:00–12:00 Bob" in view.content
        await b.press(b.captain, view, "bk:n:")
        assert "marked as not attended" in b.last_private(b.bob).content
        await b.dm(b.captain, "/noshows")
        assert "Bob" in b.last_private(b.captain).content
        (booking,) = await bookings(b)
        assert booking.status == "no_show"


async def test_forgetme_gives_the_slot_to_the_neighbour_waiting_and_deletes_the_rest():
    async with booking_town() as b:
        await book(b, b.bob, "activity_room", 2, 10)
        await b.dm(b.alice, "/book")
        menu = b.last_private(b.alice)
        await page_to(b, b.alice, menu, "activity_room", 2)
        await press_data(b, b.alice, menu, slot("activity_room", 2, 10).replace(":s:", ":w:"))
        await b.dm(b.bob, "/forgetme")
        await b.press(b.bob, b.last_private(b.bob), "fm:y")
        assert "first in line" in b.last_private(b.alice).content
        rows = await bookings(b)
        assert all(r.user_id != b.bob.id for r in rows)
        assert [r.status for r in rows if r.user_id == b.alice.id] == ["offered"]


async def test_the_monthly_report_has_hours_the_busiest_times_and_a_chart():
    async with booking_town() as b:
        await book(b, b.alice, "activity_room", 2, 10)
        await book(b, b.bob, "activity_room", 2, 11)
        await b.dm(b.captain, "/bookings report")
        report = [m for m in b.private(b.captain) if m.content.startswith("📊")][-1].content
        assert "• Activity room: 2 h, 2 bookings; busiest: Wed 10:00 ×1, Wed 11:00 ×1" in report
        photos = [
            s
            for s in b.world.outbox
            if s.kind == "send" and s.chat_id == b.captain.id and getattr(s, "photo", None)
        ]
        assert photos, "the chart was not sent"


async def test_a_captain_approves_or_refuses_the_night_parking_space():
    async with booking_town() as b:
        await book(b, b.alice, "parking_night", 1, 19)
        assert "waiting for the captain's yes" in b.last_private(b.alice).content
        question = b.last_private(b.captain)
        assert "📨 Alice would like “Shared parking” Tue 1 Dec 19:00–07:00. Approve?" in (
            question.content
        )
        await b.press(b.captain, question, "bk:a:")
        assert "✅ The captain approved “Shared parking” Tue 1 Dec 19:00–07:00" in (
            b.last_private(b.alice).content
        )
        await book(b, b.bob, "parking_night", 2, 19)
        await b.press(b.captain, b.last_private(b.captain), "bk:f:")
        assert "the captain did not approve “Shared parking” Wed 2 Dec 19:00" in (
            b.last_private(b.bob).content
        )
        statuses = sorted((r.user_id, r.status) for r in await bookings(b))
        assert statuses == [(b.alice.id, "confirmed"), (b.bob.id, "refused")]


async def test_an_admin_who_is_no_captain_sees_that_slots_are_booked_not_by_whom():
    config = make_config(BUILDING_CONFIG + RESOURCES, admins=[1004])
    b = Building(config)
    b.opened_bot(b.alice, b.dave)
    async with b:
        await book(b, b.alice, "activity_room", 2, 10)
        await b.dm(b.dave, "/bookings")
        view = b.last_private(b.dave).content
        assert "12/2 周三 10:00–11:00 已被预约" in view
        assert "Alice" not in view


async def test_forged_booking_buttons_change_nothing():
    """Anyone can put any callback data on a bot message in their own chat."""
    async with booking_town() as b:
        await book(b, b.alice, "wheelchair", 2, 8)
        await book(b, b.alice, "parking_night", 1, 19)
        before = await bookings(b)
        loan, parking = before
        for data in (
            f"bk:c:{loan.id}",  # cancel Alice's booking
            f"bk:h:{loan.id}",  # the keeper's "handed out"
            f"bk:n:{loan.id}",  # a no-show
            f"bk:a:{parking.id}",  # a captain's approval
            f"bk:t:{loan.id}",  # take an offer that is not theirs
            "bk:s:wheelchair:1",  # a time that is no slot
            "bk:d:nosuch:20261202",
        ):
            await forge(b, b.bob, data)
        assert await bookings(b) == before
        assert len(alerts(b)) >= 7


async def test_the_privacy_notice_tells_about_bookings():
    async with booking_town() as b:
        await b.dm(b.alice, "/privacy")
        notice = b.last_private(b.alice).content
        assert "the places you booked and the things you borrowed" in notice
        assert "Bookings and loans: 180 days after they end" in notice
