"""The ledger's words: entry and match statuses, and the sharing buttons' actions.

`StrEnum`s, so a status is still the plain text the database stores and the text keys read
(`status_{status}`), and the core never spells one by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class OfferStatus(StrEnum):
    """available -> reserved -> given | withdrawn | expired | removed"""

    AVAILABLE = "available"
    RESERVED = "reserved"
    GIVEN = "given"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REMOVED = "removed"


class RequestStatus(StrEnum):
    """open -> matched -> fulfilled | cancelled | expired | removed"""

    OPEN = "open"
    MATCHED = "matched"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REMOVED = "removed"


class MatchStatus(StrEnum):
    """asked -> accepted | declined; accepted -> handed_over | no_show | timed_out | cancelled"""

    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    HANDED_OVER = "handed_over"
    NO_SHOW = "no_show"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


class MatchAction(StrEnum):
    """Buttons on a match: the giver's yes / no, and "handed over"."""

    ACCEPT = "y"
    DECLINE = "n"
    HANDED_OVER = "h"


class CloseAction(StrEnum):
    """Buttons on a resident's own entry (/mine, the expiry nudge)."""

    WITHDRAW = "w"
    GIVEN = "g"
    KEEP = "k"
    MISREAD = "x"  # withdraw an entry the parser misread ("that was not an offer"): a lesson


SharingAction = MatchAction | CloseAction

# The one codec of this button family: "<letter>:<match or entry id>" (Telegram allows 64 bytes).
SHARING_BUTTON = re.compile(r"^([ynhwgkx]):(\d{1,12})$")


@dataclass(frozen=True)
class SharingPress:
    """A sharing button read back: what to do, and to which match or entry."""

    action: SharingAction
    number: int


def sharing_data(action: SharingAction, number: int) -> str:
    """The callback data of a sharing button."""
    return f"{action.value}:{number}"


def read_sharing_press(data: str) -> SharingPress | None:
    """A sharing button's data read back, or None when it is not one."""
    found = SHARING_BUTTON.match(data)
    if found is None:
        return None
    letter = found[1]
    action: SharingAction = MatchAction(letter) if letter in "ynh" else CloseAction(letter)
    return SharingPress(action, int(found[2]))
