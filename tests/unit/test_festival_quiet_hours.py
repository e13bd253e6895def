"""Quiet hours: nothing is posted inside them; a reminder moves to where they end."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.festivals import QuietHours, RuleError

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(time(22, 0), time(7, 30))


def at(y, mo, d, h, mi=0, tz=SHANGHAI):
    return datetime(y, mo, d, h, mi, tzinfo=tz)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2027, 3, 5, 23, 0), at(2027, 3, 6, 7, 30)),  # before midnight -> next morning
        (at(2027, 3, 5, 22, 0), at(2027, 3, 6, 7, 30)),  # the start itself is quiet
        (at(2027, 3, 6, 1, 15), at(2027, 3, 6, 7, 30)),  # after midnight -> same morning
        (at(2027, 3, 6, 7, 29), at(2027, 3, 6, 7, 30)),
        (at(2027, 3, 6, 7, 30), at(2027, 3, 6, 7, 30)),  # the end is not quiet any more
        (at(2027, 3, 5, 21, 59), at(2027, 3, 5, 21, 59)),
        (at(2027, 3, 5, 12, 0), at(2027, 3, 5, 12, 0)),
        (at(2027, 12, 31, 23, 30), at(2028, 1, 1, 7, 30)),  # across a year end
    ],
)
def test_overnight_quiet_hours_wrap_midnight(when, expected):
    assert NIGHT.shift(when) == expected


def test_daytime_quiet_hours_do_not_wrap():
    nap = QuietHours(time(12, 0), time(14, 0))
    assert not nap.wraps_midnight
    assert nap.shift(at(2027, 3, 5, 13, 0)) == at(2027, 3, 5, 14, 0)
    assert nap.shift(at(2027, 3, 5, 14, 0)) == at(2027, 3, 5, 14, 0)
    assert nap.shift(at(2027, 3, 5, 23, 0)) == at(2027, 3, 5, 23, 0)


def test_shift_keeps_the_zone_and_follows_dst():
    # Berlin springs forward on 2027-03-28: the night starts at +01:00 and ends at +02:00.
    shifted = NIGHT.shift(at(2027, 3, 27, 23, 0, tz=BERLIN))
    assert shifted.isoformat() == "2027-03-28T07:30:00+02:00"
    # An end time inside the DST gap (02:00–03:00) becomes the real instant after it.
    odd = QuietHours(time(1, 0), time(2, 30))
    assert odd.shift(at(2027, 3, 28, 1, 30, tz=BERLIN)).isoformat() == "2027-03-28T03:30:00+02:00"


def test_bad_quiet_hours_are_refused():
    with pytest.raises(RuleError):
        QuietHours(time(22, 0), time(22, 0))
    with pytest.raises(ValueError, match="aware"):
        NIGHT.shift(datetime(2027, 3, 5, 23, 0))
