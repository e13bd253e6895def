"""/start and /mine: what a resident can always ask for (/help: handlers/private_chat.py)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app.menus import refresh_menus
from bot.core.effects import Effects, SendMessage, decode
from bot.core.i18n import say
from bot.core.private_chat import PrivateChat
from handlers.common import Context, resident, run_unit, services
from handlers.digest import start_payload
from handlers.members import confirm_for_link
from handlers.private_chat import HELP_PAYLOAD, LANG_PAYLOAD, help_command

logger = logging.getLogger(__name__)


async def start_command(update: Update, context: Context) -> None:
    """/start [payload]: open the private chat and receive what was waiting."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    if message.chat.type != "private":
        await help_command(update, context)
        return
    who = resident(message.from_user, context)
    payload = context.args[0] if context.args else ""
    if payload.startswith("e"):
        await confirm_for_link(context, who.user_id, payload)  # digest links: e<token>

    desk = PrivateChat(svc.sharing)

    async def work(tx):  # type: ignore[no-untyped-def]
        effects, pending = await svc.sharing.start(tx, who)
        effects.extend(await start_payload(tx, svc, who, payload))
        if payload == HELP_PAYLOAD:
            effects.add(SendMessage(who.user_id, say(desk.setting(who), "help")))
        if payload == LANG_PAYLOAD or (who.language is None and not payload and not pending):
            # Offered on a plain /start until chosen (many Chinese residents run Telegram in
            # English); not in the way of what a link or a waiting message brought them for.
            effects.add(desk.language_menu(who))
        # What waited goes out through the outbox, taken from the waiting list in the same
        # transaction: a crash or a flood wait cannot lose it, nor send it twice.
        for raw in pending:
            try:
                effects.add(decode(raw))
            except (ValueError, TypeError, KeyError):
                logger.error("a waiting message for %s could not be read; dropped", who.user_id)
        return effects

    await run_unit(update, context, work)
    if svc.config.is_captain(who.user_id, who.username) or svc.config.is_admin(
        who.user_id, who.username
    ):
        # Their own menu may have been refused before they opened the chat: set it now.
        await refresh_menus(context.bot, svc)


async def mine_command(update: Update, context: Context) -> None:
    """/mine: the resident's open listings, sent privately."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    result: Effects | None = await run_unit(update, context, lambda tx: svc.sharing.mine(tx, who))
    del result
