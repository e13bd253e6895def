"""Keyword alerts as residents live them: subscribe privately, hear of matching offers."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Building, make_config


def alerts_of(b: Building, user) -> list:
    return [m for m in b.private(user) if any(d.startswith("ea:") for d in m.button_data())]


async def test_an_alert_fires_on_a_category_match_and_not_on_an_unrelated_item():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "good morning")  # Bob lives in building 3
        await b.dm(b.bob, "/alert 退烧药")
        assert "fever" in b.last_private(b.bob).content.lower()

        await b.say(b.alice, "I have a spare ladder to lend")
        assert alerts_of(b, b.bob) == []
        await b.say(b.alice, "我有多余的美林一瓶，需要的找我")
        fired = alerts_of(b, b.bob)
        assert len(fired) == 1
        assert "ibuprofen" in fired[0].content and "退烧药" in fired[0].content
        assert "Building 3" in fired[0].content
        assert alerts_of(b, b.alice) == []  # the author is never alerted


async def test_an_english_alert_fires_on_the_chinese_name_and_asking_goes_through_matching():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "hello neighbours")
        await b.dm(b.bob, "/alert stroller")
        await b.say(b.alice, "闲置婴儿车一辆，免费送")
        fired = alerts_of(b, b.bob)
        assert len(fired) == 1 and "stroller" in fired[0].content

        await b.press(b.bob, fired[0], "ea:")
        assert "looking for" in b.last_private(b.bob).content
        ask = b.last_private(b.alice)  # the giver is asked as for any request
        assert "Bob" in ask.content and any(d.startswith("y:") for d in ask.button_data())
        await b.press(b.alice, ask, "y:")
        assert "Alice" in b.last_private(b.bob).content
        _offer, request = await b.ledger()
        assert (request.kind, request.user_id, request.status) == ("request", b.bob.id, "matched")
        # The group never heard about Bob's private request.
        assert not any("looking for" in m.content for m in b.group_posts())


async def test_a_word_alert_is_not_a_substring_match():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")
        await b.dm(b.bob, "/alert 药")
        await b.say(b.alice, "家里有个闲置的药箱，谁要？")
        assert alerts_of(b, b.bob) == []
        await b.say(b.alice, "我有多余的布洛芬两盒")
        assert len(alerts_of(b, b.bob)) == 1


async def test_one_alert_per_offer_and_only_in_the_residents_building():
    async with Building() as b:
        b.opened_bot(b.bob, b.carol)
        await b.say(b.bob, "hi")
        await b.dm(b.bob, "/alert 退烧药")
        await b.dm(b.bob, "/alert 美林")
        await b.say(b.alice, "我有多余的美林一瓶")
        assert len(alerts_of(b, b.bob)) == 1
        # Dave's offer in building 5 is out of Bob's building (last group: building 3).
        await b.say(b.dave, "我有多余的美林", chat=b.g5)
        assert len(alerts_of(b, b.bob)) == 1


async def test_an_alert_without_a_known_building_asks_where_the_resident_lives():
    async with Building() as b:
        b.opened_bot(b.carol)
        await b.dm(b.carol, "/alert ladder")
        reply = b.last_private(b.carol)
        assert "building" in reply.content.lower()
        await b.say(b.alice, "I have a spare ladder to lend")
        assert alerts_of(b, b.carol) == []  # no building yet: nothing fires
        await b.press(b.carol, reply, "al:h:-1003")
        await b.say(b.alice, "I have another ladder to lend")
        assert len(alerts_of(b, b.carol)) == 1


async def test_alert_in_the_group_sets_the_building():
    async with Building() as b:
        b.opened_bot(b.carol)
        await b.say(b.carol, "/alert drill")
        assert "drill" in b.last_private(b.carol).content.lower()
        await b.say(b.alice, "I have a drill to lend")
        assert len(alerts_of(b, b.carol)) == 1


async def test_list_and_unalert():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")
        await b.dm(b.bob, "/alert stroller")
        await b.dm(b.bob, "/alert ladder")
        await b.dm(b.bob, "/alert drill")
        await b.dm(b.bob, "/alerts")
        listing = b.last_private(b.bob).content
        assert "1. stroller" in listing and "2. ladder" in listing and "3. drill" in listing
        await b.dm(b.bob, "/unalert 2")
        assert "ladder" in b.last_private(b.bob).content
        await b.dm(b.bob, "/unalert 9")
        assert "/unalert 1" in b.last_private(b.bob).content  # the usage, not a crash
        await b.dm(b.bob, "/alerts")
        listing = b.last_private(b.bob)
        assert "2. drill" in listing.content and "ladder" not in listing.content
        await b.press(b.bob, listing, "al:x:")  # the first remove button
        await b.dm(b.bob, "/alerts")
        assert "1. drill" in b.last_private(b.bob).content

        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.alice, "闲置婴儿车一辆，免费送")
        assert alerts_of(b, b.bob) == []


async def test_alerts_expire_and_can_be_renewed():
    config = make_config(alert_days=10)
    async with Building(config) as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")
        await b.dm(b.bob, "/alert ladder")
        await b.later(timedelta(days=10, minutes=1))
        notice = b.last_private(b.bob)
        assert "ended" in notice.content
        await b.say(b.alice, "I have a spare ladder to lend")
        assert alerts_of(b, b.bob) == []

        await b.press(b.bob, notice, "al:n:")
        assert "renewed" in b.last_private(b.bob).content
        await b.say(b.carol, "I have a ladder to lend as well, message me")
        assert len(alerts_of(b, b.bob)) == 1

        await b.later(timedelta(days=9))
        await b.dm(b.bob, "/alert ladder")  # /alert again renews for another 10 days
        await b.later(timedelta(days=5))
        await b.dm(b.bob, "/alerts")
        assert "1. ladder" in b.last_private(b.bob).content


async def test_bad_alert_commands_explain_themselves():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.dm(b.bob, "/alert")
        assert "/alert stroller" in b.last_private(b.bob).content
        await b.dm(b.bob, "/alert amoxicillin")
        assert "prescription" in b.last_private(b.bob).content


async def test_community_scope_alerts_reach_across_buildings():
    config = make_config(match_scope="community")
    async with Building(config) as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")  # Bob lives in building 3
        await b.dm(b.bob, "/alert ladder")
        await b.say(b.dave, "闲置梯子一把，谁家要用来拿", chat=b.g5)
        fired = alerts_of(b, b.bob)
        assert len(fired) == 1 and "Building 5" in fired[0].content


async def test_forgetting_a_resident_deletes_their_alerts():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi")
        await b.dm(b.bob, "/alert ladder")
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.delete_alerts_of(b.bob.id) == 1
        await b.say(b.alice, "I have a spare ladder to lend")
        assert alerts_of(b, b.bob) == []
        await b.dm(b.bob, "/alerts")
        assert "no alerts" in b.last_private(b.bob).content
