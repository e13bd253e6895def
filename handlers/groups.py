"""The bot's own membership: added to a group the config does not know; supergroup upgrades."""

from __future__ import annotations

import logging

from telegram import Chat, Update, User

from bot.app.reload import apply_chat_aliases
from bot.core.groups import bot_added_to_unknown_group, follow_migration
from bot.core.membership import note_joined
from handlers.common import Context, resident, run_unit, services

logger = logging.getLogger(__name__)

_PRESENT = ("member", "administrator", "creator", "restricted")


async def warn_unknown_group(update: Update, context: Context) -> None:
    """A message from a group the config does not know: logged once, with its chat id."""
    chat = update.effective_chat
    if chat is None or chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return
    svc = services(context)
    if svc.config.group(chat.id) is not None or chat.id in svc.unknown_chats_logged:
        return
    svc.unknown_chats_logged.add(chat.id)
    logger.warning(
        "ignoring group %s (chat_id %s): not in the config; add it under [[groups]] to serve it",
        chat.title or "",
        chat.id,
    )


async def on_my_chat_member(update: Update, context: Context) -> None:
    """The bot's status in a chat changed: joining an unknown group is reported once."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return
    joined = change.old_chat_member.status not in _PRESENT
    if joined and change.new_chat_member.status in _PRESENT:
        await _unknown_group(update, context, change.chat, change.from_user)


async def on_new_members(update: Update, context: Context) -> None:
    """new_chat_members naming the bot (some clients send only this)."""
    message = update.effective_message
    if message is None or not message.new_chat_members:
        return
    if any(member.id == context.bot.id for member in message.new_chat_members):
        await _unknown_group(update, context, message.chat, message.from_user)
        return
    svc = services(context)
    if svc.config.group(message.chat_id) is None:
        return
    # Telegram sends this service message whatever the privacy mode: someone who (re)joins
    # is a neighbour from now, even if a "not a member" answer was remembered minutes ago.
    joined = tuple(m.id for m in message.new_chat_members if not m.is_bot)
    chat_id, now = message.chat_id, svc.clock.now()
    if joined:
        await run_unit(update, context, lambda tx: note_joined(tx, chat_id, joined, now))


async def on_left_member(update: Update, context: Context) -> None:
    """left_chat_member: a resident who leaves (or is removed) acts for the building no more."""
    message = update.effective_message
    gone = message.left_chat_member if message is not None else None
    if message is None or gone is None or gone.is_bot:
        return
    svc = services(context)
    if svc.config.group(message.chat_id) is None:
        return
    chat_id, now = message.chat_id, svc.clock.now()
    await run_unit(
        update, context, lambda tx: note_joined(tx, chat_id, (gone.id,), now, joined=False)
    )


async def _unknown_group(update: Update, context: Context, chat: Chat, by: User | None) -> None:
    svc = services(context)
    if svc.config.group(chat.id) is not None:
        return
    adder = resident(by, context) if by is not None and not by.is_bot else None
    title = chat.title or ""
    await run_unit(
        update,
        context,
        lambda tx: bot_added_to_unknown_group(tx, svc.config, svc.clock, chat.id, title, adder),
    )


async def on_migration(update: Update, context: Context) -> None:
    """migrate_to_chat_id (old chat) / migrate_from_chat_id (new chat): follow the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    svc = services(context)
    title = message.chat.title or ""
    await run_unit(
        update, context, lambda tx: follow_migration(tx, svc.config, svc.clock, old, new, title)
    )
    migrated = apply_chat_aliases(svc.config, {old: new})
    if migrated is not svc.config:
        svc.use_config(migrated, svc.catalogue)
        logger.info("group %s now served under its supergroup id %s", old, new)
