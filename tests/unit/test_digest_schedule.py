"""Digest schedules: what admins may write, and when a slot is due (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.digest_schedule import DigestSchedule, due_slot, parse_digest_schedule
from bot.core.festivals.quiet_hours import QuietHours

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

QUIET = QuietHours(time(22, 0), time(7, 30))
GRACE = timedelta(hours=6)
ZONE = "Asia/Shanghai"


def at(local: str) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return (datetime.fromisoformat(local) - timedelta(hours=8)).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("off", DigestSchedule("off")),
        ("daily 20:00", DigestSchedule("daily", time(20, 0))),
        (" Daily  7:05 ", DigestSchedule("daily", time(7, 5))),
        ("weekly sun 20:00", DigestSchedule("weekly", time(20, 0), 6)),
        ("weekly Monday 09:30", DigestSchedule("weekly", time(9, 30), 0)),
        ("weekly 周六 10:00", DigestSchedule("weekly", time(10, 0), 5)),
    ],
)
def test_schedules_admins_write(text, expected):
    assert parse_digest_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("sometimes", "not a digest schedule"),
        ("daily 24:00", "not a time of day"),
        ("daily sun 20:00", "takes no weekday"),
        ("weekly 20:00", "needs a weekday"),
        ("weekly someday 20:00", "unknown weekday"),
    ],
)
def test_bad_schedules_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        parse_digest_schedule(text)


def test_a_daily_slot_is_due_from_its_time_until_the_grace_runs_out():
    daily = parse_digest_schedule("daily 20:00")
    assert due_slot(daily, at("2026-12-01T19:59"), ZONE, QUIET, GRACE) is None
    slot = due_slot(daily, at("2026-12-01T20:00"), ZONE, QUIET, GRACE)
    assert slot is not None and slot.key == "2026-12-01"
    assert slot.due == at("2026-12-01T20:00")
    # 22:00 is quiet: nothing is due, even though the slot is not posted yet.
    assert due_slot(daily, at("2026-12-01T22:30"), ZONE, QUIET, GRACE) is None
    # The next morning the slot is older than the grace: skipped, not posted late.
    assert due_slot(daily, at("2026-12-02T08:00"), ZONE, QUIET, GRACE) is None


def test_a_slot_in_quiet_hours_waits_for_their_end():
    late = parse_digest_schedule("daily 23:00")
    assert due_slot(late, at("2026-12-01T23:00"), ZONE, QUIET, GRACE) is None
    slot = due_slot(late, at("2026-12-02T07:30"), ZONE, QUIET, GRACE)
    assert slot is not None and slot.key == "2026-12-01"


def test_weekly_and_off():
    weekly = parse_digest_schedule("weekly sun 20:00")
    assert due_slot(weekly, at("2026-12-05T20:00"), ZONE, QUIET, GRACE) is None  # Saturday
    slot = due_slot(weekly, at("2026-12-06T20:01"), ZONE, QUIET, GRACE)
    assert slot is not None and slot.key == "2026-12-06"
    assert due_slot(parse_digest_schedule("off"), at("2026-12-06T20:01"), ZONE, None, GRACE) is None
