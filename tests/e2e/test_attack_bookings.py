"""Attack: a resident's first name (or a block reason) is put into the captain's /bookings
overview as raw HTML."""

from __future__ import annotations

from tests.e2e.test_bookings import book, booking_town


async def test_html_name_does_not_break_or_inject_into_captain_overview():
    async with booking_town() as b:
        b.alice.first_name = '<a href="https://evil.example">Tom & Jerry</a>'
        await b.say(b.alice, "hello")  # the bot stores her name
        await book(b, b.alice, "activity_room", 2, 10)
        before = len(b.private(b.captain))
        await b.dm(b.captain, "/bookings")
        got = b.private(b.captain)[before:]
        print([m.content for m in got])
        # The captain's overview arrives and shows the name as text, not as a link.
        assert got and any("Tom & Jerry" in m.content for m in got)
        view = next(m for m in got if "Tom" in m.content)
        assert "evil.example" in view.content  # shown literally, not a hidden link


async def test_a_lone_angle_bracket_in_a_name_does_not_silence_the_captain_overview():
    async with booking_town() as b:
        b.alice.first_name = "Ann<3"
        await b.say(b.alice, "hello")
        await book(b, b.alice, "activity_room", 2, 10)
        before = len(b.private(b.captain))
        await b.dm(b.captain, "/bookings")
        got = b.private(b.captain)[before:]
        print([m.content for m in got])
        assert got and any("Ann<3" in m.content for m in got)


async def test_block_reason_with_angle_bracket_keeps_the_overview():
    async with booking_town() as b:
        await b.dm(b.captain, "/bookings block activity_room 2026-12-03 09:00-12:00 pipes <2h")
        before = len(b.private(b.captain))
        await b.dm(b.captain, "/bookings")
        got = b.private(b.captain)[before:]
        print([m.content for m in got])
        assert got and any("pipes <2h" in m.content for m in got)


async def test_forged_booking_button_with_a_huge_time_is_answered_not_crashed():
    import logging

    from tests.e2e.test_attack_points import Failures
    from tests.e2e.test_security_roles import forge

    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        async with booking_town() as b:
            for data in ("bk:s:activity_room:999999999999", "bk:w:activity_room:999999999999"):
                await forge(b, b.alice, data)
            print([r.getMessage() for r in failures.records])
            assert not failures.records, [r.getMessage() for r in failures.records]
    finally:
        logging.getLogger().removeHandler(failures)
