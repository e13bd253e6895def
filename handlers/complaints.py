"""The one-tap answer to "send this complaint to the floor captains?" (bot/core/complaints.py)."""

from __future__ import annotations

from telegram import Update

from bot.core.complaints import ComplaintDesk, read_complaint_press
from bot.core.reports import ReportDesk
from bot.core.sharing.service import UserError
from handlers.buttons import drop_buttons
from handlers.common import Context, explain, resident, run_unit, services


async def on_button(update: Update, context: Context) -> None:
    """The author says whether their complaint goes to the captains."""
    query = update.callback_query
    if query is None:
        return
    found = read_complaint_press(query.data or "")
    if found is None:
        await query.answer()
        return
    ask_id, answer = found
    svc = services(context)
    who = resident(query.from_user, context)
    chat_id = query.message.chat.id if query.message else None
    desk = ComplaintDesk(svc.config, svc.clock, ReportDesk(svc.config, svc.clock))
    try:
        await run_unit(update, context, lambda tx: desk.answer(tx, who, ask_id, answer))
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        await drop_buttons(query)  # answered before, or gone: nothing left to press
        return
    await query.answer()
    await drop_buttons(query)  # answered
