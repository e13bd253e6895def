"""/lang, the private chat's buttons ("lg:…"), and /help: thin adapters to
bot/core/private_chat.py."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.core.effects import Effects
from bot.core.i18n import reader_language, say
from bot.core.private_chat import (
    CALLBACK_PATTERN,
    PRIVATE_BUTTON,
    PrivateAction,
    PrivateChat,
    read_private_press,
)
from bot.core.sharing.service import Resident, UserError
from handlers.buttons import pressed
from handlers.common import Context, explain, reader, resident, run_unit, services

# /start payloads of the deep links below (t.me/<bot>?start=help).
HELP_PAYLOAD = "help"
LANG_PAYLOAD = "lang"


async def lang_command(update: Update, context: Context) -> None:
    """/lang: the language buttons privately; in a group, one line and a link to the chat."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    if message.chat.type != "private":
        await _to_private(message, context, "lang_group", "btn_lang_private", LANG_PAYLOAD)
        return
    who = resident(message.from_user, context)
    await run_unit(update, context, lambda tx: _menu(PrivateChat(svc.sharing), who))


async def _menu(desk: PrivateChat, who: Resident) -> Effects:
    effects = Effects()
    effects.add(desk.language_menu(who))
    return effects


async def help_command(update: Update, context: Context) -> None:
    """/help: in a group one line and a button to the private chat; privately the guide."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    if message.chat.type != "private":
        await _to_private(message, context, "help_group", "btn_help_private", HELP_PAYLOAD)
        return
    setting = reader_language(
        reader(message.from_user, svc) if message.from_user else None, svc.config.bot.language
    )
    await message.reply_text(say(setting, "help"), parse_mode=ParseMode.HTML)


async def _to_private(
    message: Message, context: Context, key: str, button: str, payload: str
) -> None:
    # Said in the group: one line in the group's language(s), no wall of text.
    svc = services(context)
    setting = svc.config.group_language(message.chat_id)
    link = f"https://t.me/{context.bot.username}?start={payload}"
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(say(setting, button).replace("\n", " / "), url=link)]]
    )
    await message.reply_text(say(setting, key), parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: Context) -> None:
    """A press on a language button or on a building question."""
    press_read = await pressed(update, PRIVATE_BUTTON)
    if press_read is None:
        return
    query, found = press_read
    press = read_private_press(found[0])
    if press is None:
        await query.answer()
        return
    svc = services(context)
    who = resident(query.from_user, context)
    desk = PrivateChat(svc.sharing)
    message = query.message if isinstance(query.message, Message) else None
    message_id = message.message_id if message else None
    # The question replied to the resident's own message: their words come back with it.
    asked = message.reply_to_message if message else None
    text = (asked.text or asked.caption) if asked else None

    async def work(tx):  # type: ignore[no-untyped-def]
        if press.action is PrivateAction.LANGUAGE and press.language:
            return await desk.choose_language(tx, who, press.language, message_id)
        if press.action is PrivateAction.FLIP and press.kind:
            return await desk.flip(tx, who, press.kind, text, message_id)
        return await desk.confirm(tx, who, press, text, message_id)

    try:
        await run_unit(update, context, work)
    except UserError as error:
        await query.answer(explain(error, query.from_user, None, svc), show_alert=True)
        return
    await query.answer()


__all__ = [
    "CALLBACK_PATTERN",
    "HELP_PAYLOAD",
    "LANG_PAYLOAD",
    "help_command",
    "lang_command",
    "on_button",
]
