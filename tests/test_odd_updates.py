"""Updates real groups produce that are not a resident writing: stay calm and quiet."""

from __future__ import annotations

from telegram import Update

from tests.harness import Building

GROUP = {"id": -1003, "type": "group", "title": "Building 3"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob"}


async def feed(b: Building, raw: dict) -> None:
    await b.app.process_update(Update.de_json(raw, b.app.bot))


async def test_a_forwarded_notice_is_not_the_forwarders_own_request():
    async with Building() as b:
        await feed(
            b,
            {
                "update_id": 7001,
                "message": {
                    "message_id": 70,
                    "date": 1764554400,
                    "chat": GROUP,
                    "from": BOB,
                    "text": "anyone have a ladder I can borrow?",
                    "forward_origin": {
                        "type": "hidden_user",
                        "sender_user_name": "X",
                        "date": 1764554000,
                    },
                },
            },
        )
        assert await b.ledger() == [] and b.group_posts() == []


async def test_an_anonymous_admin_post_and_a_sticker_are_ignored():
    async with Building() as b:
        await feed(
            b,
            {
                "update_id": 7002,
                "message": {
                    "message_id": 71,
                    "date": 1764554400,
                    "chat": GROUP,
                    "sender_chat": GROUP,
                    "text": "I have a spare ladder to lend",
                },
            },
        )
        await feed(
            b,
            {
                "update_id": 7003,
                "message": {
                    "message_id": 72,
                    "date": 1764554400,
                    "chat": GROUP,
                    "from": BOB,
                    "sticker": {
                        "file_id": "s",
                        "file_unique_id": "u",
                        "width": 1,
                        "height": 1,
                        "is_animated": False,
                        "is_video": False,
                        "type": "regular",
                    },
                },
            },
        )
        assert await b.ledger() == [] and b.group_posts() == []


async def test_an_answer_to_a_deleted_message_still_goes_out():
    async with Building() as b:
        # The resident deleted their command before the bot answered it.
        await feed(
            b,
            {
                "update_id": 7004,
                "message": {
                    "message_id": 999,
                    "date": 1764554400,
                    "chat": GROUP,
                    "from": BOB,
                    "text": "/need",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            },
        )
        assert "Usage" in b.group_posts()[-1].content
