"""What an in-memory stand-in for PTB's Bot needs so the outbox can send through it.

bot/delivery/bot_calls.py sends messages through PTB's generic `do_api_request("sendMessage",
...)`; a test's fake bot that only records `send_message` calls gets the generic call mapped
onto it by this mixin.
"""

from __future__ import annotations

from typing import Any


class GenericSendMessage:
    """`do_api_request("sendMessage", {...})` as the fake's own `send_message(chat_id, text,
    **rest)`; the answer carries a message id, as Telegram's does."""

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        raise NotImplementedError

    async def do_api_request(
        self, endpoint: str, api_kwargs: dict[str, Any] | None = None, **_: Any
    ) -> dict[str, Any]:
        assert endpoint == "sendMessage", endpoint
        kwargs = {k: v for k, v in (api_kwargs or {}).items() if v is not None}
        await self.send_message(kwargs.pop("chat_id"), kwargs.pop("text"), **kwargs)
        return {"message_id": 1}
