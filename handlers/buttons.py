"""Reading an inline button press: what every callback handler does first."""

from __future__ import annotations

import re

from telegram import CallbackQuery, Update


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
