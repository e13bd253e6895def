"""Asking Telegram whether a resident is in a group, when the database does not know lately.

The core decides who may act for a building (bot/core/membership.py) from what the repository
holds; this adapter refreshes that fact with getChatMember before the unit of work runs.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.membership import FRESH, MEMBER_STATUSES, REFUSAL_FRESH, groups_reaching
from bot.core.sharing.entry_actions import entry_of_link
from handlers.common import Context, services
from storage.repository import Tx

logger = logging.getLogger(__name__)

# A resident is asked about at most this many groups per press (a community may have many).
MAX_ASKED = 4


def counts_as_member(member: ChatMember) -> bool:
    """Telegram's answer read as "is in the group" (restricted members may still be in it)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in MEMBER_STATUSES


async def confirm_membership(context: Context, user_id: int, chat_ids: tuple[int, ...]) -> None:
    """Make sure the repository knows, as of today, whether `user_id` is in one of `chat_ids`."""
    svc = services(context)
    now = svc.clock.now()
    async with svc.repo.statements() as tx:
        if await tx.member_since(user_id, chat_ids, now - FRESH):
            return
        refused = await tx.refused_since(user_id, chat_ids, now - REFUSAL_FRESH)
    for chat_id in [c for c in chat_ids if c not in refused][:MAX_ASKED]:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except (BadRequest, Forbidden) as exc:
            # "user not found", "chat not found", the bot removed from the group: not shown
            # to be a member. Recorded, so the next press does not ask again at once.
            logger.info("getChatMember %s in %s: %s", user_id, chat_id, exc.message)
            found = False
        except TelegramError as exc:
            logger.warning("getChatMember %s in %s failed: %s", user_id, chat_id, exc)
            continue  # unknown: not recorded either way, the press is refused this time
        else:
            found = counts_as_member(member)

        async def note(tx: Tx, chat_id: int = chat_id, found: bool = found) -> None:
            await tx.note_member(chat_id, user_id, found, now)

        await svc.repo.run(note)
        if found:
            return


async def confirm_some_group(context: Context, user_id: int) -> None:
    """Before a private offer or request: a resident who never wrote in their building's group
    may still be in it — Telegram is asked about the configured groups (at most MAX_ASKED)."""
    groups = tuple(g.chat_id for g in services(context).config.groups)
    await confirm_membership(context, user_id, groups)


async def confirm_for_entry(context: Context, user_id: int, entry_id: int) -> None:
    """The groups that may act on entry `entry_id`: known, or asked, before the unit runs."""
    svc = services(context)
    async with svc.repo.statements() as tx:
        entry = await tx.entry(entry_id)
    if entry is not None and entry.user_id != user_id:
        await confirm_membership(context, user_id, groups_reaching(svc.config, entry))


async def confirm_for_link(context: Context, user_id: int, payload: str) -> None:
    """Same, for a digest link's /start payload."""
    svc = services(context)
    async with svc.repo.statements() as tx:
        entry = await entry_of_link(tx, payload)
    if entry is not None and entry.user_id != user_id:
        await confirm_membership(context, user_id, groups_reaching(svc.config, entry))
