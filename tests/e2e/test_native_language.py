"""Residents read the bot in their own language and script, and the private chat answers.

Many Chinese residents run Telegram in English; some write traditional characters. They
choose with /lang (or in /start), and what they write privately is understood.
"""

from __future__ import annotations

from datetime import timedelta

from tests import backends
from tests.harness import Building


async def test_an_english_app_resident_who_picks_hong_kong_traditional_reads_it_privately():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await b.dm(b.alice, "/lang")
        menu = b.last_private(b.alice)
        labels = [button["text"] for row in menu.buttons() for button in row]
        assert labels == ["简体中文", "繁體中文（香港）", "繁體中文（台灣）", "English"]

        await b.press(b.alice, menu, "lg:l:zh-hk")
        # The menu itself answers in the chosen script, and its buttons are gone.
        assert "繁體中文（香港）" in menu.content and "寫信" in menu.content
        assert menu.button_data() == []

        # Telegram still says "en"; the choice wins wherever she is addressed privately.
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await b.say(b.alice, "I have a spare ladder to lend")
        ask = b.last_private(b.alice)
        assert "鄰居" in ask.content or "您" in ask.content
        assert "邻" not in ask.content and "这" not in ask.content  # no simplified characters
        assert "Bob" in ask.content

        await b.dm(b.alice, "/help")
        guide = b.last_private(b.alice)
        assert "使用説明" in guide.content  # OpenCC s2hk: 説, as Hong Kong writes it
        assert "how it works" not in guide.content


async def test_a_resident_who_writes_traditional_chinese_gets_traditional_replies():
    async with Building() as b:
        b.opened_bot(b.alice, b.carol)
        await b.say(b.alice, "I have spare ibuprofen, 2 boxes")
        # Carol never chose a language; her app says English, she writes traditional Chinese.
        await b.say(b.carol, "請問誰家有布洛芬？孩子發燒了")
        ask = b.last_private(b.alice)
        assert "Carol" in ask.content  # Alice reads English as before

        await b.press(b.alice, ask, "y:")
        intro = b.last_private(b.carol)
        assert "Alice" in intro.content
        assert "鄰居" in intro.content or "聯繫" in intro.content or "您" in intro.content
        assert not any(ch in intro.content for ch in "这邻联系给时")  # none simplified


async def test_a_zh_hant_app_reads_traditional_and_a_zh_app_simplified():
    async with Building() as b:
        b.dave.language_code = "zh-hant"
        await b.start(b.dave)
        welcome = b.private(b.dave)[0]
        assert "鄰里" in welcome.content and "邻里" not in welcome.content


async def test_start_offers_the_language_choice_until_one_is_made():
    async with Building() as b:
        await b.start(b.bob)
        assert any(d.startswith("lg:l:") for d in b.last_private(b.bob).button_data())
        await b.press(b.bob, b.last_private(b.bob), "lg:l:zh")
        await b.start(b.bob)
        assert not any(
            d.startswith("lg:l:") for m in b.private(b.bob)[-2:] for d in m.button_data()
        )
        assert "您好" in b.private(b.bob)[-1].content  # the welcome, in the chosen language


async def test_free_text_privately_becomes_a_post_in_the_home_building_with_one_tap():
    async with Building() as b:
        b.opened_bot(b.alice, b.carol)
        await b.say(b.alice, "good morning neighbours")  # Alice is known in Building 3
        await b.say(b.carol, "anyone have a ladder I can borrow?")
        before = len(b.group_posts())

        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        assert "ladder" in question.content.lower()
        assert await b.ledger() and all(e.user_id != b.alice.id for e in await b.ledger())

        await b.press(b.alice, question, "lg:p:o:-1003")
        offer = next(e for e in await b.ledger() if e.user_id == b.alice.id)
        assert (offer.kind, offer.chat_id, offer.building) == ("offer", -1003, "b3")
        post = b.group_posts()[before:]
        assert len(post) == 1 and "Alice" in post[0].content and "ladder" in post[0].content
        assert question.button_data() == []  # answered
        assert "Carol" in b.last_private(b.alice).content  # matched as any offer is


async def test_free_text_recorded_quietly_posts_nothing_in_the_group():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "hello all")
        before = len(b.group_posts())
        await b.dm(b.alice, "我有两盒布洛芬可以送")
        question = b.last_private(b.alice)
        assert "布洛芬" in question.content and "×2盒" in question.content

        await b.press(b.alice, question, "lg:q:o:-1003")
        (offer,) = await b.ledger()
        assert (offer.kind, offer.quantity, offer.chat_id) == ("offer", 2, -1003)
        assert len(b.group_posts()) == before


async def test_a_private_line_is_turned_the_other_way_round_with_one_tap():
    # For the parser's misreadings ("I have a ladder I can lend tomorrow" read as a need).
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "hello all")
        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        assert "share" in question.content
        await b.press(b.alice, question, "lg:f:r")
        assert "looking for" in question.content and "share:" not in question.content
        await b.press(b.alice, question, "lg:q:r:-1003")
        (request,) = await b.ledger()
        assert (request.kind, request.item_name) == ("request", "ladder")


