"""/digest for captains, the scheduled digests of upkeep, and /start e<token> deep links."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.app.services import Services
from bot.core.digest import DigestService
from bot.core.effects import Effects
from bot.core.sharing.entry_actions import show_entry
from bot.core.sharing.service import Resident, UserError
from handlers.common import Context, explain, resident, run_unit, services
from storage.repository import Tx


def digest_service(svc: Services) -> DigestService:
    return DigestService(svc.config, svc.catalogue, svc.clock)


async def digest_command(update: Update, context: Context) -> None:
    """/digest: a captain asks for the open entries now (group, or privately for all theirs)."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    chat_id = message.chat_id
    private = message.chat.type == "private"
    username = context.bot.username
    digests = digest_service(svc)
    try:
        await run_unit(
            update,
            context,
            lambda tx: digests.on_demand(tx, who, chat_id, private=private, bot_username=username),
        )
    except UserError as error:
        await message.reply_text(
            explain(error, message.from_user, chat_id, svc), parse_mode=ParseMode.HTML
        )


async def start_payload(tx: Tx, svc: Services, who: Resident, payload: str) -> Effects:
    """/start e<token>: show that entry privately (other payloads: nothing here)."""
    return await show_entry(tx, svc.sharing, who, payload)
