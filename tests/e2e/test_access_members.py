"""Only neighbours act for a building: someone who is not in its group (they never wrote there
and Telegram says they are not a member) gets a polite refusal, whatever button or link they
forge; digest links name entries by a token nobody can guess."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from telegram.error import BadRequest

from bot.telegram_sim.world import SimUser
from tests.e2e.test_security_roles import forge
from tests.harness import Building, make_config

REFUSAL = "only for neighbours"


def refusals(b: Building) -> list[str]:
    return [
        s.text or ""
        for s in b.world.outbox
        if s.kind == "answer_callback" and s.show_alert and REFUSAL in (s.text or "")
    ]


def outsider(b: Building) -> SimUser:
    mallory = b.world.add_user(6666, "Mallory", language_code="en")
    b.opened_bot(mallory)
    return mallory


async def test_an_outsider_forging_entry_buttons_is_refused_and_nobody_is_introduced():
    async with Building() as b:
        mallory = outsider(b)
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend, room 1102")
        await b.say(b.bob, "anyone have a drill I can borrow?")
        ladder, drill = await b.ledger()
        alice_saw = len(b.private(b.alice))

        await forge(b, mallory, f"ea:{ladder.id}")
        await forge(b, mallory, f"eo:{drill.id}")

        assert len(refusals(b)) == 2
        assert [e.id for e in await b.ledger()] == [ladder.id, drill.id]
        assert await b.matches() == []
        assert len(b.private(b.alice)) == alice_saw  # Alice was never asked about Mallory


async def test_an_outsider_cannot_pick_a_building_group_as_home():
    async with Building() as b:
        mallory = outsider(b)
        await forge(b, mallory, "al:h:-1003")
        assert len(refusals(b)) == 1
        async with b.app.bot_data.require().repo.transaction() as tx:
            user = await tx.user(mallory.id)
        assert user is None or user.home_chat_id is None
        # Nor does a report reach building 3's captain through it.
        await b.dm(mallory, "/report the lift is broken")
        assert not any("lift" in m.content for m in b.private(b.captain))


async def test_digest_links_name_entries_by_an_unguessable_token():
    async with Building(make_config(digest="daily 20:00")) as b:
        b.opened_bot(b.alice, b.carol)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.alice, "I have a spare drill to lend")
        await b.later(timedelta(hours=10))
        digest = next(m for m in b.group_posts() if m.content.startswith("📋"))
        urls = [e["url"] for e in digest.entities if e.get("type") == "text_link"]
        payloads = [re.sub(r".*\?start=", "", u) for u in urls]
        assert len(payloads) == 2 and len(set(payloads)) == 2
        for payload in payloads:
            assert re.fullmatch(r"e[A-Za-z0-9_-]{16,}", payload), payload
            assert payload not in ("e1", "e2")

        # The sequential id no longer opens anything; the token does, for a neighbour.
        await b.start(b.carol, "e1")
        assert "ladder" not in b.last_private(b.carol).content
        await b.start(b.carol, payloads[0])
        shown = b.last_private(b.carol)
        assert "Building 3" in shown.content
        await b.press(b.carol, shown, "e")
        assert "Carol" in b.last_private(b.alice).content


async def test_a_forwarded_digest_link_shows_nothing_to_an_outsider():
    async with Building(make_config(digest="daily 20:00")) as b:
        mallory = outsider(b)
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.later(timedelta(hours=10))
        digest = next(m for m in b.group_posts() if m.content.startswith("📋"))
        [url] = [e["url"] for e in digest.entities if e.get("type") == "text_link"]
        await b.start(mallory, url.split("?start=")[1])
        reply = b.last_private(mallory)
        assert "ladder" not in reply.content and REFUSAL in reply.content
        assert reply.button_data() == []


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("member", True),
        ("administrator", True),
        ("creator", True),
        ("restricted", True),
        ("left", False),
        ("kicked", False),
    ],
)
async def test_telegram_decides_for_a_resident_who_never_wrote_in_the_group(
    status: str, allowed: bool
) -> None:
    async with Building() as b:
        erin = b.world.add_user(1077, "Erin", language_code="en")
        b.world.set_status(b.g3, erin, status)
        b.opened_bot(b.alice, erin)
        await b.say(b.alice, "I have a spare ladder to lend")
        [ladder] = await b.ledger()
        await forge(b, erin, f"ea:{ladder.id}")
        asked = [m.status for m in await b.matches()]
        assert asked == (["asked"] if allowed else [])
        assert len(refusals(b)) == (0 if allowed else 1)


async def test_a_neighbour_who_left_the_group_loses_access_after_a_day():
    async with Building() as b:
        b.opened_bot(b.alice, b.carol)
        await b.say(b.carol, "good morning")  # Carol is known: she wrote in the group
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.alice, "I have a spare drill to lend")
        ladder, drill = await b.ledger()
        b.world.set_status(b.g3, b.carol, "left")
        await b.later(timedelta(days=1, minutes=1))
        await forge(b, b.carol, f"ea:{ladder.id}")
        assert await b.matches() == [] and len(refusals(b)) == 1
        b.world.join(b.g3, b.carol)  # she came back: Telegram tells the group
        await b.pump()
        await forge(b, b.carol, f"ea:{drill.id}")
        assert [m.status for m in await b.matches()] == ["asked"]


async def test_the_stand_in_answers_get_chat_member_as_telegram_does():
    async with Building() as b:
        bot = b.app.bot
        erin = b.world.add_user(1077, "Erin")
        for status in ("member", "administrator", "creator", "restricted", "left", "kicked"):
            b.world.set_status(b.g3, erin, status)
            member = await bot.get_chat_member(b.g3.id, erin.id)
            assert member.status == status
        b.world.set_status(b.g3, erin, "restricted")
        assert (await bot.get_chat_member(b.g3.id, erin.id)).is_member is True
        with pytest.raises(BadRequest, match=r"[Uu]ser not found"):
            await bot.get_chat_member(b.g3.id, 424242)


async def test_an_outsider_pressing_again_and_again_costs_one_question_to_telegram():
    async with Building() as b:
        mallory = outsider(b)
        await b.say(b.alice, "I have a spare ladder to lend")
        (ladder,) = await b.ledger()
        for _ in range(3):
            await forge(b, mallory, f"ea:{ladder.id}")
        assert len(refusals(b)) == 3
        assert b.world.method_calls["getChatMember"] == 1
        # Someone who joins later is asked about again once the short memory of "no" fades.
        await b.later(timedelta(minutes=11))
        await forge(b, mallory, f"ea:{ladder.id}")
        assert b.world.method_calls["getChatMember"] == 2


async def test_a_neighbour_who_leaves_the_group_loses_access_at_once():
    async with Building() as b:
        b.opened_bot(b.alice, b.carol)
        await b.say(b.carol, "good morning")  # known: she wrote in the group
        await b.say(b.alice, "I have a spare ladder to lend")
        (ladder,) = await b.ledger()
        b.world.leave(b.g3, b.carol)  # Telegram tells the group she left
        await b.pump()
        await forge(b, b.carol, f"ea:{ladder.id}")
        assert await b.matches() == [] and len(refusals(b)) == 1
