"""The core loop as residents live it: offer, request, private introduction, hand-over."""

from __future__ import annotations

import copy
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from tests.harness import Building


def texts(messages) -> str:
    return "\n".join(m.content for m in messages)


async def test_offer_first_then_request_introduces_privately_and_updates_the_ledger():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have 2 spare boxes of ibuprofen, anyone who needs it let me know")
        ack = b.group_posts()[-1]
        assert "ibuprofen" in ack.content.lower() and "×2" in ack.content

        await b.say(b.bob, "Does anyone have ibuprofen? My son has a fever")
        ask = b.last_private(b.alice)
        assert "Bob" in ask.content and "Building 3" in ask.content
        assert "expiry" in ask.content  # medicine safety note
        assert any(d.startswith("y:") for d in ask.button_data())
        assert not b.private(b.bob) or "Alice" not in texts(b.private(b.bob))

        await b.press(b.alice, ask, "y:")
        intro = b.last_private(b.bob)
        assert "Alice" in intro.content and "Building 3" in intro.content
        offer, request = await b.ledger()
        assert (offer.kind, offer.held, offer.remaining) == ("offer", 1, 2)
        assert request.status == "matched"
        assert [m.status for m in await b.matches()] == ["accepted"]

        await b.dm(b.alice, "On the shoe rack by my door, help yourself")
        assert "shoe rack" in b.last_private(b.bob).content

        await b.press(b.bob, intro, "h:")
        offer, request = await b.ledger()
        assert (offer.status, offer.remaining, offer.held) == ("available", 1, 0)
        assert request.status == "fulfilled"
        assert "Bob" in b.last_private(b.alice).content  # the giver hears it was confirmed


async def test_request_first_then_offer_and_the_entry_closes_at_zero():
    async with Building() as b:
        b.opened_bot(b.bob, b.carol)
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert "ladder" in b.group_posts()[-1].content.lower()
        await b.say(b.carol, "I have a spare ladder to lend")
        ask = b.last_private(b.carol)
        assert "Bob" in ask.content
        await b.press(b.carol, ask, "y:")
        await b.press(b.carol, b.last_private(b.carol), "h:")
        offer = next(e for e in await b.ledger() if e.kind == "offer")
        request = next(e for e in await b.ledger() if e.kind == "request")
        assert offer.status == "given" and request.status == "fulfilled"
        assert "Carol" in b.last_private(b.bob).content


async def test_declining_passes_the_request_to_the_next_giver():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.carol, "I also have a ladder, happy to lend it")
        await b.say(b.bob, "who has a ladder I can borrow")
        first = b.last_private(b.alice)
        assert not any(d.startswith("y:") for m in b.private(b.carol) for d in m.button_data())
        await b.press(b.alice, first, "n:")
        assert any(d.startswith("y:") for d in b.last_private(b.carol).button_data())
        assert [m.status for m in await b.matches()] == ["declined", "asked"]


async def test_a_giver_who_never_opened_the_bot_gets_a_deep_link_in_the_group():
    async with Building() as b:
        b.opened_bot(b.bob)  # Carol never opened a private chat with the bot
        await b.say(b.carol, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        refused = [c for c in b.world.failed_calls if c.error_code == 403]
        assert refused and refused[0].params["chat_id"] in (b.carol.id, str(b.carol.id))
        nudge = b.group_posts()[-1]
        link = nudge.reply_markup["inline_keyboard"][0][0]["url"]
        assert link == f"https://t.me/{b.world.bot.username}?start=go"
        assert "Carol" in nudge.content and "ladder" in nudge.content

        await b.start(b.carol, "go")  # Carol taps the button: Telegram opens the chat
        ask = b.last_private(b.carol)
        assert "Bob" in ask.content and any(d.startswith("y:") for d in ask.button_data())
        await b.press(b.carol, ask, "y:")
        assert "Carol" in b.last_private(b.bob).content
        assert [m.status for m in await b.matches()] == ["accepted"]


async def test_a_second_refusal_does_not_post_a_second_group_nudge():
    async with Building() as b:
        b.opened_bot(b.bob, b.alice)
        await b.say(b.carol, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.carol, "I have a spare drill too, happy to lend it")
        await b.say(b.alice, "can I borrow a drill?")
        nudges = [m for m in b.group_posts() if m.reply_markup and "url" in str(m.reply_markup)]
        assert len(nudges) == 1
        await b.start(b.carol)
        asks = [m for m in b.private(b.carol) if any(d.startswith("y:") for d in m.button_data())]
        assert len(asks) == 2


async def test_group_acknowledgement_never_repeats_rooms_or_phones():
    async with Building() as b:
        await b.say(b.alice, "I have spare ibuprofen, room 1102, call me 13812345678")
        ack = b.group_posts()[-1].content
        assert "1102" not in ack and "13812345678" not in ack


async def test_chatter_gets_no_answer():
    async with Building() as b:
        await b.say(b.alice, "Good morning everyone, lovely weather today")
        await b.say(b.bob, "Thanks again for the help yesterday!")
        assert b.group_posts() == []
        assert await b.ledger() == []


async def test_a_redelivered_update_changes_nothing():
    async with Building() as b:
        b.world.send(b.alice, b.g3, "I have a spare ladder to lend")
        raw = b.world.next_update()
        for _ in range(2):
            await b.app.process_update(Update.de_json(copy.deepcopy(raw), b.app.bot))
        assert len(await b.ledger()) == 1
        assert len(b.group_posts()) == 1


async def test_matching_stays_inside_the_building():
    async with Building() as b:
        b.opened_bot(b.alice, b.dave)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.dave, "谁家有梯子借用一下？", chat=b.g5)
        assert await b.matches() == []
        assert "梯子" in b.group_posts(b.g5)[-1].content  # building 5's group reads Chinese


