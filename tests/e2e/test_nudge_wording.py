"""The expiry nudge fits what the resident posted: a giver is asked whether the thing is still
available, someone looking for a thing whether they still need it, in their language."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Building


def labels(message) -> list[str]:
    return [button["text"] for row in message.buttons() for button in row]


async def test_a_request_is_asked_whether_it_is_still_needed():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "Does anyone have a drill I could borrow?")
        assert [e.kind for e in await b.ledger()] == ["request"]
        await b.later(timedelta(days=6, hours=1))
        nudge = b.last_private(b.bob)
        assert "still need" in nudge.content and "drill" in nudge.content
        assert "available" not in nudge.content
        assert "Still need it" in labels(nudge)

        await b.press(b.bob, nudge, "k:")
        kept = b.last_private(b.bob).content
        assert "keep looking" in kept and "drill" in kept and "listed" not in kept


async def test_an_offer_is_still_asked_whether_it_is_available():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.later(timedelta(days=6, hours=1))
        nudge = b.last_private(b.alice)
        assert "still available" in nudge.content and "need" not in nudge.content
        assert "Still available" in labels(nudge)


async def test_a_chinese_request_nudge_asks_if_it_is_still_needed():
    async with Building() as b:
        b.opened_bot(b.dave)
        await b.say(b.dave, "谁家有电钻？借用一下", chat=b.g5)
        assert [e.kind for e in await b.ledger()] == ["request"]
        await b.later(timedelta(days=6, hours=1))
        nudge = b.last_private(b.dave)
        assert "您找的" in nudge.content and "还需要吗" in nudge.content
        assert "保留" not in nudge.content  # "keep it listed" is what a giver is asked
        assert "还需要" in labels(nudge)
        await b.press(b.dave, nudge, "k:")
        assert "继续帮您找" in b.last_private(b.dave).content
