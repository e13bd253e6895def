"""The one error handler: log with context first, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot.core.redaction import redact_log_line
from handlers.common import Context
from storage.driver import is_passing_fault

logger = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log a failing handler with the update it failed on (contact details redacted)."""
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f" (update {update.update_id}, chat {chat.id if chat else '-'})"
    if isinstance(update, Update) and is_passing_fault(context.error):
        # The database (or the process's file descriptors) away for a moment: the intake
        # applies the update again, and its exactly-once claim keeps done work from repeating.
        context.bot_data.unapplied.add(update.update_id)
        logger.warning("passing fault%s: %s", where, redact_log_line(repr(context.error)))
        return
    if isinstance(context.error, BadRequest) and "query is too old" in str(context.error).lower():
        # A button pressed long ago (or before a restart): the press was still applied,
        # only Telegram's spinner could not be stopped. Nothing for an operator to do.
        logger.info("stale button press%s", where)
        return
    logger.error(
        "handler failed%s: %s", where, redact_log_line(repr(context.error)), exc_info=context.error
    )
