"""How one parsed item of a message becomes a ledger entry: the same for live chat and imports."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.config import Config, GroupSpec
from bot.core.understanding import Catalogue, Parsed, ParsedItem
from storage.records import EntryKind, NewEntry


def entry_for(
    config: Config,
    catalogue: Catalogue,
    group: GroupSpec,
    parsed: Parsed,
    item: ParsedItem,
    *,
    user_id: int,
    message_id: int | None,
    text: str,
    at: datetime,
) -> NewEntry:
    """The new entry for `item` of an offer or request message written at `at`."""
    kind: EntryKind = "offer" if parsed.intent == "offer" else "request"
    # An amount belongs to the item only when the message names one item.
    quantity = parsed.quantity if len(parsed.items) == 1 else None
    # Offers carry every key they satisfy; a request needs one (its item or category).
    keys = (
        catalogue.offer_keys(item) if kind == "offer" else frozenset({catalogue.request_key(item)})
    )
    return NewEntry(
        kind=kind,
        user_id=user_id,
        chat_id=group.chat_id,
        message_id=message_id,
        building=group.building,
        community=config.community_of_group(group),
        item_name=item.name,
        canonical=item.canonical,
        category=item.category,
        medical=item.medicine,
        urgent=parsed.urgent and kind == "request",
        quantity=quantity.n if quantity else None,
        unit=quantity.unit if quantity else None,
        text=text,
        created_at=at,
        expires_at=at + timedelta(days=config.bot.expiry_days),
        keys=keys,
    )
