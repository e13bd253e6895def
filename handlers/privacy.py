"""/privacy and /forgetme: what Jinlin keeps about a resident, and deleting it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.app.menus import refresh_menus
from bot.app.reload import config_with_aliases
from bot.core.captains import button
from bot.core.effects import Effects
from bot.core.i18n import reader_language, say
from bot.core.menus import special_people
from bot.core.privacy import Forgotten, forget
from bot.delivery.bot_calls import keyboard
from handlers.common import Context, reader, run_unit, services
from storage.repository import Tx

logger = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^fm:[yn]$"


def _setting(update: Update, context: Context) -> str:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    fallback = (
        svc.config.group_language(chat.id)
        if chat is not None and chat.type != "private"
        else svc.config.bot.language
    )
    return reader_language(reader(user, svc) if user else None, fallback)


async def privacy_command(update: Update, context: Context) -> None:
    """/privacy: what is stored and for how long, in plain words."""
    message = update.effective_message
    if message is None:
        return
    config = services(context).config
    days, points_days = config.bot.retention_days, config.volunteers.retention_days
    await message.reply_text(
        say(_setting(update, context), "privacy_text", days=days, points_days=points_days),
        parse_mode=ParseMode.HTML,
    )


async def forgetme_command(update: Update, context: Context) -> None:
    """/forgetme: ask to confirm (private chat only: the button must be the resident's)."""
    message = update.effective_message
    if message is None:
        return
    setting = _setting(update, context)
    if message.chat.type != "private":
        await message.reply_text(say(setting, "use_private"), parse_mode=ParseMode.HTML)
        return
    buttons = (
        (
            button(setting, "btn_forget_yes", "fm:y"),
            button(setting, "btn_forget_no", "fm:n"),
        ),
    )
    # Sent directly, not through the outbox: nothing about this stays in the database.
    await message.reply_text(
        say(setting, "forget_confirm"), parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
    )


async def on_button(update: Update, context: Context) -> None:
    """Confirm or cancel /forgetme."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    svc = services(context)
    setting = _setting(update, context)
    if query.message.chat.type != "private" or query.message.chat.id != query.from_user.id:
        await query.answer()
        return
    if query.data != "fm:y":
        await query.answer()
        await _edit(query, say(setting, "forget_cancelled"))
        return
    done: list[Forgotten] = []
    user_id = query.from_user.id
    had_menu = user_id in special_people(svc.config)

    async def work(tx: Tx) -> Effects:
        result = await forget(tx, svc.sharing, user_id)
        done.append(result)
        return result.effects

    await run_unit(update, context, work)
    await query.answer()
    if done and had_menu:
        # A captain added from Telegram stops being one at once (the config file's stay),
        # and their own menu goes: the bot no longer knows them (a /start sets it again).
        svc.use_config(await config_with_aliases(svc.repo, svc.config), svc.catalogue)
        await refresh_menus(context.bot, svc)
    if done:
        result = done[0]
        text = say(
            setting,
            "forget_done",
            entries=result.entries,
            matches=result.matches,
            reports=result.reports,
        )
        await _edit(query, text)


async def _edit(query: object, text: str) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)  # type: ignore[attr-defined]
    except BadRequest as exc:
        logger.debug("could not edit the /forgetme prompt: %s", exc)