async def test_mine_lists_entries_and_only_the_owner_can_withdraw():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.dm(b.alice, "/mine")
        listing = b.last_private(b.alice)
        assert "ladder" in listing.content.lower()
        withdraw = next(d for d in listing.button_data() if d.startswith("w:"))
        # Bob forges Alice's button payload from his own chat: refused, nothing changes.
        await b.dm(b.bob, "/mine")
        b.world.bot_messages_in(b.bob)[-1].reply_markup = listing.reply_markup
        b.world.press(b.bob, b.world.bot_messages_in(b.bob)[-1], withdraw)
        await b.pump()
        assert (await b.ledger())[0].status == "available"
        assert any(s.kind == "answer_callback" and s.show_alert for s in b.world.outbox)

        b.world.press(b.alice, listing, withdraw)
        await b.pump()
        assert (await b.ledger())[0].status == "withdrawn"
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert await b.matches() == []


async def test_pressing_yes_twice_reserves_once():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        ask = b.last_private(b.alice)
        data = next(d for d in ask.button_data() if d.startswith("y:"))
        b.world.press(b.alice, ask, data)
        b.world.press(b.alice, ask, data)
        await b.pump()
        intros = [m for m in b.private(b.bob) if "Alice" in m.content]
        assert len(intros) == 1
        assert [m.status for m in await b.matches()] == ["accepted"]


async def test_entries_are_nudged_then_expire():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.later(timedelta(days=6, hours=1))
        nudge = b.last_private(b.alice)
        assert "still available" in nudge.content
        # The moment it ends, as a clock time: right even if quiet hours held the nudge.
        (entry,) = await b.ledger()
        zone = ZoneInfo(b.app.bot_data.require().config.bot.timezone)
        assert entry.expires_at.astimezone(zone).strftime("%m-%d %H:%M") in nudge.content
        await b.later(timedelta(days=1))
        assert (await b.ledger())[0].status == "expired"


async def test_keeping_an_entry_after_the_nudge_extends_it():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.later(timedelta(days=6, hours=1))
        await b.press(b.alice, b.last_private(b.alice), "k:")
        await b.later(timedelta(days=2))
        assert (await b.ledger())[0].status == "available"


async def test_explicit_offer_and_need_commands():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        assert any(d.startswith("y:") for d in b.last_private(b.alice).button_data())
        await b.say(b.bob, "/need")
        assert "Usage" in b.group_posts()[-1].content


async def test_prescription_medicine_is_never_matched_automatically():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare box of amoxicillin if anyone needs it")
        await b.say(b.bob, "anyone have amoxicillin?")
        assert await b.matches() == []
        assert "prescription" in b.last_private(b.alice).content


async def test_urgent_medical_request_reaches_captains_and_mentions_the_emergency_number():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        await b.say(b.bob, "Urgent! my dad is having a heart attack, anyone have aspirin?")
        ack = b.group_posts()[-1].content
        assert "120" in ack
        assert "Bob" in b.last_private(b.captain).content


