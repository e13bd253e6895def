"""A captain lifts a block early: `/bookings unblock KEY DATE START-END`."""

from __future__ import annotations

from tests.e2e.test_bookings import book, booking_town, page_to, slot


async def test_a_captain_opens_blocked_slots_again_and_residents_may_book_them():
    async with booking_town() as b:
        await b.dm(b.captain, "/bookings block activity_room 2026-12-03 09:00-12:00 repairs")
        await b.dm(b.bob, "/bookings unblock activity_room 2026-12-03 09:00-12:00")
        assert "Only captains or admins" in b.last_private(b.bob).content
        await b.dm(b.captain, "/bookings unblock activity_room 2026-12-03")
        assert "Usage: /bookings unblock KEY DATE START-END" in b.last_private(b.captain).content
        await b.dm(b.captain, "/bookings unblock activity_room 2026-12-03 10:00-12:00")
        assert "✅ Opened 2 slot(s) of “Activity room” on Thu 3 Dec again" in (
            b.last_private(b.captain).content
        )
        await b.dm(b.bob, "/book")
        menu = b.last_private(b.bob)
        await page_to(b, b.bob, menu, "activity_room", 3)
        assert "Not available: 09:00 repairs" in menu.content
        assert "10:00 repairs" not in menu.content
        assert slot("activity_room", 3, 9) not in menu.button_data()
        await book(b, b.bob, "activity_room", 3, 10)
        assert "✅ Booked “Activity room”" in b.last_private(b.bob).content
        # Nothing left to open there: said so, nothing changed.
        await b.dm(b.captain, "/bookings unblock activity_room 2026-12-03 10:00-12:00")
        assert "No blocked slot to open" in b.last_private(b.captain).content
