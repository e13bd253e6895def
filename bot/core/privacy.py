"""Residents' privacy: what is kept (/privacy), forgetting a resident (/forgetme) and
purging closed history after the configured retention period.

Forgetting keeps only what another neighbour still needs: a completed hand-over stays in the
ledger for the other side with the forgotten resident's id replaced by 0 and their words
removed. Everything else about them is deleted from Jinlin's own tables, found by the ids
stored with each row (messages keep whom they are for and whom they name), never by searching
text for a name: a resident called "text" must not take everyone's messages with them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.bookings.timed import forget_bookings
from bot.core.civic.awards import DRAFT_LIFE
from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.sharing.service import SharingService
from bot.core.volunteers.roster import leave_all_duties
from storage.records import Match
from storage.repository import Tx

logger = logging.getLogger(__name__)

OPEN = ("available", "reserved", "open", "matched")
# Sent messages are kept only long enough to see delivery went through.
DELIVERY_RECORD = timedelta(days=2)


@dataclass(frozen=True)
class Forgotten:
    entries: int = 0
    matches: int = 0
    reports: int = 0
    effects: Effects = field(default_factory=Effects)


async def forget(tx: Tx, sharing: SharingService, user_id: int) -> Forgotten:
    """Delete a resident; anonymise what others still need; return what others must hear."""
    await tx.use_secure_delete()
    effects = Effects()
    entries = await tx.all_entries_of(user_id)
    matches = await tx.all_matches_involving(user_id)
    # Neighbours with an agreed hand-over hear that it is off before anyone else is asked.
    for match in matches:
        if match.status == "accepted":
            effects.add(await _hand_over_off(tx, sharing, match, user_id))
    # Close open entries first: holds are released and waiting neighbours re-matched.
    for entry in entries:
        fresh = await tx.entry(entry.id)
        if fresh is not None and fresh.status in OPEN:
            status = "withdrawn" if entry.kind == "offer" else "cancelled"
            # The other side was told above, without the name this notice would carry.
            effects.extend(await sharing.close_entry(tx, fresh, status, tell_requesters=False))
    for match in matches:
        if match.status == "handed_over":
            await tx.anonymise_match(match.id, user_id)
        else:
            await tx.delete_match(match.id)
    for entry in entries:
        if await tx.entry_is_referenced(entry.id):
            await tx.anonymise_entry(entry.id)
        else:
            await tx.delete_entry(entry.id)
    # Their booked slots go to neighbours waiting; a borrowed thing stays on the keeper's list.
    effects.extend(await forget_bookings(tx, sharing.config, sharing.clock, user_id))
    # A place on a coming duty goes to the first on its waitlist, who is told.
    effects.extend(await leave_all_duties(tx, sharing.config, user_id, sharing.clock.now()))
    reports = await tx.reports_of(user_id)
    await tx.erase_person(user_id)
    logger.info("forgot a resident: %s entries, %s matches", len(entries), len(matches))
    return Forgotten(len(entries), len(matches), len(reports), effects)


async def _hand_over_off(
    tx: Tx, sharing: SharingService, match: Match, leaving: int
) -> SendMessage:
    """The other side of an agreed hand-over: it will not happen (without naming anyone)."""
    giver_left = match.giver_id == leaving
    other_id = match.requester_id if giver_left else match.giver_id
    other = await tx.user(other_id)
    own = await tx.entry(match.request_id if giver_left else match.offer_id)
    offer = await tx.entry(match.offer_id)
    chat_id = own.chat_id if own else 0
    setting = reader_language(other, sharing.config.group_language(chat_id))
    key = "forgotten_giver" if giver_left else "forgotten_requester"
    return SendMessage(other_id, say(setting, key, item=offer.item_name if offer else ""))


async def purge_old(tx: Tx, config: Config, now: datetime) -> dict[str, int]:
    """Delete closed entries, finished matches and resolved reports past retention."""
    counts = await tx.purge_closed(
        now - timedelta(days=config.bot.retention_days), delivery_cutoff=now - DELIVERY_RECORD
    )
    counts.update(
        await tx.purge_civic(now - timedelta(days=config.bot.retention_days), now - DRAFT_LIFE)
    )
    counts["volunteering"] = await tx.purge_volunteering(
        now - timedelta(days=config.bot.retention_days),
        (now - timedelta(days=config.volunteers.retention_days)).date(),
    )
    if any(counts.values()):
        logger.info("retention purge: %s", counts)
    return counts
