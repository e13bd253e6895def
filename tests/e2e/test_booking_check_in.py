"""A space configured with check_in: the resident taps "I'm here" at the start or the slot
goes to the neighbour waiting and counts as a no-show — once, even across a restart."""

from __future__ import annotations

from datetime import timedelta

from tests import backends
from tests.e2e.test_bookings import (
    RESOURCES,
    alerts,
    book,
    bookings,
    local,
    page_to,
    press_data,
    slot,
)
from tests.harness import BUILDING_CONFIG, Building, make_config

CHECK_IN = RESOURCES.replace("remind_minutes = 60\n", "remind_minutes = 60\ncheck_in = true\n", 1)


def check_in_town(database: str | None = None) -> Building:
    b = Building(make_config(BUILDING_CONFIG + CHECK_IN), database=database)
    b.opened_bot(b.alice, b.bob, b.carol, b.dave, b.captain)
    return b


async def bob_booked_and_carol_waiting(b: Building) -> None:
    await book(b, b.bob, "activity_room", 1, 11)
    await b.dm(b.carol, "/book")
    menu = b.last_private(b.carol)
    await page_to(b, b.carol, menu, "activity_room", 1)
    await press_data(b, b.carol, menu, slot("activity_room", 1, 11).replace(":s:", ":w:"))
    assert "Waiting for" in b.last_private(b.carol).content


async def test_checking_in_keeps_the_slot():
    async with check_in_town() as b:
        await bob_booked_and_carol_waiting(b)
        await b.later(local(1, 11) - b.clock.now())
        prompt = b.last_private(b.bob)
        assert "has started. Tap “I'm here”" in prompt.content
        assert "within 15 minutes" in prompt.content
        await b.press(b.bob, prompt, "bk:i:")
        assert "“Activity room” 11:00–12:00 is yours" in b.last_private(b.bob).content
        assert prompt.button_data() == []
        await b.later(timedelta(minutes=30))
        (booking,) = await bookings(b)
        assert booking.status == "confirmed"
        assert not any("first in line" in m.content for m in b.private(b.carol))
        await b.dm(b.captain, "/noshows")
        assert "Bob" not in b.last_private(b.captain).content


async def test_nobody_checking_in_releases_the_slot_to_the_neighbour_waiting():
    async with check_in_town() as b:
        await bob_booked_and_carol_waiting(b)
        await b.later(local(1, 11) - b.clock.now())  # the minute tick at the start
        await b.later(local(1, 11, 14) - b.clock.now())
        assert "has started" in b.last_private(b.bob).content
        assert (await bookings(b))[0].status == "confirmed"  # the grace is not over yet
        await b.later(local(1, 11, 16) - b.clock.now())
        assert "marked as not attended" in b.last_private(b.bob).content
        assert "first in line" in b.last_private(b.carol).content
        await b.dm(b.captain, "/noshows")
        assert "Bob" in b.last_private(b.captain).content
        # A late tap changes nothing.
        prompt = next(m for m in b.private(b.bob) if "has started" in m.content)
        await b.press(b.bob, prompt, "bk:i:")
        assert "This booking is no longer held." in alerts(b)
        statuses = sorted(r.status for r in await bookings(b))
        assert statuses == ["no_show", "offered"]


async def test_a_restart_never_releases_twice(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with check_in_town(database) as b:
        await bob_booked_and_carol_waiting(b)
        await b.later(local(1, 11) - b.clock.now())
        await b.later(local(1, 11, 16) - b.clock.now())
        assert "marked as not attended" in b.last_private(b.bob).content
    again = check_in_town(database)
    again.clock.set(local(1, 11, 17))
    again.world.tick((local(1, 11, 17) - local(1, 10)).total_seconds())
    async with again:
        await again.later(timedelta(0))
        await again.later(timedelta(minutes=10))
        assert again.private(again.bob) == []  # neither prompted nor told again
        assert sorted(r.status for r in await bookings(again)) == ["no_show", "offered"]
        async with again.app.bot_data.require().repo.transaction() as tx:
            counts = await tx.no_show_counts(["b3"])
        assert [(c.user_id, c.count) for c in counts] == [(again.bob.id, 1)]
