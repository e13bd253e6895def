"""Edited group messages: the offer or request recorded from them follows the new text."""

from __future__ import annotations

from telegram import Update

from bot.core.sharing.edits import EditService
from handlers.common import Context, resident, run_unit, services
from handlers.offers import group_message


async def on_edited_group_text(update: Update, context: Context) -> None:
    """A resident edited a group message: revise, close or record its ledger entries."""
    message = update.edited_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    text = message.text or message.caption or ""
    if not text.strip():
        return
    svc = services(context)
    who = resident(message.from_user, context)
    edits = EditService(svc.sharing)
    await run_unit(
        update, context, lambda tx: edits.on_edited(tx, who, group_message(message, text))
    )
