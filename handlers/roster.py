"""/captain add|remove and /captains: admins change a building's captains from Telegram.

Thin adapter over bot/core/captain_roster.py. After a change the served config is merged
again from the database (effective for the next update) and the menus follow.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.app.menus import refresh_menus
from bot.app.reload import config_with_aliases
from bot.app.services import Services
from bot.core.captain_roster import RosterDesk, RosterError, RosterOutcome
from bot.core.captains import Where, reader_setting
from bot.core.effects import Effects
from bot.core.i18n import say
from bot.core.sharing.service import Resident
from handlers.common import Context, resident, run_unit, services
from storage.repository import Tx


def _where(message: Message) -> Where:
    return Where(chat_id=message.chat_id, private=message.chat.type == "private")


def _replied(message: Message, context: Context) -> tuple[Resident | None, bool]:
    """The person whose message the command replies to, and whether it is a bot.

    In a forum topic every message "replies" to the topic's first service message: that is
    no one's choice of a person.
    """
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.forum_topic_created is not None:
        return None, False
    return resident(reply.from_user, context), reply.from_user.is_bot


async def _refused(message: Message, svc: Services, who: Resident, error: RosterError) -> None:
    setting = reader_setting(svc.config, who, _where(message))
    await message.reply_text(say(setting, error.key, **error.params), parse_mode=ParseMode.HTML)


async def captain_command(update: Update, context: Context) -> None:
    """/captain add|remove [building] [@username|id], or replying to the person's message."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    replied, is_bot = _replied(message, context)
    outcomes: list[RosterOutcome] = []

    async def work(tx: Tx) -> Effects:
        desk = RosterDesk(svc.config, svc.clock)
        outcome = await desk.change(
            tx, who, _where(message), list(context.args or []), replied, replied_is_bot=is_bot
        )
        outcomes.append(outcome)
        return outcome.effects

    try:
        await run_unit(update, context, work)
    except RosterError as error:
        await _refused(message, svc, who, error)
        return
    if outcomes and outcomes[-1].changed:
        # Every rule asks the served config "is this a captain?": merge the roster in now.
        svc.use_config(await config_with_aliases(svc.repo, svc.config), svc.catalogue)
        await refresh_menus(context.bot, svc)


async def captains_command(update: Update, context: Context) -> None:
    """/captains [building]: who the captains are, from the config file or added by whom."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)

    async def work(tx: Tx) -> Effects:
        return await RosterDesk(svc.config, svc.clock).listing(
            tx, who, _where(message), list(context.args or [])
        )

    try:
        await run_unit(update, context, work)
    except RosterError as error:
        await _refused(message, svc, who, error)


__all__ = ["captain_command", "captains_command"]
