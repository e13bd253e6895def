"""Buttons and private replies around a match: Yes/No, handed over, withdraw, keep."""

from __future__ import annotations

import re

from telegram import Update

from bot.effects import Effects
from bot.sharing import UserError
from handlers.buttons import drop_buttons, pressed
from handlers.common import Context, explain, resident, run_unit, services

# y/n: giver answers; h: handed over; w/g/k: withdraw / mark given / keep an entry;
# x: withdraw an entry the parser misread ("that was not an offer").
CALLBACK = re.compile(r"^([ynhwgkx]):(\d{1,12})$")


async def on_button(update: Update, context: Context) -> None:
    """Every inline button press of the sharing flow."""
    press = await pressed(update, CALLBACK)
    if press is None:
        return
    query, parsed = press
    svc = services(context)
    action, number = parsed[1], int(parsed[2])
    who = resident(query.from_user)
    sharing = svc.sharing

    async def work(tx):  # type: ignore[no-untyped-def]
        if action in "yn":
            return await sharing.answer(tx, who, number, yes=action == "y")
        if action == "h":
            return await sharing.handed_over(tx, who, number)
        return await sharing.close_own(tx, who, number, action)

    chat_id = query.message.chat.id if query.message else None
    try:
        result: Effects | None = await run_unit(update, context, work)
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    await query.answer()
    if result is not None and action in "ynh" and query.message is not None:
        await drop_buttons(query)  # the choice is made


async def on_private_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: a giver's pickup note."""
    message = update.effective_message
    if message is None or message.from_user is None or not message.text:
        return
    svc = services(context)
    who = resident(message.from_user)
    text = message.text
    await run_unit(update, context, lambda tx: svc.sharing.private_text(tx, who, text))