async def test_private_chatter_gets_a_short_hint_and_strangers_are_asked_to_join_first():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "hello all")
        await b.dm(b.alice, "thank you so much")
        assert "/offer" in b.last_private(b.alice).content
        assert await b.ledger() == []

        stranger = b.world.add_user(5555, "Stranger", language_code="en")
        stranger.started_bot = True
        await b.dm(stranger, "I have a spare drill to give away")
        assert "building" in b.last_private(stranger).content.lower()
        assert await b.ledger() == []


async def test_offer_privately_records_in_the_home_building():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "hi neighbours")
        before = len(b.group_posts())
        await b.dm(b.alice, "/offer 2 boxes of ibuprofen")
        (offer,) = await b.ledger()
        assert (offer.kind, offer.chat_id, offer.quantity) == ("offer", -1003, 2)
        assert "ibuprofen" in b.last_private(b.alice).content.lower()
        assert len(b.group_posts()) == before  # recorded quietly


async def test_offer_privately_by_a_resident_of_two_buildings_asks_which():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi", chat=b.g3)
        await b.say(b.bob, "hi", chat=b.g5)
        await b.dm(b.bob, "/need ladder")
        question = b.last_private(b.bob)
        assert {d for d in question.button_data() if d.startswith("lg:q:")} == {
            "lg:q:r:-1003",
            "lg:q:r:-1005",
        }
        await b.press(b.bob, question, "lg:q:r:-1005")
        (request,) = await b.ledger()
        assert (request.kind, request.chat_id, request.building) == ("request", -1005, "b5")


async def test_a_building_whose_group_the_resident_is_no_longer_known_in_records_nothing():
    async with Building() as b:
        b.opened_bot(b.bob)
        await b.say(b.bob, "hi", chat=b.g3)
        await b.say(b.bob, "hi", chat=b.g5)
        await b.dm(b.bob, "/need ladder")
        question = b.last_private(b.bob)
        await b.later(timedelta(days=2))  # membership is trusted for a day
        await b.say(b.bob, "morning", chat=b.g3)  # seen again in Building 3 only

        await b.press(b.bob, question, "lg:q:r:-1005")
        assert await b.ledger() == []
        await b.press(b.bob, question, "lg:q:r:-1003")
        (request,) = await b.ledger()
        assert request.chat_id == -1003


async def test_help_in_a_group_is_one_line_with_a_button_to_the_private_guide():
    async with Building() as b:
        await b.say(b.alice, "/help")
        reply = b.group_posts()[-1]
        assert "\n" not in reply.content.strip()
        (url,) = [button["url"] for row in reply.buttons() for button in row if "url" in button]
        assert url.endswith("?start=help")

        await b.start(b.alice, "help")
        assert any("/offer" in m.content and "/mine" in m.content for m in b.private(b.alice))


def _han(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


async def test_each_side_reads_the_item_and_its_unit_in_their_own_language():
    async with Building() as b:
        b.opened_bot(b.bob, b.dave)
        await b.say(b.bob, "does anyone have ibuprofen? my son has a fever", chat=b.g5)
        await b.say(b.dave, "我有两盒布洛芬可以送", chat=b.g5)
        ask = b.last_private(b.dave)  # Dave reads Chinese: the item in Chinese
        assert "布洛芬" in ask.content and "ibuprofen" not in ask.content.lower()

        await b.press(b.dave, ask, "y:")
        intro = b.last_private(b.bob)  # Bob reads English: no "布洛芬 ×1盒"
        assert "ibuprofen" in intro.content.lower()
        assert _han(intro.content) == ""


async def test_the_choice_survives_a_restart_and_forgetme_forgets_it(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Building(database=database) as b:
        b.opened_bot(b.alice)
        await b.dm(b.alice, "/lang")
        await b.press(b.alice, b.last_private(b.alice), "lg:l:zh-tw")
    async with Building(database=database) as b:
        b.world._next_update_id = 10_000  # a new world's ids would look like redeliveries
        b.opened_bot(b.alice)
        await b.dm(b.alice, "/mine")
        assert "您目前沒有" in b.last_private(b.alice).content  # Taiwan's characters

        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        await b.dm(b.alice, "/mine")
        assert "nothing listed" in b.last_private(b.alice).content  # her app's English again


async def test_a_resident_who_never_wrote_in_the_group_is_recognised_through_telegram():
    async with Building() as b:
        b.opened_bot(b.alice)  # in Building 3's group, but has never written there
        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        assert any(d.startswith("lg:p:") for d in question.button_data())

    async with Building() as b:
        b.opened_bot(b.bob)  # the same for /need, written privately first thing
        await b.dm(b.bob, "/need a drill")
        assert "drill" in b.last_private(b.bob).content
        (request,) = await b.ledger()
        assert (request.kind, request.building) == ("request", "b3")
