"""Reading an inline button press: what every callback handler does first."""

from __future__ import annotations

import logging
import re

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

logger = logging.getLogger(__name__)


async def pressed(
    update: Update, pattern: re.Pattern[str]
) -> tuple[CallbackQuery, re.Match[str]] | None:
    """The button press and its data read by `pattern`, or None when there is nothing to do.

    A press whose data is not ours (an old keyboard, a forged payload) is acknowledged, so the
    resident's spinner stops, and otherwise ignored.
    """
    query = update.callback_query
    if query is None:
        return None
    parsed = pattern.match(query.data or "")
    if parsed is None:
        await query.answer()
        return None
    return query, parsed


async def drop_buttons(query: CallbackQuery) -> None:
    """Take a decided message's buttons away, so nobody presses them again.

    Telegram refusing (the message is gone, or has no buttons left) changes nothing.
    """
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        logger.debug("could not remove buttons: %s", exc)