async def test_a_short_reply_offers_the_item_of_the_request_it_answers():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        await b.say(b.carol, "anyone have a ladder I can borrow?")
        request = await b.say(b.bob, "Could someone lend me a ladder this weekend?")
        await b.say(b.alice, "I have one, you can borrow it", reply_to=request)
        ask = b.last_private(b.alice)
        assert "Bob" in ask.content and "ladder" in ask.content.lower()


async def test_childrens_fever_medicine_request_reaches_a_paracetamol_giver_in_chinese():
    async with Building() as b:
        b.opened_bot(b.dave, b.bob)
        await b.say(b.dave, "我这有泰诺林两盒，有需要的邻居找我", chat=b.g5)
        await b.say(b.bob, "谁家有小儿退烧药？孩子烧到39度", chat=b.g5)
        ask = b.last_private(b.dave)
        assert "Bob" in ask.content and "小儿退烧药" in ask.content and "泰诺林" in ask.content
        assert "药师或医生" in ask.content  # dosage reminder in the giver's language


async def test_a_captain_who_never_met_the_bot_gets_the_urgent_alert_on_start():
    async with Building() as b:
        b.opened_bot(b.dave)
        # Building 5's captain (id 9002) is only in the config: Telegram has no chat with them.
        await b.say(b.dave, "急需速效救心丸！我爸心脏病犯了", chat=b.g5)
        assert any("chat not found" in c.description.lower() for c in b.world.failed_calls)
        wang = b.world.add_user(9002, "Wang", language_code="zh")
        await b.start(wang)
        assert any("Dave" in m.content and "速效救心丸" in m.content for m in b.private(wang))


async def test_marking_an_offer_given_after_agreeing_confirms_that_hand_over():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        await b.dm(b.alice, "/mine")
        await b.press(b.alice, b.last_private(b.alice), "g:")
        offer = next(e for e in await b.ledger() if e.kind == "offer")
        request = next(e for e in await b.ledger() if e.kind == "request")
        assert (offer.status, request.status) == ("given", "fulfilled")
        assert [m.status for m in await b.matches()] == ["handed_over"]
        assert "Alice" in b.last_private(b.bob).content  # Bob hears it went to him


async def test_withdrawing_an_offer_after_agreeing_tells_the_requester():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.press(b.alice, b.last_private(b.alice), "y:")
        before = len(b.private(b.bob))
        await b.dm(b.alice, "/mine")
        await b.press(b.alice, b.last_private(b.alice), "w:")
        request = next(e for e in await b.ledger() if e.kind == "request")
        assert request.status == "open"
        told = b.private(b.bob)[before:]
        assert told and "ladder" in told[-1].content.lower()
        assert "Alice" in told[-1].content


async def test_offer_command_keeps_the_amount_written_after_the_item():
    async with Building() as b:
        await b.say(b.alice, "/offer ibuprofen 2")
        await b.say(b.alice, "/offer 口罩 3包")
        await b.say(b.alice, "/offer ladder")
        amounts = [(e.item_name, e.quantity) for e in await b.ledger()]
        assert amounts[0][1] == 2 and amounts[1][1] == 3 and amounts[2][1] is None
        assert "×2" in b.group_posts()[0].content


async def test_offering_the_same_item_again_refreshes_the_entry_instead_of_a_duplicate():
    async with Building() as b:
        await b.say(b.alice, "I have 2 spare boxes of ibuprofen, anyone who needs it let me know")
        await b.say(b.alice, "still have 3 boxes of ibuprofen to give away")
        (entry,) = await b.ledger()
        assert (entry.quantity, entry.remaining) == (3, 3)
        assert "not listed twice" in b.group_posts()[-1].content
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        assert len([e for e in await b.ledger() if e.kind == "request"]) == 1


async def test_an_amount_nobody_can_use_is_explained_and_nothing_is_recorded():
    async with Building() as b:
        for args in ("ibuprofen 0", "ladder -3", "drill 99999"):
            await b.say(b.alice, f"/offer {args}")
            assert "1 to 9999" in b.group_posts()[-1].content
        assert await b.ledger() == []


async def test_a_phone_number_beside_a_request_is_not_an_item():
    async with Building() as b:
        await b.say(b.bob, "我家住502，电话13912345678，谁有梯子")
        assert [e.canonical for e in await b.ledger()] == ["ladder"]
        assert not any("phone" in p.content or "电话" in p.content for p in b.group_posts())
