"""Offers posted as a photo with a caption: parsed from the caption, shown in the intro."""

from __future__ import annotations

from tests.harness import Building


async def test_a_photo_offer_is_matched_and_the_requester_sees_the_photo():
    async with Building() as b:
        b.opened_bot(b.dave, b.bob)
        post = await b.send_photo(b.dave, "闲置婴儿车，免费送", chat=b.g5)
        [offer] = await b.ledger()
        assert offer.kind == "offer" and offer.canonical == "stroller"
        file_id = post.photo[-1]["file_id"]
        assert (await b.extras(offer.id)).photo == file_id
        assert "婴儿车" in b.group_posts(b.g5)[-1].content

        await b.say(b.bob, "谁家有婴儿车可以借我用几天？", chat=b.g5)
        await b.press(b.dave, b.last_private(b.dave), "y:")
        intro = b.last_private(b.bob)
        assert intro.photo is not None and "Dave" in intro.content
        sent = [s for s in b.world.outbox if s.chat_id == b.bob.id and s.photo]
        assert sent and sent[-1].photo == file_id


async def test_a_photo_without_words_is_not_an_offer():
    async with Building() as b:
        b.world.send_photo(b.alice, b.g3)
        await b.pump()
        assert await b.ledger() == []
