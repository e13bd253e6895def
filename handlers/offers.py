"""Group messages and /offer, /need: from a chat line to the ledger."""

from __future__ import annotations

import time
from typing import Literal

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.core.private_chat import PrivateChat
from bot.core.sharing.service import GroupMessage, UserError
from handlers.common import Context, explain, resident, run_unit, services
from handlers.members import confirm_some_group


def group_message(message: Message, text: str) -> GroupMessage:
    """The parts of a Telegram message the core needs."""
    reply = message.reply_to_message
    return GroupMessage(
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=text,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_to_message_id=reply.message_id if reply else None,
        reply_to_text=(reply.text or reply.caption) if reply else None,
        photo=message.photo[-1].file_id if message.photo else None,
        reply_to_user_id=reply.from_user.id if reply and reply.from_user else None,
    )


async def on_group_text(update: Update, context: Context) -> None:
    """Any text or captioned photo in a group: maybe an offer or a request."""
    message = update.effective_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    if message.forward_origin is not None:
        # A forwarded notice is someone else's words, not the forwarder's own offer or need.
        return
    text = message.text or message.caption or ""
    if not text.strip():
        return
    svc = services(context)
    who = resident(message.from_user, context, writing=text)
    line = group_message(message, text)
    started = time.perf_counter()
    parsed = svc.sharing.read(line)
    svc.metrics.parse_seconds.observe(time.perf_counter() - started)
    if svc.sharing.only_remembers(line, parsed) and svc.repo.user_unchanged(
        svc.sharing.profile(who, home_chat_id=line.chat_id), svc.clock.now()
    ):
        # Chatter from a resident the database already knows as is: nothing to write or
        # send, so no transaction (most group traffic). Applying it twice would change
        # nothing either, so it needs no exactly-once claim.
        return
    # The busiest unit: it keeps every effect in the transaction, so it may claim last.
    await run_unit(
        update,
        context,
        lambda tx: svc.sharing.on_group_message(tx, who, line, parsed),
        claim_last=True,
    )


async def _explicit(update: Update, context: Context, kind: Literal["offer", "request"]) -> None:
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    args = " ".join(context.args or [])
    private = message.chat.type == "private"
    if private:
        await confirm_some_group(context, who.user_id)

    async def work(tx):  # type: ignore[no-untyped-def]
        if private:  # recorded for the resident's building (bot/core/private_chat.py)
            return await PrivateChat(svc.sharing).explicit(tx, who, message.message_id, kind, args)
        return await svc.sharing.on_explicit(tx, who, group_message(message, args), kind, args)

    try:
        await run_unit(update, context, work)
    except UserError as error:
        await message.reply_text(
            explain(error, message.from_user, message.chat_id, svc), parse_mode=ParseMode.HTML
        )


async def offer_command(update: Update, context: Context) -> None:
    """/offer item [amount]"""
    await _explicit(update, context, "offer")


async def need_command(update: Update, context: Context) -> None:
    """/need item"""
    await _explicit(update, context, "request")
