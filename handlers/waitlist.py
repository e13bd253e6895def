"""Buttons of the waitlist: the giver's pick, no-shows, "still on"; captains' /noshows."""

from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ParseMode

from bot.core.captains import Where
from bot.core.effects import Effects
from bot.core.no_shows import no_shows_report
from bot.core.sharing.service import UserError
from handlers.buttons import drop_buttons
from handlers.common import Context, explain, resident, run_unit, services
from storage.repository import Tx

# pk:<offer>:<request> the giver picks; ns:<match> no-show; hk:<match> hand-over still on.
CALLBACK_PATTERN = r"^(pk|ns|hk):"
_PICK = re.compile(r"^pk:(\d{1,12}):(\d{1,12})$")
_MATCH = re.compile(r"^(ns|hk):(\d{1,12})$")


async def on_button(update: Update, context: Context) -> None:
    """A giver's pick among the candidates, a no-show report, or 'not yet, still on'."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    data = query.data or ""
    pick, on_match = _PICK.match(data), _MATCH.match(data)
    if pick is None and on_match is None:
        await query.answer()
        return
    who = resident(query.from_user, context)

    async def work(tx: Tx) -> Effects:
        if pick is not None:
            return await svc.sharing.choose(tx, who, int(pick[1]), int(pick[2]))
        assert on_match is not None
        if on_match[1] == "ns":
            return await svc.sharing.no_show(tx, who, int(on_match[2]))
        return await svc.sharing.still_on(tx, who, int(on_match[2]))

    chat_id = query.message.chat.id if query.message else None
    try:
        result = await run_unit(update, context, work)
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    await query.answer()
    if result is not None and query.message is not None:
        await drop_buttons(query)  # decided


async def noshows_command(update: Update, context: Context) -> None:
    """/noshows: captains see residents reported as not turning up, sent privately."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    where = Where(chat_id=message.chat_id, private=message.chat.type == "private")
    try:
        await run_unit(update, context, lambda tx: no_shows_report(tx, svc.config, who, where))
    except UserError as error:
        await message.reply_text(
            explain(error, message.from_user, message.chat_id, svc), parse_mode=ParseMode.HTML
        )
