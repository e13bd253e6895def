"""Who may act for a building: a neighbour known to be in one of its groups.

Buttons and deep links reach the bot privately from anyone on Telegram, so acting on an entry
(ask for it, offer it) or choosing a home group needs proof of membership: the resident wrote
in the group, or Telegram's getChatMember said they are in it. Either is trusted for
`FRESH`; after that the handler asks Telegram again (handlers/members.py), so someone who
left the group loses access within a day. Pure core: the facts come from the repository.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.config import Config
from bot.core.effects import Effects
from storage.records import Entry
from storage.repository import Tx

FRESH = timedelta(days=1)
# A "not a member" answer is trusted briefly: long enough that forged presses in a row cost
# one getChatMember, short enough that someone who just joined is not refused for long.
REFUSAL_FRESH = timedelta(minutes=10)
# Statuses Telegram gives a member; "restricted" counts only with is_member (checked apart).
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
# A digest link's token: 16 URL-safe characters (96 random bits), within /start's 64.
TOKEN_BYTES = 12


def groups_reaching(config: Config, entry: Entry) -> tuple[int, ...]:
    """The configured groups whose members matching would put in touch with `entry`."""
    chats: list[int] = []
    for group in config.groups:
        community = config.community_of_group(group)
        if community != entry.community:
            continue
        if (
            config.scope_for(community) == "community"
            or group.building is None
            or entry.building is None
            or group.building == entry.building
        ):
            chats.append(group.chat_id)
    if config.group(entry.chat_id) is not None and entry.chat_id not in chats:
        chats.insert(0, entry.chat_id)
    return tuple(chats)


async def is_member(tx: Tx, user_id: int, chat_ids: tuple[int, ...], now: datetime) -> bool:
    """True if the resident was seen in one of `chat_ids` within FRESH."""
    return await tx.member_since(user_id, chat_ids, now - FRESH)


async def note_joined(
    tx: Tx, chat_id: int, user_ids: tuple[int, ...], now: datetime, *, joined: bool = True
) -> Effects:
    """Residents who joined (or left) a building's group are (or are no longer) its members
    from now, whatever was seen of them before."""
    for user_id in user_ids:
        await tx.note_member(chat_id, user_id, joined, now)
    return Effects()


def new_link_token() -> str:
    """An unguessable name for an entry in a deep link."""
    return secrets.token_urlsafe(TOKEN_BYTES)
