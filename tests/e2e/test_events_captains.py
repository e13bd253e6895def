"""Captains add, list and cancel events; everyone else is refused and nothing changes."""

from __future__ import annotations

from tests.harness import Building


def last(b: Building, chat=None) -> str:
    return b.group_posts(chat)[-1].content


async def stored_events(b: Building):
    async with b.app.bot_data.require().repo.transaction() as tx:
        return await tx.active_events()


async def test_a_captain_adds_lists_and_cancels_an_event_in_their_group():
    async with Building() as b:
        await b.say(b.captain, "/event add 2026-12-05 10:00 Flea market @ square of building 3")
        added = b.group_posts()[-1]
        assert "Event #1 added: Flea market" in added.content
        assert "Sat 5 Dec 10:00" in added.content and "square of building 3" in added.content
        assert "7 days before, 1 day before, on the day at 09:00" in added.content
        assert any(d.startswith("ev:a:") for d in added.button_data())
        [event] = await stored_events(b)
        assert (event.title, event.buildings, event.schedule) == (
            "Flea market",
            ("b3",),
            "2026-12-05",
        )

        await b.say(b.alice, "/events")
        listing = last(b)
        assert "#1 Flea market" in listing and "Sat 5 Dec 10:00" in listing

        await b.say(b.captain, "/event cancel 1")
        assert "Event cancelled: #1 Flea market" in last(b)
        assert await stored_events(b) == []
        await b.say(b.alice, "/events")
        assert "No upcoming events" in last(b)


async def test_recurring_and_lunar_events_show_their_next_dates():
    async with Building() as b:
        await b.say(b.captain, "/event add 每月第一个周六 08:30 跳蚤市场 @ 广场")
        await b.say(b.captain, "/event add 农历八月十五 19:00 中秋赏月")
        await b.say(b.dave, "/events", chat=b.g5)  # building 5 does not get building 3's events
        assert "近期没有活动" in last(b, b.g5)
        await b.say(b.alice, "/events")
        listing = last(b)
        # first Saturdays after 1 Dec 2026: 5 Dec and 2 Jan; 中秋 2027 is 15 Sep.
        assert (
            "#1 跳蚤市场 (every first Saturday of the month): Sat 5 Dec 08:30; Sat 2 Jan 2027 08:30"
            in listing
        )
        assert "#2 中秋赏月" in listing and "Wed 15 Sep 2027 19:00" in listing
        # An 08:30 start gets no on-the-day reminder at 09:00 (it would come too late).
        flea, moon = await stored_events(b)
        assert (flea.reminders, moon.reminders) == (("7d", "1d"), ("7d", "1d", "0d@09:00"))


async def test_a_resident_who_is_not_a_captain_is_refused_and_nothing_changes():
    async with Building() as b:
        await b.say(b.alice, "/event add 2026-12-05 10:00 Flea market")
        assert "Only floor captains can add or cancel events" in last(b)
        await b.say(b.dave, "/event add 2026-12-05 10:00 跳蚤市场", chat=b.g5)
        assert "只有楼门长可以添加或取消活动" in last(b, b.g5)
        assert await stored_events(b) == []


async def test_a_captain_cannot_post_for_another_building():
    async with Building() as b:
        b.world.join(b.g5, b.captain)
        await b.say(b.captain, "/event add 2026-12-05 10:00 跳蚤市场", chat=b.g5)
        assert "您不是Building 5的楼门长" in last(b, b.g5)
        await b.dm(b.captain, "/event add b5 2026-12-05 10:00 Flea market")
        assert "not a captain of Building 5" in b.last_private(b.captain).content
        assert await stored_events(b) == []
        # Building 5's captain cannot cancel building 3's event either.
        await b.dm(b.captain, "/event add 2026-12-05 10:00 Flea market")
        assert "Event #1 added" in b.last_private(b.captain).content
        five = b.world.users.get(9002) or b.world.add_user(9002, "Erin", language_code="en")
        five.language_code = "en"
        await b.dm(five, "/event cancel 1")
        assert "not a captain of Building 3" in b.last_private(five).content
        assert [e.title for e in await stored_events(b)] == ["Flea market"]


async def test_impossible_dates_times_and_missing_titles_are_refused():
    async with Building() as b:
        cases = {
            "/event add 2月30日 10:00 集市": "Feb has no day 30",
            "/event add 农历十三月十五 10:00 赏月": "no month 13",
            "/event add 2026-12-05 25:00 Flea market": "no hour 25",
            "/event add 2026-12-05 10:00": "Please give the event a title",
            "/event add 2026-11-05 10:00 Too late": "already passed",
            "/event add next week 10:00 Party": "cannot read this date",
            "/event": "/event add DATE TIME TITLE @ PLACE",
        }
        for command, answer in cases.items():
            await b.say(b.captain, command)
            assert answer in last(b), command
        assert await stored_events(b) == []


async def test_a_captain_of_several_buildings_names_one_in_private():
    config_text = __import__("tests.harness", fromlist=["BUILDING_CONFIG"]).BUILDING_CONFIG
    config_text = config_text.replace("captains = [9002]", "captains = [9002, 9001]")
    from tests.harness import make_config

    async with Building(make_config(config_text)) as b:
        await b.dm(b.captain, "/event add 2026-12-05 10:00 Flea market")
        assert "name one, e.g. /event add b3" in b.last_private(b.captain).content
        assert await stored_events(b) == []
        await b.dm(b.captain, "/event add b5 2026-12-05 10:00 Flea market")
        assert "Event #1 added" in b.last_private(b.captain).content
        [event] = await stored_events(b)
        assert event.buildings == ("b5",)


async def test_residents_who_said_they_would_come_hear_of_a_cancellation_privately():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.captain, "/event add 2026-12-20 10:00 Flea market @ square of building 3")
        post = b.group_posts()[-1]
        await b.press(b.alice, post, "ev:a:")  # I'll come
        await b.press(b.bob, b.group_posts()[-1], "ev:r:")  # remind me privately
        heard = {u.id: len(b.private(u)) for u in (b.alice, b.bob, b.carol)}
        await b.say(b.captain, "/event cancel 1")
        assert "Flea market" in b.private(b.alice)[heard[b.alice.id] :][-1].content
        assert "cancelled" in b.private(b.bob)[heard[b.bob.id] :][-1].content
        assert len(b.private(b.carol)) == heard[b.carol.id]  # she never said anything
