"""Attack: replaying the private free-text 'post it' button floods the group."""

from __future__ import annotations

from tests.harness import Building


def forge_on(b, user, message, data):
    message.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    b.world.press(user, message, data)


async def test_replayed_post_button_posts_once():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "good morning neighbours")
        before = len(b.group_posts())
        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        await b.press(b.alice, question, "lg:p:o:-1003")
        for _ in range(5):
            forge_on(b, b.alice, question, "lg:p:o:-1003")
            await b.pump()
        posts = b.group_posts()[before:]
        offers = [e for e in await b.ledger() if e.user_id == b.alice.id]
        print([p.content for p in posts], [(e.id, e.status, e.quantity) for e in offers])
        assert len(posts) == 1
        assert len(offers) == 1


async def test_double_tap_post_button_posts_once():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "good morning neighbours")
        before = len(b.group_posts())
        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        b.world.press(b.alice, question, "lg:p:o:-1003")
        b.world.press(b.alice, question, "lg:p:o:-1003")  # a double tap, before the edit
        await b.pump()
        assert len(b.group_posts()[before:]) == 1
        assert len([e for e in await b.ledger() if e.user_id == b.alice.id]) == 1


async def test_replay_flood_is_bounded():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, "good morning neighbours")
        before = len(b.group_posts())
        await b.dm(b.alice, "I have a spare ladder to lend")
        question = b.last_private(b.alice)
        for _ in range(30):
            forge_on(b, b.alice, question, "lg:p:o:-1003")
            await b.pump()
        posts = b.group_posts()[before:]
        print(len(posts), len(await b.ledger()))
        assert len(posts) <= 3
