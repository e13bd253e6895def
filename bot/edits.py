"""A resident edits an offer or request they posted: the ledger follows the message.

Telegram sends an edited message as its own update. The entries recorded from that message
(same chat and message id, same author) are brought in line with the new text:

- "已送出", "given away", "no longer available"… closes them (offers given, requests cancelled);
- a new amount of the same item revises the entry in place (what was handed over or is
  promised to a neighbour stays counted);
- a different item closes the old entries as "removed" and records the message afresh;
- an edit that turns plain chatter into an offer or request records it like a new message.

A message the author deletes is not reported to bots; the resident withdraws it with /mine.
"""

from __future__ import annotations

import logging
import re

from bot.effects import Effects, React
from bot.ledger_rules import is_open
from bot.redaction import kept_text
from bot.sharing import GroupMessage, Resident, SharingService
from bot.understanding import understand
from storage.records import Entry
from storage.repository import Tx

logger = logging.getLogger(__name__)

# An edit that says the thing is gone (offers) or no longer needed (requests).
_GONE = re.compile(
    r"已送出|已经送出|送出了|已送走|送走了|已借出|借出去了|已被领|已领走|被领走|已经没了|没有了|已无|"
    r"已解决|解决了|不需要了|不用了|已找到|找到了|已收到|"
    r"given\s+away|gone\b|no\s+longer\s+(?:available|needed)|not\s+available\s+any\s*more|"
    r"been\s+taken|all\s+taken|\btaken\b|found\s+(?:one|it)|got\s+(?:one|it)|\bsorted\b",
    re.IGNORECASE,
)
REVISED = "✍"
CLOSED = "👌"


def says_gone(text: str) -> bool:
    """True if an edited text announces the item is gone or no longer needed."""
    return bool(_GONE.search(text))


class EditService:
    """Applies a resident's message edits to the entries recorded from that message."""

    def __init__(self, sharing: SharingService) -> None:
        self.sharing = sharing

    async def on_edited(self, tx: Tx, who: Resident, msg: GroupMessage) -> Effects:
        """The edited text of `msg` replaces what Jinlin recorded from it."""
        if self.sharing.config.group(msg.chat_id) is None:
            return Effects()
        recorded = await tx.entries_for_message(msg.chat_id, msg.message_id)
        mine = [e for e in recorded if e.user_id == who.user_id and is_open(e)]
        if not recorded:
            return await self.sharing.on_group_message(tx, who, msg)
        if not mine:
            return Effects()  # closed already (or someone else's): the edit changes nothing
        if says_gone(msg.text):
            return await self._close(tx, mine, msg)
        parsed = understand(msg.text, self.sharing.catalogue)
        if parsed.intent == "none" or not parsed.items:
            return Effects()  # we cannot tell what changed; keep the entries as they were
        if (
            len(mine) == 1
            and len(parsed.items) == 1
            and parsed.items[0].canonical == mine[0].canonical
            and parsed.intent == mine[0].kind
        ):
            quantity = parsed.quantity
            return await self._revise(
                tx,
                mine[0],
                msg,
                quantity.n if quantity else None,
                quantity.unit if quantity else None,
            )
        effects = Effects()
        for entry in mine:
            effects.extend(await self.sharing.close_entry(tx, entry, "removed"))
        logger.info("edit replaced entries %s (chat %s)", [e.id for e in mine], msg.chat_id)
        effects.extend(await self.sharing.on_group_message(tx, who, msg))
        return effects

    async def _close(self, tx: Tx, entries: list[Entry], msg: GroupMessage) -> Effects:
        effects = Effects()
        for entry in entries:
            status = "given" if entry.kind == "offer" else "cancelled"
            effects.extend(await self.sharing.close_entry(tx, entry, status))
            logger.info("edit closed entry #%s as %s", entry.id, status)
        effects.add(React(msg.chat_id, msg.message_id, CLOSED))
        return effects

    async def _revise(
        self, tx: Tx, entry: Entry, msg: GroupMessage, quantity: float | None, unit: str | None
    ) -> Effects:
        effects = Effects()
        if quantity == entry.quantity and (unit or entry.unit) == entry.unit:
            return effects  # a typo fixed elsewhere in the text
        settled = (entry.quantity or 1.0) - entry.remaining  # already handed over
        remaining = max((quantity or 1.0) - settled, entry.held, 0.0)
        await tx.revise_amount(
            entry.id, quantity, unit or entry.unit, remaining, kept_text(msg.text)
        )
        logger.info("edit revised entry #%s: amount %s -> %s", entry.id, entry.quantity, quantity)
        effects.add(React(msg.chat_id, msg.message_id, REVISED))
        fresh = await tx.entry(entry.id)
        if fresh is not None and remaining > entry.remaining:
            effects.extend(await self.sharing.rematch(tx, fresh))
        return effects
