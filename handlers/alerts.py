"""/alert, /alerts, /unalert and the alert and entry buttons: thin adapters to the core."""

from __future__ import annotations

import re
from typing import Literal

from telegram import Update, User
from telegram.constants import ParseMode

from bot.core.alerts import AlertError, AlertService, Subscriber
from bot.core.effects import Effects
from bot.core.i18n import reader_language, say
from bot.core.sharing.entry_actions import CALLBACK as ENTRY_CALLBACK
from bot.core.sharing.entry_actions import act_on_entry
from bot.core.sharing.service import UserError
from handlers.buttons import drop_buttons, pressed
from handlers.common import Context, explain, reader, resident, run_unit, services
from handlers.members import confirm_for_entry, confirm_membership

# al:x:N remove, al:n:N renew, al:h:CHAT pick the home group.
CALLBACK = re.compile(r"^al:([xnh]):(-?\d{1,16})$")
CALLBACK_PATTERN = r"^al:"
ENTRY_CALLBACK_PATTERN = r"^e[ao]:"


def subscriber(user: User) -> Subscriber:
    return Subscriber(user.id, user.first_name or "", user.username, user.language_code)


def _alerts(context: Context) -> AlertService:
    svc = services(context)
    return AlertService(svc.config, svc.catalogue, svc.clock)


async def _refuse(update: Update, context: Context, error: AlertError) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    setting: str = svc.config.group_language(message.chat_id)
    if message.from_user is not None:
        setting = reader_language(reader(message.from_user, svc), setting)
    await message.reply_text(say(setting, error.key, **error.params), parse_mode=ParseMode.HTML)


async def alert_command(update: Update, context: Context) -> None:
    """/alert WORD: subscribe (in private, or in the building group, which sets home)."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who = subscriber(message.from_user)
    query = " ".join(context.args or [])
    chat_id = None if message.chat.type == "private" else message.chat_id
    alerts = _alerts(context)
    try:
        await run_unit(update, context, lambda tx: alerts.subscribe(tx, who, query, chat_id))
    except AlertError as error:
        await _refuse(update, context, error)


async def alerts_command(update: Update, context: Context) -> None:
    """/alerts: the resident's alerts, privately, each with a remove button."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who = subscriber(message.from_user)
    alerts = _alerts(context)
    result: Effects | None = await run_unit(update, context, lambda tx: alerts.listing(tx, who))
    del result


async def unalert_command(update: Update, context: Context) -> None:
    """/unalert N: remove alert number N of /alerts."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who = subscriber(message.from_user)
    number = " ".join(context.args or [])
    alerts = _alerts(context)
    try:
        await run_unit(update, context, lambda tx: alerts.remove_number(tx, who, number))
    except AlertError as error:
        await _refuse(update, context, error)


async def on_alert_button(update: Update, context: Context) -> None:
    """Remove, renew and home-group buttons of alert messages."""
    press = await pressed(update, CALLBACK)
    if press is None:
        return
    query, parsed = press
    action, number = parsed[1], int(parsed[2])
    who = subscriber(query.from_user)
    alerts = _alerts(context)
    if action == "h" and services(context).config.group(number) is not None:
        await confirm_membership(context, who.user_id, (number,))

    async def work(tx):  # type: ignore[no-untyped-def]
        if action == "x":
            return await alerts.remove(tx, who, number)
        if action == "n":
            return await alerts.renew(tx, who, number)
        return await alerts.set_home(tx, who, number)

    try:
        result = await run_unit(update, context, work)
    except AlertError as error:
        setting = reader_language(
            resident(query.from_user, context), services(context).config.bot.language
        )
        await query.answer(say(setting, error.key, **error.params), show_alert=True)
        return
    await query.answer()
    if result is not None and action in "nh" and query.message is not None:
        await drop_buttons(query)


async def on_entry_button(update: Update, context: Context) -> None:
    """ "I'd like it" / "I can give it" from an alert or a digest link."""
    press = await pressed(update, ENTRY_CALLBACK)
    if press is None:
        return
    query, parsed = press
    svc = services(context)
    who = resident(query.from_user, context)
    action: Literal["a", "o"] = "a" if parsed[1] == "a" else "o"
    entry_id = int(parsed[2])
    chat_id = query.message.chat.id if query.message else None
    await confirm_for_entry(context, who.user_id, entry_id)
    try:
        result = await run_unit(
            update, context, lambda tx: act_on_entry(tx, svc.sharing, who, action, entry_id)
        )
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    await query.answer()
    if result is not None:
        await drop_buttons(query)
