"""/event add|cancel, /events and the event post's buttons: thin adapters to bot.events."""

from __future__ import annotations

import logging
import re

from telegram import Update

from bot.core.effects import Effects
from bot.core.events import (
    EventRefusal,
    add_event,
    attend,
    cancel_event,
    toggle_private_reminder,
    upcoming_events,
)
from bot.core.i18n import reader_language, say
from handlers.buttons import pressed
from handlers.common import Context, refuse_command, resident, run_unit, services
from storage.repository import Tx

logger = logging.getLogger(__name__)

# ev:a:N = "I'll come" for occurrence N; ev:r:N = private reminders for its event.
CALLBACK = re.compile(r"^ev:([ar]):(\d{1,12})$")
CALLBACK_PATTERN = r"^ev:"


async def event_command(update: Update, context: Context) -> None:
    """/event add … | /event cancel N (captains); anything else shows the usage."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    action, _, args = " ".join(context.args or []).partition(" ")
    chat_id, message_id = message.chat_id, message.message_id
    now = svc.clock.now()
    command = {"add": add_event, "cancel": cancel_event}.get(action.lower())
    if command is None:
        await _refuse(update, context, EventRefusal("event_usage"))
        return

    async def work(tx: Tx) -> Effects:
        assert command is not None
        return await command(tx, svc.config, now, who, chat_id, message_id, args)

    try:
        await run_unit(update, context, work)
    except EventRefusal as refusal:
        await _refuse(update, context, refusal)


async def events_command(update: Update, context: Context) -> None:
    """/events: upcoming festivals and events for this group (anyone)."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    chat_id, message_id = message.chat_id, message.message_id
    now = svc.clock.now()
    result: Effects | None = await run_unit(
        update,
        context,
        lambda tx: upcoming_events(tx, svc.config, now, who, chat_id, message_id),
    )
    del result


async def on_event_button(update: Update, context: Context) -> None:
    """ "I'll come" (count once, refresh the post) and "remind me privately" (toggle)."""
    press = await pressed(update, CALLBACK)
    if press is None:
        return
    query, parsed = press
    if query.message is None:
        await query.answer()
        return
    svc = services(context)
    who = resident(query.from_user, context)
    occurrence_id = int(parsed[2])
    chat_id, message_id = query.message.chat.id, query.message.message_id
    now = svc.clock.now()
    toast: list[str] = []

    async def work(tx: Tx) -> Effects:
        assert parsed is not None
        if parsed[1] == "a":
            effects, key = await attend(
                tx, svc.config, now, who, occurrence_id, chat_id, message_id
            )
        else:
            effects = Effects()
            key = await toggle_private_reminder(tx, svc.config, now, who, occurrence_id, chat_id)
        toast.append(key)
        return effects

    await run_unit(update, context, work)
    setting = reader_language(who, svc.config.group_language(chat_id))
    await query.answer(say(setting, toast[0]) if toast else None)


async def _refuse(update: Update, context: Context, refusal: EventRefusal) -> None:
    await refuse_command(update, context, refusal, "event")
