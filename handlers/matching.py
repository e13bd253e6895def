"""Buttons and private replies around a match: Yes/No, handed over, withdraw, keep."""

from __future__ import annotations

from telegram import Update

from bot.core.effects import Effects
from bot.core.private_chat import PrivateChat
from bot.core.sharing.service import UserError
from bot.core.sharing.vocabulary import SHARING_BUTTON, MatchAction, read_sharing_press
from handlers.buttons import drop_buttons, pressed
from handlers.common import Context, explain, resident, run_unit, services
from handlers.members import confirm_some_group


async def on_button(update: Update, context: Context) -> None:
    """Every inline button press of the sharing flow."""
    press = await pressed(update, SHARING_BUTTON)
    if press is None:
        return
    query, parsed = press
    button = read_sharing_press(parsed[0])
    if button is None:
        return
    svc = services(context)
    action, number = button.action, button.number
    who = resident(query.from_user, context)
    sharing = svc.sharing

    async def work(tx):  # type: ignore[no-untyped-def]
        if action is MatchAction.HANDED_OVER:
            return await sharing.handed_over(tx, who, number)
        if isinstance(action, MatchAction):
            return await sharing.answer(tx, who, number, yes=action is MatchAction.ACCEPT)
        return await sharing.close_own(tx, who, number, action)

    chat_id = query.message.chat.id if query.message else None
    try:
        result: Effects | None = await run_unit(update, context, work)
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)
        return
    await query.answer()
    if result is not None and isinstance(action, MatchAction) and query.message is not None:
        await drop_buttons(query)  # the choice is made


async def on_private_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: a giver's pickup note, a message for the other side of a
    match, else an offer or a request written privately (bot/core/private_chat.py)."""
    message = update.effective_message
    if message is None or message.from_user is None or not message.text:
        return
    svc = services(context)
    who = resident(message.from_user, context, writing=message.text)
    text, message_id = message.text, message.message_id
    await confirm_some_group(context, who.user_id)

    async def work(tx):  # type: ignore[no-untyped-def]
        effects = await svc.sharing.private_text(tx, who, text)
        if not effects:
            effects = await PrivateChat(svc.sharing).free_text(tx, who, message_id, text)
        return effects

    await run_unit(update, context, work)
