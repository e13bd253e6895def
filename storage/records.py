"""Rows as the rest of the app sees them: typed, immutable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

EntryKind = Literal["offer", "request"]


@dataclass(frozen=True)
class UserRecord:
    user_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    home_chat_id: int | None = None
    # Their /lang choice, and how their last Chinese message was written (i18n.reader_language).
    language: str | None = None
    script: str | None = None


@dataclass(frozen=True)
class NewEntry:
    kind: EntryKind
    user_id: int
    chat_id: int
    message_id: int | None
    building: str | None
    community: str | None
    item_name: str
    canonical: str
    category: str | None
    medical: bool
    urgent: bool
    quantity: float | None
    unit: str | None
    text: str
    created_at: datetime
    expires_at: datetime
    keys: frozenset[str]


@dataclass(frozen=True)
class Entry:
    id: int
    kind: EntryKind
    status: str
    user_id: int
    chat_id: int
    message_id: int | None
    building: str | None
    community: str | None
    item_name: str
    canonical: str
    category: str | None
    medical: bool
    urgent: bool
    quantity: float | None
    unit: str | None
    remaining: float
    held: float
    text: str
    created_at: datetime
    expires_at: datetime
    nudged_at: datetime | None
    closed_at: datetime | None

    @property
    def available(self) -> float:
        """Amount not yet promised to anyone (offers)."""
        return self.remaining - self.held


@dataclass(frozen=True)
class Match:
    id: int
    request_id: int
    offer_id: int
    requester_id: int
    giver_id: int
    quantity: float
    status: str
    pickup_note: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OutboxRow:
    id: int
    effect: str


@dataclass(frozen=True)
class PendingNotice:
    id: int
    user_id: int
    effect: str
