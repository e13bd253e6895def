"""Ledger rules: how amounts and states move. Pure: values in, values out."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.sharing.vocabulary import (
    OfferStatus,
    RequestStatus,
)
from storage.records import Entry

CLOSED_OFFER = frozenset(
    {OfferStatus.GIVEN, OfferStatus.WITHDRAWN, OfferStatus.EXPIRED, OfferStatus.REMOVED}
)
CLOSED_REQUEST = frozenset(
    {RequestStatus.FULFILLED, RequestStatus.CANCELLED, RequestStatus.EXPIRED, RequestStatus.REMOVED}
)


# A skill offered or a service asked for (bot/core/skills.py): its key is "service:<skill>",
# which no item key starts with, so items and services never match each other.
SERVICE_CATEGORY = "service"
SERVICE_PREFIX = "service:"


def is_service(entry: Entry) -> bool:
    """A skill or a request for one, not an item."""
    return entry.category == SERVICE_CATEGORY


def is_open(entry: Entry) -> bool:
    """Still in play (can be matched, withdrawn, handed over)."""
    closed = CLOSED_OFFER if entry.kind == "offer" else CLOSED_REQUEST
    return entry.status not in closed


def share_amount(request: Entry, offer: Entry) -> float:
    """How much of the offer one request takes: what was asked for, at most what is left."""
    wanted = request.remaining if request.quantity else 1.0
    return max(min(wanted, offer.available), 0.0) or 0.0


@dataclass(frozen=True)
class OfferState:
    status: OfferStatus
    remaining: float
    held: float
    closed: bool


def offer_after(offer: Entry, *, given: float = 0.0, released: float = 0.0) -> OfferState:
    """An offer's state after `given` was handed over and `released` was let go of.

    A skill is not used up by helping once: what was "given" is only let go of."""
    if is_service(offer):
        given, released = 0.0, released + given
    remaining = max(offer.remaining - given, 0.0)
    held = max(offer.held - given - released, 0.0)
    if remaining <= 0:
        return OfferState(OfferStatus.GIVEN, 0.0, 0.0, True)
    status = OfferStatus.RESERVED if remaining - held <= 0 else OfferStatus.AVAILABLE
    return OfferState(status, remaining, held, False)


def request_after(request: Entry, *, received: float) -> tuple[RequestStatus, float, bool]:
    """A request's (status, remaining, closed) after receiving `received`."""
    remaining = max(request.remaining - received, 0.0)
    if remaining <= 0 or request.quantity is None:
        return RequestStatus.FULFILLED, 0.0, True
    return RequestStatus.OPEN, remaining, False
