"""Floor captains run their building from the chat: ledger, take-downs, announcements.
Each works for the captain's own building and is refused, changing nothing, for another."""

from __future__ import annotations

import copy

from telegram import Update

from tests.captains_town import Town
from tests.harness import Building


async def test_ledger_lists_the_captains_own_building_newest_first_and_pages_in_place():
    async with Town() as b:
        for item in ("ladder", "drill", "umbrella", "hammer", "scissors"):
            await b.say(b.alice, f"/offer {item}")
        for item in ("stroller", "thermometer", "charger", "kettle"):
            await b.say(b.bob, f"/need {item}")
        await b.say(b.dave, "/offer ladder", chat=b.g5)  # building 5: not Cathy's

        await b.dm(b.captain, "/ledger")
        page = b.last_private(b.captain)
        entries = await b.ledger()
        b3 = [e for e in entries if e.building == "b3"]
        assert "Building 3" in page.content and "page 1/2" in page.content
        newest = max(e.id for e in b3)
        assert page.content.index(f"#{newest} ") < page.content.index(f"#{newest - 1} ")
        assert "Dave" not in page.content
        assert page.button_data() == ["cl:1"]

        await b.press(b.captain, page, "cl:1")
        assert "page 2/2" in page.content  # the same message, edited in place
        assert page.button_data() == ["cl:0"]
        oldest = min(e.id for e in b3)
        assert f"#{oldest} " in page.content
        assert len(b.private(b.captain)) == 1


async def test_ledger_in_the_other_buildings_group_is_refused():
    async with Town() as b:
        b.g5.statuses[b.captain.id] = "member"
        await b.say(b.dave, "/offer ladder", chat=b.g5)
        await b.say(b.captain, "/ledger", chat=b.g5)
        refusal = b.group_posts(b.g5)[-1].content
        assert "building you don't look after" in refusal  # in Cathy's own language
        assert b.private(b.captain) == []


async def test_a_resident_and_a_telegram_group_admin_are_not_captains():
    async with Town() as b:
        b.opened_bot(b.alice)
        b.world.set_status(b.g3, b.alice, "administrator")
        await b.say(b.alice, "/ledger")
        assert "Only a floor captain" in b.group_posts()[-1].content
        await b.say(b.alice, "/announce pin free cake in the lobby")
        assert "Only a floor captain" in b.group_posts()[-1].content
        assert not any("free cake" in m.content for m in b.group_posts())
        assert await b.audit() == []


async def test_remove_takes_an_entry_down_tells_the_author_and_is_audited():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        offer = next(e for e in await b.ledger() if e.kind == "offer")
        assert [m.status for m in await b.matches()] == ["asked"]

        await b.dm(b.captain, f"/remove {offer.id} selling, not sharing")
        assert f"#{offer.id}" in b.last_private(b.captain).content
        notice = b.last_private(b.alice).content
        assert "taken down" in notice and "selling, not sharing" in notice
        offer, request = await b.ledger()
        assert offer.status == "removed" and request.status == "open"
        assert [m.status for m in await b.matches()] == ["cancelled"]
        [record] = await b.audit()
        assert (record.actor_id, record.action, record.target) == (
            b.captain.id,
            "remove",
            f"entry #{offer.id}",
        )
        assert record.detail == "selling, not sharing"

        # The taken-down offer is no longer matched.
        await b.say(b.carol, "/need ladder")
        assert [m.status for m in await b.matches()] == ["cancelled"]


async def test_remove_is_refused_for_another_buildings_entry():
    async with Town() as b:
        await b.say(b.dave, "/offer ladder", chat=b.g5)
        [entry] = await b.ledger()
        await b.dm(b.captain, f"/remove {entry.id} spam")
        assert "building you don't look after" in b.last_private(b.captain).content
        assert (await b.ledger())[0].status == "available"
        assert await b.audit() == []

        await b.dm(b.wang, f"/remove {entry.id}")  # Wang does look after building 5
        assert (await b.ledger())[0].status == "removed"
        assert "已下架" in b.last_private(b.wang).content


async def test_remove_usage_and_unknown_entries():
    async with Town() as b:
        await b.dm(b.captain, "/remove")
        assert "Usage: /remove" in b.last_private(b.captain).content
        await b.dm(b.captain, "/remove 999")
        assert "No such entry" in b.last_private(b.captain).content


async def test_announce_posts_to_the_building_group_escaped_and_pinned():
    async with Town() as b:
        b.world.chat(b.g3.id).bot_status = "administrator"
        await b.dm(b.captain, "/announce pin Water off <b>Tue</b> 9-12 & lift check")
        [post] = [m for m in b.group_posts(b.g3) if m.content]  # the pin is a service message
        assert "Notice from the captain of Building 3" in post.content
        assert "Water off <b>Tue</b> 9-12 & lift check" in post.content  # shown literally
        assert b.g3.pinned == [post.message_id]
        assert b.group_posts(b.g5) == []
        assert "Posting to 1 group" in b.last_private(b.captain).content
        [record] = await b.audit()
        assert record.action == "announce_pin" and record.building == "b3"


async def test_announce_without_pin_and_refused_for_the_other_building():
    async with Town() as b:
        await b.say(b.wang, "/announce 明天停水", chat=b.g5)
        assert "明天停水" in b.group_posts(b.g5)[-1].content
        assert b.g5.pinned == []
        b.g3.statuses[b.wang.id] = "member"
        before = len(b.group_posts(b.g3))
        await b.say(b.wang, "/announce 明天停水", chat=b.g3)
        posts = b.group_posts(b.g3)
        assert len(posts) == before + 1 and "不属于您负责的楼" in posts[-1].content
        await b.dm(b.captain, "/announce")
        assert "Usage: /announce" in b.last_private(b.captain).content


async def test_an_announcement_never_repeats_a_room_or_phone_in_the_group():
    async with Building() as b:
        b.opened_bot(b.captain)
        await b.dm(b.captain, "/announce 1102室漏水，请联系 13812345678")
        post = b.group_posts()[-1].content
        assert "1102" not in post and "13812345678" not in post and "漏水" in post
        assert "[room]" in b.last_private(b.captain).content


async def test_a_redelivered_remove_is_not_answered_again():
    async with Town() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "/offer ladder")
        [offer] = await b.ledger()
        b.world.send(b.captain, b.world.private_chat(b.captain), f"/remove {offer.id} spam")
        raw = b.world.next_update()
        # Applied, then Telegram sends it again (the confirmation was lost in a crash).
        for _ in range(2):
            await b.app.process_update(Update.de_json(copy.deepcopy(raw), b.app.bot))
        replies = [m.content for m in b.world.bot_messages_in(b.captain)]
        assert len(replies) == 1 and f"#{offer.id}" in replies[0]
        assert (await b.ledger())[0].status == "removed"
