"""Updates real groups produce that are not a resident writing: stay calm and quiet."""

from __future__ import annotations

from typing import Any

from telegram import Update

from tests.harness import Building

GROUP = {"id": -1003, "type": "group", "title": "Building 3"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob"}
STICKER = {
    "file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
    "is_animated": False, "is_video": False, "type": "regular",
}  # fmt: skip


async def arrives(b: Building, update_id: int, message_id: int, **fields: Any) -> None:
    """A group message update with the given fields (only what is odd about it)."""
    message = {"message_id": message_id, "date": 1764554400, "chat": GROUP, **fields}
    raw = {"update_id": update_id, "message": message}
    await b.app.process_update(Update.de_json(raw, b.app.bot))


async def test_a_forwarded_notice_is_not_the_forwarders_own_request():
    async with Building() as b:
        hidden = {"type": "hidden_user", "sender_user_name": "X", "date": 1764554000}
        await arrives(
            b, 7001, 70, text="anyone have a ladder I can borrow?", forward_origin=hidden,
            **{"from": BOB},
        )  # fmt: skip
        assert await b.ledger() == [] and b.group_posts() == []


async def test_an_anonymous_admin_post_and_a_sticker_are_ignored():
    async with Building() as b:
        await arrives(b, 7002, 71, sender_chat=GROUP, text="I have a spare ladder to lend")
        await arrives(b, 7003, 72, sticker=STICKER, **{"from": BOB})
        assert await b.ledger() == [] and b.group_posts() == []


async def test_an_answer_to_a_deleted_message_still_goes_out():
    async with Building() as b:
        # The resident deleted their command (message 999) before the bot answered it.
        command = [{"type": "bot_command", "offset": 0, "length": 5}]
        await arrives(b, 7004, 999, text="/need", entities=command, **{"from": BOB})
        assert "Usage" in b.group_posts()[-1].content
