"""The values sharing speaks in: who did something, what they wrote, and a resident's mistake."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resident:
    """Who did something, as the chat network reports them."""

    user_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    # Their /lang choice, and how they write Chinese (bot/core/i18n.py:reader_language).
    language: str | None = None
    script: str | None = None


@dataclass(frozen=True)
class GroupMessage:
    """A message in a group, with what it replies to."""

    chat_id: int
    message_id: int
    text: str
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    reply_to_text: str | None = None
    photo: str | None = None
    reply_to_user_id: int | None = None


class UserError(Exception):
    """A resident's mistake, answered with the text key given (never a crash)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
