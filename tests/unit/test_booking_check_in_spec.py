"""The check_in and teams fields of a resource, and the "I'm here" button's codec."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.bookings.vocabulary import BookingAction, booking_data, read_booking_press
from tests.unit.test_booking_rules import room


def test_check_in_is_off_with_fifteen_minutes_grace_unless_said():
    assert (room().check_in, room().check_in_grace_minutes, room().teams) == (False, 15, [])
    spec = room(check_in=True, check_in_grace_minutes=10, teams=["安全巡查"])
    assert (spec.check_in, spec.check_in_grace_minutes, spec.teams) == (True, 10, ["安全巡查"])


def test_a_thing_cannot_ask_for_check_in_and_the_grace_must_be_positive():
    with pytest.raises(ValidationError, match="check_in is for spaces"):
        room(kind="thing", keeper=9001, check_in=True)
    with pytest.raises(ValidationError):
        room(check_in=True, check_in_grace_minutes=0)


def test_the_check_in_button_reads_back_and_forgeries_do_not():
    data = booking_data(BookingAction.CHECK_IN, id=42)
    assert data == "bk:i:42"
    press = read_booking_press(data)
    assert press is not None and (press.action, press.id) == (BookingAction.CHECK_IN, 42)
    assert read_booking_press("bk:i:") is None
    assert read_booking_press("bk:i:room:42") is None
