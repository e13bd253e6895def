"""A Bot API call's outcome as plain JSON and back: how the sender process reports to the bot.

The sender process (bot/sender_process.py) makes the call and catches PTB's error; the bot
(bot/sender_client.py) raises the same PTB error again, so the outbox's delivery treats a
403, a 400, a flood wait or a network fault exactly as when it makes the call itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

Outcome = dict[str, Any]

# The longest line either end of the sender link reads (asyncio's default is 64 KiB). Both
# ends must agree: a line the child cannot read kills it, and the row that made it killed
# every child started after it. Effects reach the link already cut to Telegram's limits
# (bot/message_parts.py), a few tens of kilobytes at most; a longer line is refused before
# it is written.
LINE_LIMIT = 1 << 20

# Most specific first: BadRequest and TimedOut are NetworkErrors in PTB.
_KINDS: tuple[tuple[str, type[TelegramError]], ...] = (
    ("forbidden", Forbidden),
    ("invalid_token", InvalidToken),
    ("bad_request", BadRequest),
    ("timed_out", TimedOut),
    ("network", NetworkError),
)


def outcome_of(error: BaseException | None) -> Outcome:
    """What happened to a call: {"ok": true}, or the error's kind and details."""
    if error is None:
        return {"ok": True}
    if isinstance(error, RetryAfter):
        return {"ok": False, "kind": "retry_after", "seconds": _seconds(error.retry_after)}
    if isinstance(error, ChatMigrated):
        return {"ok": False, "kind": "migrated", "new_chat_id": error.new_chat_id}
    for kind, cls in _KINDS:
        if isinstance(error, cls):
            return {"ok": False, "kind": kind, "message": error.message}
    if isinstance(error, TelegramError):
        return {"ok": False, "kind": "telegram", "message": error.message}
    return {"ok": False, "kind": "internal", "message": f"{type(error).__name__}: {error}"}


def raise_outcome(outcome: Outcome) -> None:
    """Return if the call went through; otherwise raise the PTB error it met."""
    if outcome.get("ok"):
        return
    kind = outcome.get("kind")
    message = str(outcome.get("message", ""))
    if kind == "retry_after":
        raise RetryAfter(timedelta(seconds=float(outcome["seconds"])))
    if kind == "migrated":
        raise ChatMigrated(int(outcome["new_chat_id"]))
    for name, cls in _KINDS:
        if kind == name:
            raise cls(message)
    if kind == "internal":
        # A fault in the sender itself, not Telegram's answer: the row is not retried forever.
        raise TelegramError(f"the sender process failed: {message}")
    raise TelegramError(message or f"unknown outcome {kind!r}")


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
