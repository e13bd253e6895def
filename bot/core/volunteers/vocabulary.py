"""The volunteers' typed vocabulary: sign-up states, points sources, and the buttons' codec."""

from __future__ import annotations

import re
from enum import StrEnum

PREFIX = "vt:"
CALLBACK_PATTERN = r"^vt:"
_DATA = re.compile(r"^vt:([sojlyn]):(\d{1,12})$")


class SignupStatus(StrEnum):
    SIGNED = "signed"  # holds one of the duty's slots
    WAITING = "waiting"  # on the waitlist, moved up when a slot frees
    LEFT = "left"  # gave the place up


class PointsSource(StrEnum):
    DUTY = "duty"
    HANDOVER = "handover"


class VolunteerAction(StrEnum):
    """What a volunteers' button does; the letter is only ever spelled here."""

    SIGN_UP = "s"
    GIVE_UP = "o"
    JOIN = "j"
    LEAVE = "l"
    CAME = "y"  # the captain: this volunteer came (the id is the sign-up's)
    ABSENT = "n"  # the captain: this volunteer did not come


def volunteer_data(action: VolunteerAction, ref: int) -> str:
    """Callback data for a volunteers' button (well within Telegram's 64 bytes)."""
    return f"{PREFIX}{action.value}:{ref}"


def read_volunteer_press(data: str) -> tuple[VolunteerAction, int] | None:
    """A button's data read back; None for anything that is not ours (old or forged)."""
    found = _DATA.match(data)
    if found is None:
        return None
    return VolunteerAction(found[1]), int(found[2])
