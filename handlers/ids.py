"""/id: the numbers an admin needs for the config, found through the bot itself."""

from __future__ import annotations

import logging

from telegram import Chat, Update, User
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import Forbidden, TelegramError

from bot.core.i18n import reader_language, say
from handlers.common import Context, reader, services

logger = logging.getLogger(__name__)

_CHAT_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def id_command(update: Update, context: Context) -> None:
    """/id: privately your user id; in a group its chat and topic ids, for admins only."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    user = message.from_user
    chat = message.chat
    setting = reader_language(reader(user, svc), svc.config.bot.language)
    if chat.type == Chat.PRIVATE:
        await message.reply_text(
            say(setting, "id_private", user_id=user.id), parse_mode=ParseMode.HTML
        )
        return
    if not await _may_see_ids(context, chat, user):
        # A resident's /id in a group: no answer there, the group is not spammed with numbers.
        logger.info("/id in %s from a non-admin; not answered", chat.id)
        return
    group = svc.config.group(chat.id)
    topic = message.message_thread_id if message.is_topic_message else None
    lines = [say(setting, "id_group", title=chat.title or "", chat_id=chat.id)]
    lines.append(
        say(setting, "id_topic", topic=topic) if topic is not None else say(setting, "id_no_topic")
    )
    if group is None:
        lines.append(say(setting, "id_group_unknown", chat_id=chat.id))
    else:
        lines.append(say(setting, "id_group_known", served=group.building or group.community))
    text = "\n".join(lines)
    # The ids go privately when the admin has opened the bot; otherwise as a short reply.
    try:
        await context.bot.send_message(user.id, text, parse_mode=ParseMode.HTML)
    except Forbidden:
        await message.reply_text(text, parse_mode=ParseMode.HTML)


async def _may_see_ids(context: Context, chat: Chat, user: User) -> bool:
    """Configured admins, and the group's own administrators (asked of Telegram)."""
    svc = services(context)
    if svc.config.is_admin(user.id, user.username):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        logger.info("/id: getChatMember %s in %s failed: %s", user.id, chat.id, exc)
        return False
    return member.status in _CHAT_ADMINS


__all__ = ["id_command"]
