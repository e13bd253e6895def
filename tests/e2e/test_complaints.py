"""A complaint in the group ("电梯又坏了") is not a report until its author says so: asked
privately with one tap, in their language. Later complaints about the same thing in the same
building join the open report, and the captains see how many residents it affects."""

from __future__ import annotations

from datetime import timedelta

from tests.captains_town import Town


def labels(message) -> list[str]:
    return [button["text"] for row in message.buttons() for button in row]


async def reports_of(b: Town, building: str):
    async with b.services.repo.transaction() as tx:
        return await tx.reports_in([building])


def captain_cards(b: Town) -> list[str]:
    return [m.content for m in b.private(b.captain) if "report #" in m.content]


async def test_a_complaint_is_sent_to_the_captains_only_when_its_author_says_yes():
    async with Town() as b:
        b.opened_bot(b.alice)
        message = await b.say(b.alice, "楼道灯坏了，好几天了")
        assert captain_cards(b) == [] and await reports_of(b, "b3") == []
        assert b.group_posts() == []  # nothing in the group
        ask = b.last_private(b.alice)
        assert "楼门长" in ask.content and "楼道灯坏了" in ask.content  # in the language she wrote
        assert ask.button_data() == ["cp:1:y", "cp:1:n"]

        await b.press(b.alice, ask, "cp:1:y")
        card = b.last_private(b.captain)
        assert "楼道灯坏了" in card.content and "Alice" in card.content
        assert card.button_data() == ["rs:1:p", "rs:1:r"]  # the captains' flow as before
        assert "#1" in b.last_private(b.alice).content
        assert ask.button_data() == []  # answered: the buttons are gone
        assert message.user_reactions or message.reactions  # a quiet 👌 once it is filed


async def test_saying_no_sends_nothing_to_the_captains():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "The lift is stuck again")
        ask = b.last_private(b.alice)
        assert "floor captains" in ask.content and "send" in " ".join(labels(ask)).lower()
        await b.press(b.alice, ask, "cp:1:n")
        assert "not sent" in b.last_private(b.alice).content
        assert captain_cards(b) == [] and await reports_of(b, "b3") == []


async def test_three_residents_complaining_about_the_lift_make_one_report_with_a_count():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "The lift is stuck again")
        await b.press(b.alice, b.last_private(b.alice), "cp:")
        await b.later(timedelta(hours=2))
        await b.say(b.bob, "elevator broken again, I had to walk up 12 floors")
        ask = b.last_private(b.bob)
        assert "already" in ask.content and "#1" in ask.content  # he is told it is known
        await b.press(b.bob, ask, "cp:")
        assert "2 residents" in b.last_private(b.captain).content
        await b.say(b.carol, "电梯又坏了")
        await b.press(b.carol, b.last_private(b.carol), "cp:")

        (report,) = await reports_of(b, "b3")
        assert report.residents == 3
        update = b.last_private(b.captain)
        assert "3 residents" in update.content and "电梯又坏了" in update.content
        assert update.button_data() == ["rs:1:p", "rs:1:r"]
        assert "#1" in b.last_private(b.carol).content
        await b.dm(b.captain, "/reports")
        listing = b.last_private(b.captain).content
        assert listing.count("#1") == 1 and "3 residents" in listing

        # Resolved: everyone who reported it hears so.
        card = next(m for m in b.private(b.captain) if m.button_data() == ["rs:1:p", "rs:1:r"])
        await b.press(b.captain, card, "rs:1:r")
        for who in (b.alice, b.bob, b.carol):
            assert "resolved" in b.last_private(who).content or "已解决" in (
                b.last_private(who).content
            )


async def test_other_things_and_other_buildings_make_their_own_reports():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob, b.dave)
        await b.say(b.alice, "The lift is stuck again")
        await b.press(b.alice, b.last_private(b.alice), "cp:")
        await b.say(b.bob, "the stairwell light is out again")
        ask = b.last_private(b.bob)
        assert "already" not in ask.content
        await b.press(b.bob, ask, "cp:")
        await b.say(b.dave, "电梯又坏了", chat=b.g5)
        await b.press(b.dave, b.last_private(b.dave), "cp:")
        assert [r.residents for r in await reports_of(b, "b3")] == [1, 1]
        assert [r.residents for r in await reports_of(b, "b5")] == [1]


async def test_a_complaint_long_after_the_last_one_is_a_new_report():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "The lift is stuck again")
        await b.press(b.alice, b.last_private(b.alice), "cp:")
        await b.later(timedelta(days=4))  # beyond the three days in which it is "the same"
        await b.say(b.bob, "elevator broken again")
        assert "already" not in b.last_private(b.bob).content
        await b.press(b.bob, b.last_private(b.bob), "cp:")
        assert [r.residents for r in await reports_of(b, "b3")] == [1, 1]


async def test_a_resident_who_never_opened_the_bot_gets_one_short_group_nudge():
    async with Town() as b:
        await b.say(b.carol, "电梯又坏了，谁来修一下")
        (nudge,) = b.group_posts()
        assert "Carol" in nudge.content and "电梯" not in nudge.content
        assert "url" in str(nudge.reply_markup)
        await b.say(b.carol, "停水了，又漏水")
        assert len(b.group_posts()) == 1  # one nudge until she opens the chat
        await b.start(b.carol, "go")
        asks = [m for m in b.private(b.carol) if m.button_data()[:1] == ["cp:1:y"]]
        assert asks and "电梯又坏了" in asks[0].content
        await b.press(b.carol, asks[0], "cp:1:y")
        assert "电梯又坏了" in b.last_private(b.captain).content


async def test_asking_again_about_the_same_thing_is_not_repeated():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "The lift is stuck again")
        await b.say(b.alice, "seriously, the lift is stuck AGAIN")
        asks = [m for m in b.private(b.alice) if "Shall I send" in m.content]
        assert len(asks) == 1
        await b.press(b.alice, asks[0], "cp:1:y")
        await b.say(b.alice, "lift still stuck")  # her own report is open: nothing to ask
        assert len([m for m in b.private(b.alice) if "floor captains" in m.content]) == 1
        (report,) = await reports_of(b, "b3")
        assert report.residents == 1


async def test_a_report_command_still_goes_straight_to_the_captains():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "/report The stairwell light on floor 3 is out")
        assert "stairwell light" in b.last_private(b.captain).content
        assert not any("cp:" in str(m.reply_markup) for m in b.private(b.alice))
