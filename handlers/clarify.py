"""The one-tap answer to "was that an offer, a request, or neither?"."""

from __future__ import annotations

from telegram import Update

from bot.core.clarify import read_question_button
from bot.core.sharing.service import UserError
from handlers.buttons import drop_buttons
from handlers.common import Context, explain, resident, run_unit, services


async def on_button(update: Update, context: Context) -> None:
    """The author says what their unsure message was."""
    query = update.callback_query
    if query is None:
        return
    found = read_question_button(query.data or "")
    if found is None:
        await query.answer()
        return
    question_id, reading = found
    svc = services(context)
    who = resident(query.from_user, context)
    chat_id = query.message.chat.id if query.message else None
    try:
        await run_unit(
            update, context, lambda tx: svc.sharing.clarify.answer(tx, who, question_id, reading)
        )
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        await drop_buttons(query)  # answered
