"""What residents see when understanding needs more: the one-tap question, corrections kept,
replies, a refused prescription drug, emergencies with no item, closing words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clarify import read_question_button
from bot.core.sharing.service import Resident, UserError
from bot.core.understanding.intent_model import LinearModel, UnderstandingModel, load_model
from tests.harness import Building


def resident(user) -> Resident:
    return Resident(user.id, user.first_name, None, user.language_code)


def unsure_model() -> UnderstandingModel:
    """The shipped heads, but an intent head that reads every message as a weak offer."""
    shipped = load_model()
    weak = LinearModel(["closing", "none", "offer", "request"], [-9.0, 0.1, 0.35, 0.0], {})
    return UnderstandingModel({**shipped.heads, "intent": weak}, {})


async def corrections(b: Building):
    async with b.app.bot_data.require().repo.transaction() as tx:
        return await tx.labelled_corrections()


async def test_an_unsure_message_is_asked_privately_and_the_answer_records_it():
    async with Building() as b:
        b.opened_bot(b.alice)
        b.app.bot_data.require().sharing.model = unsure_model()
        posts_before = len(b.group_posts())
        await b.say(b.alice, "a folding ladder in my storage room")
        assert len(b.group_posts()) == posts_before  # nothing in the group while unsure
        assert await b.ledger() == []
        question = b.last_private(b.alice)
        assert "folding ladder" in question.content
        assert {d[-1] for d in question.button_data()} == {"o", "r", "n"}

        await b.press(b.alice, question, "iq:")  # the first button: "I'm offering"
        (entry,) = await b.ledger()
        assert (entry.kind, entry.canonical) == ("offer", "ladder")
        (learnt,) = await corrections(b)
        assert (learnt.label, learnt.guess, learnt.source) == ("offer", "offer", "asked")
        assert learnt.text == "a folding ladder in my storage room"


async def test_the_one_tap_answer_is_the_authors_alone_and_counts_once():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        svc = b.app.bot_data.require()
        svc.sharing.model = unsure_model()
        await b.say(b.alice, "a folding ladder in my storage room")
        question = b.last_private(b.alice)
        data = next(d for d in question.button_data() if d.endswith(":n"))
        question_id, reading = read_question_button(data) or (0, None)
        assert reading is not None
        # Forged callback data from another account (a modified client can send any).
        with pytest.raises(UserError):
            async with svc.repo.transaction() as tx:
                await svc.sharing.clarify.answer(tx, resident(b.bob), question_id, reading)
        assert await corrections(b) == []
        await b.press(b.alice, question, data)
        assert not question.button_data()  # answered: the buttons are gone
        with pytest.raises(UserError):
            async with svc.repo.transaction() as tx:
                await svc.sharing.clarify.answer(tx, resident(b.alice), question_id, reading)
        (learnt,) = await corrections(b)
        assert learnt.label == "none"
        assert await b.ledger() == []


async def test_offer_answering_ones_own_missed_message_is_kept_as_a_correction():
    async with Building() as b:
        b.opened_bot(b.alice)
        missed = await b.say(b.alice, "老式的缝纫机还能用 放着占地方")
        await b.say(b.alice, "/offer 缝纫机", reply_to=missed)
        # One offer, whether the parser had read the line as one already or not.
        assert [e.kind for e in await b.ledger()] == ["offer"]
        learnt = await corrections(b)
        if learnt:  # only when the parser had not read it as an offer already
            assert (learnt[-1].label, learnt[-1].source) == ("offer", "explicit")
            assert learnt[-1].text == "老式的缝纫机还能用 放着占地方"


async def test_plus_one_under_an_offer_asks_for_that_item():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        offer = await b.say(b.alice, "I have three spare boxes of ibuprofen, free to neighbours")
        await b.say(b.bob, "+1", reply_to=offer)
        kinds = sorted((e.kind, e.canonical) for e in await b.ledger())
        assert kinds == [("offer", "ibuprofen"), ("request", "ibuprofen")]
        assert "Bob" in b.last_private(b.alice).content


async def test_an_opioid_offer_is_refused_in_the_authors_language_and_nothing_recorded():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "Got leftover oxycodone from my surgery if anyone needs painkillers")
        assert await b.ledger() == []
        note = b.last_private(b.alice).content
        assert "oxycodone" in note.lower() and "prescription" in note.lower()


async def test_a_chinese_prescription_refusal_names_the_drug_as_written():
    async with Building() as b:
        b.opened_bot(b.dave)
        await b.say(b.dave, "我这有半盒艾司唑仑，睡不着的邻居可以找我", chat=b.g5)
        assert await b.ledger() == []
        note = b.last_private(b.dave).content
        assert "艾司唑仑" in note and "地西泮" not in note


async def test_an_emergency_with_no_item_gets_the_number_at_once_and_captains_are_told():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        message = await b.say(b.bob, "Mr Li on the 5th floor collapsed in the stairwell, help!")
        post = b.group_posts()[-1]
        assert "120" in post.content
        assert post.reply_to is not None and post.reply_to.message_id == message.message_id
        assert "Bob" in b.last_private(b.captain).content
        assert await b.ledger() == []


async def test_closing_words_close_the_authors_own_entry():
    async with Building() as b:
        b.opened_bot(b.alice)
        post = await b.say(b.alice, "I have a spare baby stroller to give away")
        (entry,) = await b.ledger()
        assert entry.status == "available"
        await b.say(b.alice, "given away, thanks everyone", reply_to=post)
        (entry,) = await b.ledger()
        assert entry.status == "given"


async def test_withdrawing_a_misread_entry_teaches_the_parser():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare baby stroller to give away")
        (entry,) = await b.ledger()
        await b.dm(b.alice, "/mine")
        listing = b.last_private(b.alice)
        await b.press(b.alice, listing, f"x:{entry.id}")
        (entry,) = await b.ledger()
        assert entry.status == "withdrawn"
        (learnt,) = await corrections(b)
        assert (learnt.label, learnt.guess, learnt.source) == ("none", "offer", "withdrawn")
        assert "stroller" in learnt.text


async def test_a_captains_removal_as_not_sharing_is_kept_as_a_correction():
    async with Building() as b:
        b.opened_bot(b.alice, b.captain)
        await b.say(b.alice, "I have a spare baby stroller to give away")
        (entry,) = await b.ledger()
        await b.dm(b.captain, f"/remove {entry.id} not sharing, just chatter")
        (learnt,) = await corrections(b)
        assert (learnt.label, learnt.source, learnt.user_id) == ("none", "removed", b.alice.id)


async def test_a_removal_for_another_reason_teaches_nothing():
    async with Building() as b:
        b.opened_bot(b.alice, b.captain)
        await b.say(b.alice, "I have a spare baby stroller to give away")
        (entry,) = await b.ledger()
        await b.dm(b.captain, f"/remove {entry.id} duplicate post")
        assert await corrections(b) == []


async def test_forgetme_deletes_the_residents_corrections():
    async with Building() as b:
        b.opened_bot(b.alice)
        b.app.bot_data.require().sharing.model = unsure_model()
        await b.say(b.alice, "a folding ladder in my storage room")
        await b.press(b.alice, b.last_private(b.alice), "iq:")
        assert len(await corrections(b)) == 1
        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        assert await corrections(b) == []


async def test_an_emergency_naming_an_item_still_gets_the_number_and_the_captains():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        await b.say(b.bob, "My husband is having a heart attack, where is the AED")
        assert "120" in b.group_posts()[-1].content
        assert "Bob" in b.last_private(b.captain).content


async def test_an_urgent_prescription_request_reaches_captains_without_a_false_promise():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        await b.say(b.bob, "I need some nitroglycerin for my dad, his chest hurts")
        assert await b.ledger() == []
        assert "120" in b.group_posts()[-1].content
        told = "\n".join(m.content for m in b.private(b.captain))
        assert "Bob" in told and "already asking" not in told


async def test_the_prescription_note_names_only_the_prescription_drug():
    async with Building() as b:
        b.opened_bot(b.dave)
        await b.say(b.dave, "谁有多余的硝苯地平片？还有两盒布洛芬也要", chat=b.g5)
        assert await b.ledger() == []
        note = b.last_private(b.dave).content
        assert "硝苯地平" in note and "布洛芬" not in note


async def test_words_about_something_else_close_nothing():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare baby stroller to give away")
        await b.say(b.alice, "Found my keys, thanks everyone!")
        (entry,) = await b.ledger()
        assert entry.status == "available"


async def test_an_unsure_author_who_never_opened_the_bot_gets_only_a_nudge():
    async with Building() as b:
        b.app.bot_data.require().sharing.model = unsure_model()
        await b.say(b.carol, "a folding ladder in my storage room")  # Carol never opened it
        nudge = b.group_posts()[-1]
        assert "Carol" in nudge.content and "url" in str(nudge.reply_markup)
        assert "offer" not in nudge.content.lower()
        assert await b.ledger() == []


async def test_emergencies_repeated_by_one_resident_are_answered_within_bounds():
    async with Building() as b:
        b.opened_bot(b.bob, b.alice, b.captain)
        lines = [
            "my dad collapsed in the lift lobby, help!",
            "he is not breathing, please someone help",
            "someone collapsed on floor 5, help!!",
        ]
        for line in lines:
            await b.say(b.bob, line)
        numbers = [m for m in b.group_posts() if "120" in m.content]
        assert len(numbers) == 1  # the number is on screen already; the captains hear each
        assert sum("Bob" in m.content for m in b.private(b.captain)) == 3
        await b.say(b.alice, "fire on the 8th floor, smoke everywhere!")
        assert len([m for m in b.group_posts() if "120" in m.content]) == 1

        for n in range(10):  # one resident flooding: captains' phones are not a free siren
            await b.later(timedelta(minutes=11))
            await b.say(b.bob, f"someone collapsed on floor {n}, help!!")
        assert sum("Bob" in m.content for m in b.private(b.captain)) == 5
        assert len([m for m in b.group_posts() if "120" in m.content]) <= 6
