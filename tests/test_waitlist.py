"""The waitlist: whoever asked next gets the item when a hand-over does not happen."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Building


def asked_about(b: Building, giver, name: str) -> bool:
    return any(
        name in m.content and any(d.startswith("y:") for d in m.button_data())
        for m in b.private(giver)
    )


async def a_ladder_and_two_neighbours(b: Building) -> None:
    b.opened_bot(b.alice, b.bob, b.carol, b.captain)
    await b.say(b.alice, "I have a spare ladder to lend")
    await b.say(b.bob, "anyone have a ladder I can borrow?")
    await b.say(b.carol, "can I borrow a ladder please?")
    assert asked_about(b, b.alice, "Bob") and not asked_about(b, b.alice, "Carol")


async def test_a_decline_passes_the_item_to_the_next_in_line():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "n:")
        assert asked_about(b, b.alice, "Carol")
        assert [m.status for m in await b.matches()] == ["declined", "asked"]


async def test_a_no_show_passes_the_item_on_and_captains_see_the_count():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        accepted = b.last_private(b.alice)
        assert any(d.startswith("ns:") for d in accepted.button_data())
        await b.later(timedelta(hours=2))  # bot.no_show_after_hours
        await b.press(b.alice, accepted, "ns:")
        assert "next neighbour in line" in b.private(b.alice)[-2].content
        assert "didn't happen" in b.last_private(b.bob).content
        assert asked_about(b, b.alice, "Carol")
        assert [m.status for m in await b.matches()] == ["no_show", "asked"]
        bob_request = next(e for e in await b.ledger() if e.user_id == b.bob.id)
        assert bob_request.status == "open"

        await b.dm(b.captain, "/noshows")
        report = b.last_private(b.captain).content
        assert "Bob (Building 3): 1×" in report
        await b.dm(b.carol, "/noshows")
        assert "Only floor captains" in b.group_posts(b.world.private_chat(b.carol))[-1].content


async def test_the_requester_can_report_a_no_show_from_the_introduction():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        intro = b.last_private(b.bob)
        await b.later(timedelta(hours=2))
        await b.press(b.bob, intro, "ns:")
        assert "another neighbour" in b.private(b.bob)[-1].content
        assert asked_about(b, b.alice, "Carol")
        await b.dm(b.captain, "/noshows")
        assert "Alice (Building 3): 1×" in b.last_private(b.captain).content


async def test_an_unconfirmed_handover_is_checked_then_times_out_to_the_next():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.later(timedelta(hours=47))
        assert "Did the hand-over" not in b.last_private(b.bob).content
        await b.later(timedelta(hours=2))
        for who in (b.alice, b.bob):
            check = b.last_private(who)
            assert "Did the hand-over of ladder" in check.content
            assert {d[:3] for d in check.button_data()} >= {"h:1", "hk:", "ns:"}
        await b.later(timedelta(hours=25))
        assert "never confirmed" in b.private(b.bob)[-1].content
        assert asked_about(b, b.alice, "Carol")
        assert [m.status for m in await b.matches()] == ["timed_out", "asked"]


async def test_still_on_restarts_the_wait_and_a_confirmation_ends_it():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.later(timedelta(hours=49))
        await b.press(b.bob, b.last_private(b.bob), "hk:")
        assert "check again later" in b.last_private(b.bob).content
        await b.later(timedelta(hours=30))
        assert [m.status for m in await b.matches()] == ["accepted"]
        await b.later(timedelta(hours=20))
        check = b.last_private(b.alice)
        await b.press(b.alice, check, "h:")
        assert [m.status for m in await b.matches()] == ["handed_over"]


async def test_a_requester_who_withdraws_makes_way_for_the_next():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.bob, "/mine")
        await b.press(b.bob, b.last_private(b.bob), "w:")
        assert asked_about(b, b.alice, "Carol")
        assert [m.status for m in await b.matches()] == ["cancelled", "asked"]


async def test_a_no_show_cannot_be_reported_the_moment_a_hand_over_is_agreed():
    async with Building() as b:
        await a_ladder_and_two_neighbours(b)
        await b.press(b.alice, b.last_private(b.alice), "y:")
        query = await b.press(b.alice, b.last_private(b.alice), "ns:")
        [answer] = [s for s in b.world.outbox if s.callback_query_id == query]
        assert answer.show_alert and "give your neighbour a little time" in (answer.text or "")
        assert [m.status for m in await b.matches()] == ["accepted"]
        assert not asked_about(b, b.alice, "Carol")

        await b.later(timedelta(hours=2))  # bot.no_show_after_hours
        await b.press(b.alice, b.last_private(b.alice), "ns:")
        assert [m.status for m in await b.matches()] == ["no_show", "asked"]
