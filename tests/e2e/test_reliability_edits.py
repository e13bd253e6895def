"""Residents edit what they posted: the ledger follows the message, never duplicates it."""

from __future__ import annotations

from tests.harness import Building


async def test_editing_the_amount_revises_the_entry_in_place():
    async with Building() as b:
        message = await b.say(b.alice, "I have 2 spare boxes of ibuprofen")
        b.world.edit(b.alice, message, "I have 5 spare boxes of ibuprofen")
        await b.pump()
        [offer] = await b.ledger()
        assert (offer.quantity, offer.remaining, offer.status) == (5, 5, "available")
        assert "5 spare" in offer.text
        assert len(b.group_posts()) == 1  # acknowledged once, the edit gets a quiet reaction
        assert any(s.kind == "reaction" and s.reaction == ("✍",) for s in b.world.outbox)


async def test_an_offer_edited_to_given_away_closes_and_is_not_matched_any_more():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        message = await b.say(b.alice, "I have a spare ladder to lend")
        b.world.edit(b.alice, message, "I have a spare ladder to lend — given away, thanks!")
        await b.pump()
        [offer] = await b.ledger()
        assert offer.status == "given"
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert await b.matches() == []


async def test_chinese_edit_to_yi_song_chu_closes_the_offer():
    async with Building() as b:
        message = await b.say(b.dave, "我有多余的两盒布洛芬", chat=b.g5)
        b.world.edit(b.dave, message, "我有多余的两盒布洛芬（已送出）")
        await b.pump()
        assert [e.status for e in await b.ledger()] == ["given"]


async def test_a_request_edited_to_no_longer_needed_is_cancelled_and_frees_the_offer():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        request_msg = await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert [m.status for m in await b.matches()] == ["asked"]
        b.world.edit(b.bob, request_msg, "found one, no longer needed")
        await b.pump()
        offer, request = await b.ledger()
        assert request.status == "cancelled"
        assert (offer.status, offer.held) == ("available", 0)
        assert [m.status for m in await b.matches()] == ["cancelled"]


async def test_editing_to_another_item_replaces_the_entry_and_matches_the_new_item():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.bob, "can anyone lend me a drill?")
        message = await b.say(b.alice, "I have a spare ladder to lend")
        b.world.edit(b.alice, message, "I have a spare drill to lend")
        await b.pump()
        entries = await b.ledger()
        assert [(e.kind, e.item_name, e.status) for e in entries][1:] == [
            ("offer", "ladder", "removed"),
            ("offer", "drill", "available"),
        ]
        assert "Bob" in b.last_private(b.alice).content


async def test_chatter_edited_into_an_offer_is_recorded_once():
    async with Building() as b:
        message = await b.say(b.alice, "good morning neighbours")
        b.world.edit(b.alice, message, "good morning! I have a spare umbrella if anyone needs")
        await b.pump()
        b.world.edit(b.alice, message, "good morning! I have a spare umbrella to lend")
        await b.pump()
        assert [(e.item_name, e.status) for e in await b.ledger()] == [("umbrella", "available")]


async def test_nobody_can_edit_someone_elses_entry_through_a_reply():
    async with Building() as b:
        await b.say(b.alice, "I have a spare ladder to lend")
        reply = await b.say(b.bob, "nice, thanks")
        b.world.edit(b.bob, reply, "given away")
        await b.pump()
        assert [e.status for e in await b.ledger()] == ["available"]


async def test_help_explains_edits_and_deleted_messages():
    async with Building() as b:
        await b.dm(b.alice, "/help")  # the full guide is private; a group gets one line
        text = b.last_private(b.alice).content
        assert "/mine" in text and "edit" in text.lower()
