"""Fair allocation as residents live it: first come, the giver chooses, a lottery."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.core.sharing.allocation import allocation_for, draw
from tests.harness import BUILDING_CONFIG, Building, make_config


def with_allocation(section: str) -> str:
    return BUILDING_CONFIG + "\n[allocation]\n" + section


def asks(b: Building, user) -> list:
    return [m for m in b.private(user) if any(d.startswith("y:") for d in m.button_data())]


async def test_first_come_is_the_default_and_the_giver_hears_the_rule():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "can I borrow a ladder please?")
        ask = b.last_private(b.alice)
        assert "Bob" in ask.content and "first come, first served" in ask.content
        assert len(asks(b, b.alice)) == 1  # one ladder: one neighbour asked at a time
        await b.press(b.alice, ask, "y:")
        assert "first come, first served" in b.last_private(b.bob).content


async def test_giver_chooses_after_the_window_among_first_names_and_buildings():
    config = make_config(with_allocation('mode = "giver_chooses"\nwindow_hours = 8\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        assert "the giver picks one" in b.group_posts()[-1].content  # the rule, said to all
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "can I borrow a ladder please?")
        assert await b.matches() == []
        assert not b.private(b.alice)  # the giver is not asked while requests collect
        for who in (b.bob, b.carol):
            told = b.last_private(who).content
            assert "You're in line" in told and "the giver picks one" in told

        await b.later(timedelta(hours=7))
        assert not b.private(b.alice)
        await b.later(timedelta(hours=1, minutes=1))
        prompt = b.last_private(b.alice)
        assert "2 neighbours asked" in prompt.content
        assert "Bob (Building 3)" in prompt.content and "Carol (Building 3)" in prompt.content
        assert "tg://" not in str(prompt.entities) and "1002" not in prompt.content

        offer, _bob_request, carol_request = await b.ledger()
        await b.press(b.alice, prompt, f"pk:{offer.id}:{carol_request.id}")
        [match] = await b.matches()
        assert (match.request_id, match.status) == (carol_request.id, "accepted")
        intro = b.last_private(b.carol)
        assert "Alice" in intro.content and "the giver chooses" in intro.content
        assert "went to another neighbour" in b.last_private(b.bob).content
        assert not any(d.startswith("pk:") for d in b.private(b.alice)[-2].button_data())


async def test_lottery_draws_reproducibly_from_the_seeded_source():
    config = make_config(with_allocation('mode = "lottery"\nwindow_hours = 8\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol, b.captain)
        b.seed_lottery(7)
        await b.say(b.alice, "I have a spare ladder to lend")
        assert "drawn by lot" in b.group_posts()[-1].content
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "can I borrow a ladder please?")
        await b.say(b.captain, "does anyone have a ladder I could borrow?")
        assert await b.matches() == []
        await b.later(timedelta(hours=8, minutes=1))

        requests = [e for e in await b.ledger() if e.kind == "request"]
        expected = draw(requests, random.Random(7))  # same seed, same line: same winner
        [match] = await b.matches()
        assert match.request_id == expected.id
        names = {1002: "Bob", 1003: "Carol", 9001: "Cathy"}
        ask = b.last_private(b.alice)
        assert names[expected.user_id] in ask.content and "drawn by lot among 3" in ask.content
        losers = [u for u in (b.bob, b.carol, b.captain) if u.id != expected.user_id]
        for loser in losers:
            assert "went to another neighbour" in b.last_private(loser).content

        await b.press(b.alice, ask, "y:")
        winner = next(u for u in (b.bob, b.carol, b.captain) if u.id == expected.user_id)
        assert "drawn by lot" in b.last_private(winner).content


async def test_a_declined_lottery_winner_makes_way_for_a_new_draw_among_the_rest():
    config = make_config(with_allocation('mode = "lottery"\nwindow_hours = 8\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        b.seed_lottery(3)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "can I borrow a ladder please?")
        await b.later(timedelta(hours=9))
        first = (await b.matches())[0]
        await b.press(b.alice, b.last_private(b.alice), "n:")
        statuses = [(m.request_id, m.status) for m in await b.matches()]
        assert statuses[0] == (first.request_id, "declined")
        assert statuses[1][1] == "asked" and statuses[1][0] != first.request_id


async def test_urgent_requests_do_not_wait_for_the_window():
    config = make_config(with_allocation('mode = "lottery"\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "Urgent! anyone have a ladder? water pipe burst, need it now")
        [match] = await b.matches()
        assert match.status == "asked" and "Bob" in b.last_private(b.alice).content


async def test_category_rule_wins_over_the_group_and_medicine_is_always_first_come():
    config = make_config(
        with_allocation('mode = "first_come"\ncategories = { tools = "giver_chooses" }\n')
    )
    assert allocation_for(config, -1003, ["tools"], medical=False) == "giver_chooses"
    assert allocation_for(config, -1003, ["tools"], medical=True) == "first_come"
    assert allocation_for(config, -1003, ["baby_items"], medical=False) == "first_come"
    assert allocation_for(config, -1003, ["power_tools", "tools"], medical=False) == (
        "giver_chooses"  # the nearest configured category above the item
    )
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert await b.matches() == []  # tools collect for the giver to choose
        await b.say(b.alice, "I have 2 spare boxes of ibuprofen")
        await b.say(b.bob, "Does anyone have ibuprofen? My son has a fever")
        assert [m.status for m in await b.matches()] == ["asked"]


async def test_reaction_acknowledgements_still_state_a_waiting_window():
    text = with_allocation('mode = "lottery"\n')
    async with Building(make_config(text, ack="reaction")) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        assert "drawn by lot" in b.group_posts()[-1].content
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert len(b.group_posts()) == 1  # requests are acknowledged with a reaction only


def test_an_unknown_allocation_category_is_reported_with_its_path():
    import pytest

    from bot.core.config import ConfigError

    with pytest.raises(ConfigError) as error:
        make_config(with_allocation('categories = { strollerz = "lottery" }\n'))
    assert "allocation.categories.strollerz" in str(error.value)


async def test_a_giver_with_two_to_give_chooses_twice_and_a_late_request_joins_the_line():
    config = make_config(with_allocation('mode = "giver_chooses"\nwindow_hours = 8\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol, b.captain)
        await b.say(b.alice, "I have 2 spare ladders to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.later(timedelta(hours=9))
        await b.say(b.carol, "can I borrow a ladder please?")  # after the window: joins late
        prompt = b.last_private(b.alice)
        assert "Bob" in prompt.content and "Carol" in prompt.content
        offer = (await b.ledger())[0]
        bob_request = next(e for e in await b.ledger() if e.user_id == b.bob.id)
        await b.press(b.alice, prompt, f"pk:{offer.id}:{bob_request.id}")
        again = b.last_private(b.alice)
        assert "Carol" in again.content and "Bob" not in again.content.split("\n", 1)[1]
        await b.press(b.alice, again, "pk:")
        assert sorted(m.requester_id for m in await b.matches()) == [b.bob.id, b.carol.id]
        assert all(m.status == "accepted" for m in await b.matches())


async def _forge_pick(b: Building, offer_id: int, request_id: int) -> str:
    """The giver's client sends a pick nobody offered them (an old or crafted button)."""
    data = f"pk:{offer_id}:{request_id}"
    await b.dm(b.alice, "/help")
    carrier = b.last_private(b.alice)
    carrier.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    query = b.world.press(b.alice, carrier, data)
    await b.pump()
    [answer] = [s for s in b.world.outbox if s.callback_query_id == query]
    assert answer.show_alert
    return answer.text or ""


async def test_a_giver_cannot_pick_while_requests_are_still_collecting():
    config = make_config(with_allocation('mode = "giver_chooses"\nwindow_hours = 12\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "can I borrow a ladder please?")
        offer, bob_request, _ = await b.ledger()
        assert "still coming in" in await _forge_pick(b, offer.id, bob_request.id)
        assert await b.matches() == []


async def test_a_lottery_offer_cannot_be_given_by_pick():
    config = make_config(with_allocation('mode = "lottery"\nwindow_hours = 12\n'))
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        offer, bob_request = await b.ledger()
        assert "drawn by lot" in await _forge_pick(b, offer.id, bob_request.id)
        assert await b.matches() == []
