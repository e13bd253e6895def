"""Groups the config does not know, and groups upgraded to supergroups."""

from __future__ import annotations

import logging
from html import escape

from bot.core.captains import local_date
from bot.core.clock import Clock
from bot.core.config import Config, admin_ids
from bot.core.effects import Effects, Fallback, SendMessage
from bot.core.i18n import Markup, reader_language, say
from bot.core.sharing.service import Resident
from storage.repository import Tx

logger = logging.getLogger(__name__)


async def bot_added_to_unknown_group(
    tx: Tx, config: Config, clock: Clock, chat_id: int, title: str, adder: Resident | None
) -> Effects:
    """One polite word to whoever added the bot, and the admins told with the chat id.

    Only the first time: Telegram sends both my_chat_member and new_chat_members.
    """
    effects = Effects()
    if config.group(chat_id) is not None:
        return effects
    if not await tx.note_unknown_group(
        chat_id, title, adder.user_id if adder else None, clock.now()
    ):
        return effects
    logger.warning(
        "added to group %s (chat_id %s) which is not in the config: add it under [[groups]] "
        "and reload to serve it",
        title,
        chat_id,
    )
    if not admin_ids(config):
        logger.warning("no admin to tell: bot.admins has no numeric user id")
    if adder is not None:
        setting = reader_language(adder, config.bot.language)
        mention = Markup(f'<a href="tg://user?id={adder.user_id}">{escape(adder.first_name)}</a>')
        effects.add(
            SendMessage(
                chat_id=adder.user_id,
                text=say(setting, "unknown_group_adder", title=title),
                # Not reachable privately: one line in the group instead.
                fallback=Fallback(
                    chat_id=chat_id,
                    user_id=adder.user_id,
                    text=Markup(f"{mention}: ") + say(setting, "unknown_group_adder", title=title),
                    button=say(setting, "btn_open_private").replace("\n", " / "),
                ),
            )
        )
    who = adder.first_name if adder else "?"
    for admin in admin_ids(config):
        effects.add(
            SendMessage(
                chat_id=admin,
                text=say(
                    config.bot.language,
                    "unknown_group_admin",
                    who=who,
                    title=title,
                    chat_id=chat_id,
                ),
            )
        )
    return effects


async def follow_migration(
    tx: Tx, config: Config, clock: Clock, old_chat_id: int, new_chat_id: int, title: str
) -> Effects:
    """A group became a supergroup: stored chat references follow, admins are told once."""
    effects = Effects()
    if not await tx.add_chat_alias(old_chat_id, new_chat_id, clock.now()):
        return effects  # the other half of the pair of service messages
    changed = await tx.follow_chat_migration(old_chat_id, new_chat_id)
    logger.info("chat %s migrated to %s: %s", old_chat_id, new_chat_id, changed)
    await tx.add_audit(
        clock.now(),
        0,
        "chat_migrated",
        target=f"{old_chat_id} -> {new_chat_id}",
        detail=local_date(config, clock.now()),
    )
    if config.group(old_chat_id) is None and config.group(new_chat_id) is None:
        return effects
    for admin in admin_ids(config):
        effects.add(
            SendMessage(
                chat_id=admin,
                text=say(
                    config.bot.language,
                    "migrated_admin",
                    title=title,
                    old=old_chat_id,
                    new=new_chat_id,
                ),
            )
        )
    return effects
