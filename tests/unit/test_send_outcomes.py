"""A call's outcome crosses from the sender process to the bot and is the same PTB error."""

from __future__ import annotations

from datetime import timedelta

import pytest
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

from bot.delivery.send_outcomes import outcome_of, raise_outcome

pytestmark = pytest.mark.no_storage


def crossed(error: BaseException | None) -> BaseException | None:
    """The error as the bot sees it after the outcome went through JSON."""
    import json

    outcome = json.loads(json.dumps(outcome_of(error)))
    try:
        raise_outcome(outcome)
    except TelegramError as exc:
        return exc
    return None


def test_a_call_that_went_through_raises_nothing():
    assert crossed(None) is None


@pytest.mark.parametrize(
    "error",
    [
        Forbidden("Forbidden: bot was blocked by the user"),
        BadRequest("Message is not modified"),
        TimedOut("Timed out"),
        NetworkError("Connection reset"),
        InvalidToken("Not Found"),
    ],
)
def test_each_refusal_comes_back_as_the_same_class_with_its_message(error):
    back = crossed(error)
    assert type(back) is type(error)
    assert back is not None and str(back) == str(error)


def test_a_flood_wait_keeps_its_seconds_and_a_migration_its_new_chat():
    flood = crossed(RetryAfter(timedelta(seconds=17)))
    assert isinstance(flood, RetryAfter)
    seconds = flood.retry_after
    assert (seconds.total_seconds() if isinstance(seconds, timedelta) else seconds) == 17
    moved = crossed(ChatMigrated(-1001234567890))
    assert isinstance(moved, ChatMigrated) and moved.new_chat_id == -1001234567890


def test_a_fault_inside_the_sender_is_a_telegram_error_the_outbox_can_drop():
    # Not a NetworkError: that would be retried forever and hold up every later message.
    back = crossed(KeyError("effect"))
    assert type(back) is TelegramError and "sender process failed" in str(back)
    assert type(crossed(TelegramError("Something new"))) is TelegramError
