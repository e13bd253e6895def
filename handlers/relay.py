"""Buttons of the relayed private chat: share my contact, end chat, write to this chat."""

from __future__ import annotations

import re

from telegram import Update

from bot.core.effects import Effects
from bot.core.relay import RelayGone
from bot.core.sharing.service import UserError
from handlers.buttons import pressed
from handlers.common import Context, explain, resident, run_unit, services
from storage.repository import Tx

# sc:<match> share my contact; re:<match> end chat; rt:<match> write to this chat.
CALLBACK_PATTERN = r"^(sc|re|rt):"
_CALLBACK = re.compile(r"^(sc|re|rt):(\d{1,12})$")


async def on_button(update: Update, context: Context) -> None:
    """One of the relayed chat's buttons."""
    press = await pressed(update, _CALLBACK)
    if press is None:
        return
    query, parsed = press
    svc = services(context)
    action, match_id = parsed[1], int(parsed[2])
    user_id = resident(query.from_user, context).user_id

    async def work(tx: Tx) -> Effects:
        relay = svc.sharing.relay
        try:
            if action == "sc":
                return await relay.share_contact(tx, user_id, match_id)
            if action == "re":
                return await relay.end_chat(tx, user_id, match_id)
            return await relay.focus(tx, user_id, match_id)
        except RelayGone:
            raise UserError("relay_gone") from None

    chat_id = query.message.chat.id if query.message else None
    try:
        result = await run_unit(update, context, work)
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    if result is not None:
        # The buttons stay: they sit on the introduction next to "Handed over".
        await query.answer()
