"""Booking rules: opening hours (with festival days), slots, limits, reminder moments,
the buttons' codec and the config's checks — pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.bookings.rules import (
    Slot,
    may_book_on,
    reminder_due,
    reminder_moment,
    slot_at,
    slots_of_day,
    usage,
    week_of,
    within_weekly_limit,
)
from bot.core.bookings.spec import ResourceSpec, parse_hours
from bot.core.bookings.vocabulary import BookingAction, booking_data, read_booking_press
from bot.core.config import ConfigError
from bot.core.festivals import QuietHours
from tests.harness import BUILDING_CONFIG, make_config

pytestmark = pytest.mark.no_storage
SH = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours(time(22, 0), time(7, 30))


def room(**overrides: object) -> ResourceSpec:
    data: dict[str, object] = {
        "key": "activity_room",
        "name": {"zh": "活动室", "en": "Activity room"},
        "community": "sunny",
        "hours": {"all": "09:00-12:00", "sun": "closed"},
        "holidays": [{"date": "春节", "hours": "closed"}, {"date": "中秋", "hours": "09:00-10:00"}],
        "slot_minutes": 60,
        "weekly_hours": 2,
    }
    data.update(overrides)
    return ResourceSpec.model_validate(data)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def starts(slots: list[Slot]) -> list[str]:
    return [f"{s.start:%H:%M}" for s in slots]


MONDAY = date(2026, 12, 7)


def test_a_weekday_has_whole_slots_and_sunday_is_closed():
    assert starts(slots_of_day(room(), MONDAY, SH)) == ["09:00", "10:00", "11:00"]
    assert slots_of_day(room(), date(2026, 12, 13), SH) == []  # a Sunday
    # 90-minute slots: the last half hour is not a slot.
    assert starts(slots_of_day(room(slot_minutes=90), MONDAY, SH)) == ["09:00", "10:30"]


def test_festival_days_use_their_own_hours():
    # 2027 Spring Festival is 6 Feb (a Saturday): closed. Mid-Autumn 2027 is 15 Sep.
    assert slots_of_day(room(), date(2027, 2, 6), SH) == []
    assert starts(slots_of_day(room(), date(2027, 9, 15), SH)) == ["09:00"]


def test_a_parking_space_at_night_runs_past_midnight():
    parking = room(key="parking", hours={"all": "19:00-07:00"}, slot_minutes=720)
    (night,) = slots_of_day(parking, MONDAY, SH)
    assert night.start == at(MONDAY, 19) and night.end == at(MONDAY + timedelta(days=1), 7)
    assert slot_at(parking, night.start, SH) == night
    hourly = room(key="parking", hours={"all": "19:00-07:00"}, slot_minutes=60)
    after_midnight = at(MONDAY + timedelta(days=1), 2)
    found = slot_at(hourly, after_midnight, SH)
    assert found is not None and found.end == at(MONDAY + timedelta(days=1), 3)


def test_a_time_that_is_not_a_slot_is_refused():
    assert slot_at(room(), at(MONDAY, 9, 30), SH) is None
    assert slot_at(room(), at(MONDAY, 12), SH) is None
    assert slot_at(room(), at(MONDAY, 10), SH) == Slot(at(MONDAY, 10), at(MONDAY, 11))


def test_how_far_ahead_and_not_once_started():
    spec = room(ahead_days=2)
    now = at(MONDAY, 9, 30)
    assert not may_book_on(spec, Slot(at(MONDAY, 9), at(MONDAY, 10)), now, SH)
    assert may_book_on(spec, Slot(at(MONDAY, 10), at(MONDAY, 11)), now, SH)
    wed = MONDAY + timedelta(days=2)
    thu = MONDAY + timedelta(days=3)
    assert may_book_on(spec, Slot(at(wed, 11), at(wed, 12)), now, SH)
    assert not may_book_on(spec, Slot(at(thu, 9), at(thu, 10)), now, SH)


def test_the_weekly_limit_counts_the_slot_asked_for():
    spec = room()  # 2 hours a week
    slot = Slot(at(MONDAY, 10), at(MONDAY, 11))
    assert within_weekly_limit(spec, 60, slot)
    assert not within_weekly_limit(spec, 120, slot)
    assert within_weekly_limit(room(weekly_hours=None), 10_000, slot)
    start, end = week_of(at(MONDAY + timedelta(days=6), 23), SH)
    assert start == at(MONDAY, 0) and end == at(MONDAY + timedelta(days=7), 0)


def test_a_reminder_that_would_fall_in_quiet_hours_comes_the_evening_before():
    assert reminder_moment(at(MONDAY, 10), 60, QUIET, SH) == at(MONDAY, 9)
    # 60 min before 07:00 is 06:00, inside 22:00-07:30: sent at 21:59 the evening before.
    assert reminder_moment(at(MONDAY, 7), 60, QUIET, SH) == at(MONDAY - timedelta(days=1), 21, 59)
    assert reminder_moment(at(MONDAY, 7), 60, None, SH) == at(MONDAY, 6)


def test_a_reminder_is_never_sent_inside_quiet_hours_nor_after_the_start():
    due = at(MONDAY, 7)
    assert reminder_due(due, 60, at(MONDAY - timedelta(days=1), 21, 59), QUIET, SH)
    # Booked at 23:00 for 07:00: nothing at night, and after 07:30 it is too late.
    assert not reminder_due(due, 60, at(MONDAY, 0, 30), QUIET, SH)
    assert not reminder_due(due, 60, at(MONDAY, 7, 40), QUIET, SH)
    assert not reminder_due(at(MONDAY, 10), 60, at(MONDAY, 8, 30), QUIET, SH)  # too early
    assert reminder_due(at(MONDAY, 10), 60, at(MONDAY, 9, 1), QUIET, SH)


def test_usage_sums_hours_and_names_the_busiest_times():
    periods = [
        ("room", at(MONDAY, 9), at(MONDAY, 10)),
        ("room", at(MONDAY + timedelta(days=7), 9), at(MONDAY + timedelta(days=7), 11)),
        ("room", at(MONDAY, 11), at(MONDAY, 12)),
        ("chair", at(MONDAY, 8), at(MONDAY, 20)),
    ]
    chair, room_use = usage(periods, SH)
    assert (chair.resource, chair.hours, chair.bookings) == ("chair", 12.0, 1)
    assert (room_use.hours, room_use.bookings) == (4.0, 3)
    assert room_use.busiest[0] == (0, 9, 2)  # Mondays at 9, twice


def test_hours_text_is_read_or_refused_with_a_reason():
    assert parse_hours("08:00-12:00, 14:00-18:00") == ((480, 720), (840, 1080))
    assert parse_hours("closed") == ()
    with pytest.raises(ValueError, match="not opening hours"):
        parse_hours("8am-noon")
    with pytest.raises(ValueError, match="overlap"):
        parse_hours("08:00-12:00,11:00-13:00")


def test_the_buttons_codec_round_trips_and_refuses_forgeries():
    moment = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    data = booking_data(BookingAction.BOOK, resource="activity_room", at=moment)
    assert len(data.encode()) <= 64
    press = read_booking_press(data)
    assert press is not None and press.at == moment and press.resource == "activity_room"
    day = read_booking_press(booking_data(BookingAction.DAY, resource="r", day=MONDAY))
    assert day is not None and day.day == MONDAY
    assert read_booking_press(booking_data(BookingAction.CANCEL, id=7)).id == 7  # type: ignore[union-attr]
    for forged in ("bk:s:room", "bk:c:x", "bk:z:1", "bk:d:room:20261345", "bk:c:room:1", "ev:a:1"):
        assert read_booking_press(forged) is None


RESOURCE = """
[[resources]]
key = "wheelchair"
name = { zh = "轮椅", en = "Wheelchair" }
kind = "thing"
community = "sunny"
hours = { all = "08:00-20:00" }
slot_minutes = 720
"""


def problems(extra: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_config(BUILDING_CONFIG + extra)
    return [str(p) for p in caught.value.problems]


def test_check_config_explains_what_is_wrong_with_a_resource():
    assert any("a thing needs a keeper" in p for p in problems(RESOURCE))
    bad = RESOURCE.replace('community = "sunny"', 'community = "rainy"\nkeeper = 9001')
    assert "resources[0].community: unknown community 'rainy'" in problems(bad)
    bad = RESOURCE.replace("kind", 'keeper = 9001\nbuildings = ["b9"]\nkind')
    assert "resources[0].buildings[0]: unknown building 'b9'" in problems(bad)
    bad = RESOURCE.replace('"08:00-20:00"', '"08:00-25:00"').replace("kind", "keeper = 9001\nkind")
    assert any(p.startswith("resources[0].hours.all") for p in problems(bad))
    bad = RESOURCE.replace("kind", 'keeper = 9001\nholidays = [{ date = "2月30日" }]\nkind')
    assert any(p.startswith("resources[0].holidays[0].date") for p in problems(bad))
    good = make_config(BUILDING_CONFIG + RESOURCE.replace("kind", "keeper = 9001\nkind"))
    assert good.resources[0].keeper == 9001
