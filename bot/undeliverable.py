"""Who hears of a message that could not be delivered, and what they read.

The outbox sets a message aside when Telegram keeps refusing it or it keeps killing the
sender process (handlers/delivery.py), so the messages after it still go out. Someone must
still learn that a resident or a group missed something: the captains of the building it was
for, and the admins, privately. They read where it was going and Telegram's reason, never
the message itself (a private introduction is not theirs to read).
"""

from __future__ import annotations

from bot.config import Config
from bot.effects import Effect, SendMessage
from bot.i18n import say
from storage.repository import Tx


async def undeliverable_notices(
    tx: Tx, config: Config, outbox_id: int, effect: Effect, reason: str
) -> list[Effect]:
    """Private notes to the building's captains and the admins about a message set aside."""
    chat: int | None = effect.chat_id
    if effect.chat_id > 0:
        user = await tx.user(effect.chat_id)
        chat = user.home_chat_id if user is not None else None
        if chat is None and isinstance(effect, SendMessage) and effect.fallback is not None:
            chat = effect.fallback.chat_id
    group = config.group(chat) if chat is not None else None
    building = group.building if group is not None else None
    people = [*config.captains_of(building), *config.bot.admins]
    # Captains given by @username have no chat the bot can open; a message that failed in
    # someone's own chat is not announced to them in that same chat.
    recipients = dict.fromkeys(p for p in people if isinstance(p, int) and p != effect.chat_id)
    if effect.chat_id < 0:
        where = group.title if group is not None and group.title else str(effect.chat_id)
        key = "undeliverable_group"
    else:
        where = group.title if group is not None and group.title else "—"
        key = "undeliverable_private"
    text = say(config.bot.language, key, id=outbox_id, where=where, reason=reason[:300])
    return [SendMessage(person, text) for person in recipients]
