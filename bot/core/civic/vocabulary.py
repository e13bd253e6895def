"""Statuses and button codecs of awards (gn:) and deliberations (dl:).

The core sees `AwardAction.ACCEPT`, never the letter on the wire; callback data stays
within Telegram's 64 bytes (a prefix, a letter and at most two numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class NominationStatus(StrEnum):
    DRAFT = "draft"  # the nominator still has to write the reason
    PENDING = "pending"  # waiting for a captain
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Consent(StrEnum):
    ASKED = "asked"
    AGREED = "agreed"
    REFUSED = "refused"


class DeliberationStatus(StrEnum):
    OPENING = "opening"  # the poll is being sent
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"  # Telegram refused the poll


class AwardAction(StrEnum):
    ACCEPT = "a"  # a captain accepts a nomination
    DECLINE = "d"  # a captain declines it
    REVEAL = "r"  # the nominator agrees to be named to the nominee
    CANCEL = "c"  # the nominator drops a draft
    AGREE = "y"  # the nominee agrees to be named in the group
    REFUSE = "n"  # the nominee prefers not to be named


class DeliberationAction(StrEnum):
    VOTE = "v"  # a private ballot: dl:v:<deliberation>:<option>


AWARD_PATTERN = r"^gn:"
DELIBERATION_PATTERN = r"^dl:"
_AWARD = re.compile(r"^gn:([adrcyn]):(\d{1,12})$")
_DELIBERATION = re.compile(r"^dl:(v):(\d{1,12}):(\d{1,2})$")


@dataclass(frozen=True)
class AwardPress:
    action: AwardAction
    target: int  # a nomination id (a, d, r, c) or an award id (y, n)


@dataclass(frozen=True)
class BallotPress:
    action: DeliberationAction
    deliberation_id: int
    option: int


def award_data(action: AwardAction, target: int) -> str:
    return f"gn:{action.value}:{target}"


def read_award_press(data: str) -> AwardPress | None:
    match = _AWARD.match(data)
    return AwardPress(AwardAction(match[1]), int(match[2])) if match else None


def ballot_data(deliberation_id: int, option: int) -> str:
    return f"dl:{DeliberationAction.VOTE.value}:{deliberation_id}:{option}"


def read_ballot_press(data: str) -> BallotPress | None:
    match = _DELIBERATION.match(data)
    if match is None:
        return None
    return BallotPress(DeliberationAction(match[1]), int(match[2]), int(match[3]))


# /start payloads: a private ballot (dl<id>) and a nomination begun in a group (gn<id>).
BALLOT_START = re.compile(r"^dl(\d{1,12})$")
