"""Small building requests: a resident's report reaches their own building's captain, the
captain moves it along with buttons, and the resident hears about every change."""

from __future__ import annotations

from tests.captains_town import Town


async def test_a_report_reaches_the_right_captain_and_status_changes_come_back():
    async with Town() as b:
        b.opened_bot(b.alice)
        message = await b.say(b.alice, "/report The stairwell light on floor 3 is out")
        assert message.user_reactions or message.reactions  # a quiet 👌 in the group
        assert "report #1" in b.last_private(b.alice).content

        card = b.last_private(b.captain)
        assert "Building 3" in card.content and "stairwell light" in card.content
        assert "Alice" in card.content and "open" in card.content
        assert card.button_data() == ["rs:1:p", "rs:1:r"]
        assert not any("stairwell" in m.content for m in b.private(b.wang))

        await b.press(b.captain, card, "rs:1:p")
        assert "in progress" in b.last_private(b.alice).content
        assert "in progress" in card.content and card.button_data() == ["rs:1:r"]
        await b.press(b.captain, card, "rs:1:r")
        assert "resolved" in b.last_private(b.alice).content
        assert card.button_data() == ["rs:1:o"]

        await b.dm(b.alice, "/myreports")
        assert "#1 [resolved]" in b.last_private(b.alice).content
        actions = [r.action for r in await b.audit()]
        assert actions == ["report_progress", "report_resolved"]


async def test_the_other_buildings_captain_cannot_move_a_report():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "/report the lift is stuck again")
        card = b.last_private(b.captain)
        # Wang forges Cathy's button in his own chat: refused, nothing changes.
        await b.dm(b.wang, "/reports")
        forged = b.last_private(b.wang)
        forged.reply_markup = card.reply_markup
        b.world.press(b.wang, forged, "rs:1:r")
        await b.pump()
        alert = [s for s in b.world.outbox if s.kind == "answer_callback" and s.show_alert]
        assert alert and "不属于您负责的楼" in (alert[-1].text or "")
        async with b.services.repo.transaction() as tx:
            report = await tx.report(1)
        assert report is not None and report.status == "open"
        assert len([m for m in b.private(b.alice) if "now" in m.content]) == 0


async def test_reports_lists_open_ones_for_captains_only():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/report corridor light broken")
        await b.say(b.dave, "/report 电梯又坏了", chat=b.g5)
        await b.dm(b.captain, "/reports")
        listing = b.last_private(b.captain).content
        assert "corridor light" in listing and "电梯" not in listing
        await b.dm(b.wang, "/reports")
        assert "电梯" in b.last_private(b.wang).content
        await b.dm(b.bob, "/reports")
        assert "Only a floor captain" in b.last_private(b.bob).content


async def test_a_repair_complaint_in_the_group_is_filed_quietly_once_its_author_agrees():
    async with Town() as b:
        b.opened_bot(b.alice)
        message = await b.say(b.alice, "楼道灯坏了，好几天了")
        await b.press(b.alice, b.last_private(b.alice), "cp:")  # "send to the captains?" yes
        assert message.user_reactions or message.reactions
        assert b.group_posts() == []  # no chatter in the group
        assert "楼道灯坏了" in b.last_private(b.captain).content
        assert await b.ledger() == []


async def test_report_needs_text_and_a_known_building():
    async with Town() as b:
        b.opened_bot(b.carol)
        await b.dm(b.carol, "/report the lift")
        assert "don't know your building" in b.last_private(b.carol).content
        await b.say(b.carol, "/report")
        assert "Usage: /report" in b.group_posts()[-1].content
        await b.dm(b.carol, "/myreports")
        assert "haven't filed" in b.last_private(b.carol).content
