"""Residents' privacy: what is kept (/privacy), forgetting a resident (/forgetme) and
purging closed history after the configured retention period.

Forgetting keeps only what another neighbour still needs: a completed hand-over stays in the
ledger for the other side with the forgotten resident's id replaced by 0 and their words
removed. Everything else about them is deleted, including stored message payloads that
name them (pending notices, the outbox's delivery record).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Config
from bot.effects import Effects
from bot.sharing import SharingService
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


def traces_of(user_id: int, first_name: str, username: str | None) -> list[str]:
    """Strings that identify a resident inside stored message payloads."""
    traces = [f'"chat_id": {user_id},', f'"user_id": {user_id},', f"tg://user?id={user_id}"]
    if len(first_name.strip()) >= 2:
        traces.append(first_name.strip())
    if username:
        traces.append(f"@{username}")
    return traces


async def forget(tx: Tx, sharing: SharingService, user_id: int) -> Forgotten:
    """Delete a resident; anonymise what others still need; return what others must hear."""
    user = await tx.user(user_id)
    await tx.use_secure_delete()
    effects = Effects()
    entries = await tx.all_entries_of(user_id)
    # Close open entries first: holds are released and waiting neighbours re-matched.
    for entry in entries:
        fresh = await tx.entry(entry.id)
        if fresh is not None and fresh.status in OPEN:
            status = "withdrawn" if entry.kind == "offer" else "cancelled"
            effects.extend(await sharing.close_entry(tx, fresh, status))
    matches = await tx.all_matches_involving(user_id)
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
    reports = await tx.reports_of(user_id)
    name = user.first_name if user else ""
    await tx.erase_person(user_id, traces_of(user_id, name, user.username if user else None))
    logger.info("forgot a resident: %s entries, %s matches", len(entries), len(matches))
    # Whatever re-matching decided for others must not carry this resident's traces either.
    return Forgotten(len(entries), len(matches), len(reports), effects)


async def purge_old(tx: Tx, config: Config, now: datetime) -> dict[str, int]:
    """Delete closed entries, finished matches and resolved reports past retention."""
    counts = await tx.purge_closed(
        now - timedelta(days=config.bot.retention_days), delivery_cutoff=now - DELIVERY_RECORD
    )
    if any(counts.values()):
        logger.info("retention purge: %s", counts)
    return counts
