"""When a group's digest is due: "daily 20:00", "weekly sun 20:00" or "off". Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.festivals.quiet_hours import QuietHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS_ZH = {"周一": 0, "周二": 1, "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6}
_SHAPE = re.compile(r"^(daily|weekly)\s+(?:(\S+)\s+)?(\d{1,2}):(\d{2})$")
USAGE = 'use "off", "daily 20:00" or "weekly sun 20:00"'


@dataclass(frozen=True)
class DigestSchedule:
    """A digest rhythm; `weekday` (0 = Monday) only for weekly ones."""

    every: Literal["off", "daily", "weekly"]
    at: time = time(20, 0)
    weekday: int | None = None

    @property
    def off(self) -> bool:
        return self.every == "off"


OFF = DigestSchedule("off")


def parse_digest_schedule(text: str) -> DigestSchedule:
    """Read a schedule; raises ValueError saying what is accepted."""
    value = " ".join(text.strip().lower().split())
    if value in ("off", "none", ""):
        return OFF
    match = _SHAPE.match(value)
    if match is None:
        raise ValueError(f"'{text}' is not a digest schedule ({USAGE})")
    every, day, hour, minute = match[1], match[2], int(match[3]), int(match[4])
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}': {hour}:{minute:02d} is not a time of day")
    if every == "daily":
        if day is not None:
            raise ValueError(f"'{text}': a daily digest takes no weekday ({USAGE})")
        return DigestSchedule("daily", time(hour, minute))
    if day is None:
        raise ValueError(f"'{text}': a weekly digest needs a weekday ({USAGE})")
    weekday = _WEEKDAYS_ZH.get(day)
    if weekday is None and day[:3] in WEEKDAYS:
        weekday = WEEKDAYS.index(day[:3])
    if weekday is None:
        raise ValueError(f"'{text}': unknown weekday '{day}' (mon … sun)")
    return DigestSchedule("weekly", time(hour, minute), weekday)


@dataclass(frozen=True)
class DigestSlot:
    """One scheduled digest: its name (for exactly-once) and when it may be posted."""

    key: str  # the local scheduled date, e.g. "2026-12-01"
    due: datetime  # aware UTC: the scheduled time, moved past quiet hours


def due_slot(
    schedule: DigestSchedule,
    now: datetime,
    zone: str,
    quiet: QuietHours | None,
    grace: timedelta,
) -> DigestSlot | None:
    """The slot to post now, if one is due and not older than `grace`; None otherwise.

    A slot falling in quiet hours is due when they end. Nothing is due while it is quiet.
    """
    if schedule.off:
        return None
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    if quiet is not None and quiet.contains(local_now.time()):
        return None
    for back in range(8):
        day: date = local_now.date() - timedelta(days=back)
        if schedule.every == "weekly" and day.weekday() != schedule.weekday:
            continue
        scheduled = datetime.combine(day, schedule.at, tzinfo=tz)
        # Round-trip through UTC so a time in a DST gap becomes a real instant.
        scheduled = scheduled.astimezone(UTC).astimezone(tz)
        due = quiet.shift(scheduled) if quiet is not None else scheduled
        if due > local_now:
            continue
        if local_now - due > grace:
            return None
        return DigestSlot(day.isoformat(), due.astimezone(UTC))
    return None
