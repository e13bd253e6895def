"""Booking statuses and the booking buttons' codec: the core never spells `bk:` letters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

PREFIX = "bk:"
CALLBACK_PATTERN = r"^bk:"


class BookingStatus(StrEnum):
    """Where a booking (or a captain's block) stands; the first five hold the slot."""

    PENDING = "pending"  # waiting for a captain's approval
    CONFIRMED = "confirmed"
    OFFERED = "offered"  # a freed slot held for the first neighbour waiting
    OUT = "out"  # a thing handed out by its keeper
    BLOCKED = "blocked"  # maintenance or an event: nobody may book it
    RETURNED = "returned"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    NO_SHOW = "no_show"


HOLDING = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.OFFERED,
    BookingStatus.OUT,
    BookingStatus.BLOCKED,
)


class BookingAction(StrEnum):
    """What a booking button does."""

    RESOURCES = "l"  # back to the list of resources
    RESOURCE = "r"  # a resource chosen: today's slots
    DAY = "d"  # another day's slots
    BOOK = "s"  # book this slot
    WAIT = "w"  # wait for this taken slot
    CANCEL = "c"  # cancel my booking
    LEAVE = "q"  # leave a waitlist
    TAKE = "t"  # take the freed slot offered to me
    DECLINE = "x"  # let the next neighbour have it
    APPROVE = "a"  # captain
    REFUSE = "f"  # captain
    HANDED_OUT = "h"  # keeper
    RETURNED = "b"  # keeper
    NO_SHOW = "n"  # keeper or captain
    CHECK_IN = "i"  # the resident is at the space they booked


@dataclass(frozen=True)
class BookingPress:
    """A booking button read back: the action and what it names."""

    action: BookingAction
    resource: str | None = None
    day: date | None = None
    at: datetime | None = None
    id: int | None = None


_BY_ID = {
    BookingAction.CANCEL,
    BookingAction.LEAVE,
    BookingAction.TAKE,
    BookingAction.DECLINE,
    BookingAction.APPROVE,
    BookingAction.REFUSE,
    BookingAction.HANDED_OUT,
    BookingAction.RETURNED,
    BookingAction.NO_SHOW,
    BookingAction.CHECK_IN,
}
_SHAPE = re.compile(r"^bk:([a-z])(?::([a-z][a-z0-9_]{0,23}))?(?::(\d{1,12}))?$")


def booking_data(
    action: BookingAction,
    *,
    resource: str | None = None,
    day: date | None = None,
    at: datetime | None = None,
    id: int | None = None,
) -> str:
    """Callback data for a booking button (well under Telegram's 64 bytes)."""
    parts = [PREFIX + action.value]
    if resource is not None:
        parts.append(resource)
    if day is not None:
        parts.append(day.strftime("%Y%m%d"))
    if at is not None:
        parts.append(str(int(at.timestamp() // 60)))  # minutes since the epoch
    if id is not None:
        parts.append(str(id))
    return ":".join(parts)


# Slot starts as minutes since 1970: 2020 to 2100 covers every slot a button can show.
_EARLIEST = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()) // 60
_LATEST = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp()) // 60


def read_booking_press(data: str) -> BookingPress | None:
    """A button's data read back; None for anything that is not a well-formed booking button."""
    match = _SHAPE.match(data)
    if match is None:
        return None
    try:
        action = BookingAction(match[1])
    except ValueError:
        return None
    resource, number = match[2], match[3]
    if action is BookingAction.RESOURCES:
        return BookingPress(action) if resource is None and number is None else None
    if action in _BY_ID:
        if resource is not None or number is None:
            return None
        return BookingPress(action, id=int(number))
    if resource is None:
        return None
    if action is BookingAction.RESOURCE:
        return BookingPress(action, resource) if number is None else None
    if number is None:
        return None
    if action is BookingAction.DAY:
        try:
            day = datetime.strptime(number, "%Y%m%d").date()
        except ValueError:
            return None
        return BookingPress(action, resource, day=day)
    minutes = int(number)
    if not _EARLIEST <= minutes <= _LATEST:  # a forged number: no slot was ever shown there
        return None
    return BookingPress(action, resource, at=datetime.fromtimestamp(minutes * 60, UTC))
