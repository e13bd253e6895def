"""Acting privately on a neighbour's entry: from an alert's button or a digest's deep link.

"I'd like it" records a request for the resident and "I can give it" records an offer,
both through SharingService.on_explicit (the /need and /offer path), so matching, holds,
medicine notes and alerts behave exactly as for a message typed in the group. The group
acknowledgement that path produces is dropped: the resident acted in private.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from bot.core.effects import Button, Effects, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.membership import groups_reaching, is_member
from bot.core.redaction import redact
from bot.core.sharing.amounts import said_amount
from bot.core.sharing.ledger_rules import is_open
from bot.core.sharing.service import GroupMessage, Resident, SharingService, UserError
from bot.core.sharing.vocabulary import OfferStatus, RequestStatus
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)

# /start e<token> shows the entry of that token (digest links: a token, never the sequential
# id, so entries cannot be listed by counting); ea:N asks for offer N, eo:N offers for request N.
START_ENTRY = re.compile(r"^e([A-Za-z0-9_-]{16,40})$")
CALLBACK = re.compile(r"^e([ao]):(\d{1,12})$")
CALLBACK_PATTERN = r"^e[ao]:"
# Entries recorded from a private action carry no group message.
NO_MESSAGE = 0

# An entry a neighbour may still ask for or offer to.
_ASKABLE = (OfferStatus.AVAILABLE, RequestStatus.OPEN)


def _label(setting: str, key: str) -> str:
    return say(setting, key).replace("\n", " / ")


async def _setting(tx: Tx, sharing: SharingService, who: Resident) -> str:
    user = await tx.user(who.user_id)
    home = user.home_chat_id if user and user.home_chat_id else None
    group_setting = sharing.config.group_language(home) if home else sharing.config.bot.language
    return reader_language(who, group_setting)


def _place(sharing: SharingService, entry: Entry) -> str:
    building = sharing.config.building(entry.building)
    if building is not None:
        return building.name
    community = next((c for c in sharing.config.communities if c.key == entry.community), None)
    return community.name if community else ""


async def entry_of_link(tx: Tx, payload: str) -> Entry | None:
    """The entry a /start payload's token names, if any."""
    found = START_ENTRY.match(payload or "")
    if found is None:
        return None
    entry_id = await tx.entry_by_token(found[1])
    return await tx.entry(entry_id) if entry_id is not None else None


async def show_entry(tx: Tx, sharing: SharingService, who: Resident, payload: str) -> Effects:
    """/start e<token>: the entry privately, with a button to ask for it or to offer it."""
    effects = Effects()
    if not payload.startswith("e"):
        return effects
    entry = await entry_of_link(tx, payload)
    setting = await _setting(tx, sharing, who)
    if entry is None or not is_open(entry) or entry.status not in _ASKABLE:
        effects.add(SendMessage(chat_id=who.user_id, text=say(setting, "entry_gone")))
        return effects
    if entry.user_id != who.user_id and not await _may_act(tx, sharing, who, entry):
        effects.add(SendMessage(chat_id=who.user_id, text=say(setting, "not_member")))
        return effects
    key = "entry_show_offer" if entry.kind == "offer" else "entry_show_request"
    text = say(
        setting,
        key,
        item=redact(entry.item_name),
        qty=said_amount(entry.available if entry.quantity else None, entry.unit),
        building=_place(sharing, entry),
    )
    if entry.user_id == who.user_id:
        text += "\n" + say(setting, "entry_is_yours")
        effects.add(SendMessage(chat_id=who.user_id, text=text))
        return effects
    action = "a" if entry.kind == "offer" else "o"
    button = "btn_entry_ask" if entry.kind == "offer" else "btn_entry_give"
    effects.add(
        SendMessage(
            chat_id=who.user_id,
            text=text,
            buttons=((Button(_label(setting, button), data=f"e{action}:{entry.id}"),),),
        )
    )
    return effects


async def act_on_entry(
    tx: Tx, sharing: SharingService, who: Resident, action: Literal["a", "o"], entry_id: int
) -> Effects:
    """Ask for offer `entry_id` ('a') or offer the item of request `entry_id` ('o')."""
    entry = await tx.entry(entry_id)
    wanted_kind = "offer" if action == "a" else "request"
    if entry is None or entry.kind != wanted_kind or entry.status not in _ASKABLE:
        raise UserError("entry_gone")
    if entry.user_id == who.user_id:
        raise UserError("entry_own")
    if not await _may_act(tx, sharing, who, entry):
        logger.info("user %s is not known in a group of entry #%s: refused", who.user_id, entry.id)
        raise UserError("not_member")
    kind: Literal["offer", "request"] = "request" if action == "a" else "offer"
    for mine in await tx.open_entries_of(who.user_id):
        if mine.kind == kind and mine.canonical == entry.canonical:
            raise UserError("entry_already")
    chat_id = await _chat_for(tx, sharing, who, entry)
    message = GroupMessage(chat_id=chat_id, message_id=NO_MESSAGE, text=entry.item_name)
    recorded = await sharing.on_explicit(tx, who, message, kind, entry.item_name)
    logger.info("user %s %s entry #%s privately", who.user_id, kind, entry.id)
    effects = Effects()
    # Keep what goes to people privately; the group never hears of a private action.
    effects.items.extend(e for e in recorded.items if e.chat_id > 0)
    setting = await _setting(tx, sharing, who)
    done = "entry_asked" if kind == "request" else "entry_offered"
    effects.items.insert(
        0, SendMessage(chat_id=who.user_id, text=say(setting, done, item=redact(entry.item_name)))
    )
    return effects


async def _may_act(tx: Tx, sharing: SharingService, who: Resident, entry: Entry) -> bool:
    chats = groups_reaching(sharing.config, entry)
    return await is_member(tx, who.user_id, chats, sharing.clock.now())


async def _chat_for(tx: Tx, sharing: SharingService, who: Resident, entry: Entry) -> int:
    """The resident's own group when matching there reaches the entry, else the entry's group."""
    config = sharing.config
    user = await tx.user(who.user_id)
    home = config.group(user.home_chat_id) if user and user.home_chat_id else None
    if home is None or config.community_of_group(home) != entry.community:
        return entry.chat_id
    if home.building == entry.building or config.scope_for(entry.community) == "community":
        return home.chat_id
    return entry.chat_id
