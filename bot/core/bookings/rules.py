"""Pure booking rules: which slots a day has, who may still book, when to remind.

Values in, values out: no clock, no database. Times are aware datetimes; opening hours are
local wall-clock times of the configured zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.bookings.spec import ResourceSpec, Span, parse_hours
from bot.core.festivals import QuietHours, parse_rule


@dataclass(frozen=True)
class Slot:
    """One bookable period of a resource, [start, end)."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@lru_cache(maxsize=4096)
def falls_on(rule_text: str, day: date) -> bool:
    """Does a festival rule (春节, 国庆, 2026-12-05) fall on this day? Memoised: lunar
    dates cost milliseconds of astronomy and every day view asks for a week of days."""
    return bool(parse_rule(rule_text).occurrences(day, day))


def spans_of_day(spec: ResourceSpec, day: date) -> tuple[Span, ...]:
    """Opening spans of a local day: a holiday's hours win over the weekday's."""
    for holiday in spec.holidays:
        if falls_on(holiday.date, day):
            return parse_hours(holiday.hours)
    return spec.weekday_hours(day.weekday())


def slots_of_day(spec: ResourceSpec, day: date, tz: ZoneInfo) -> list[Slot]:
    """Every slot starting in the opening spans of `day`, each a whole slot long."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    length = timedelta(minutes=spec.slot_minutes)
    slots: list[Slot] = []
    for open_at, close_at in spans_of_day(spec, day):
        start = midnight + timedelta(minutes=open_at)
        close = midnight + timedelta(minutes=close_at)
        while start + length <= close:
            slots.append(Slot(start, start + length))
            start += length
    return slots


def slot_at(spec: ResourceSpec, start: datetime, tz: ZoneInfo) -> Slot | None:
    """The slot starting exactly at `start`, if the resource has one (a forged or stale
    button names a time that is not a slot). Night spans belong to the day they opened."""
    local = start.astimezone(tz)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for slot in slots_of_day(spec, day, tz):
            if slot.start == local:
                return slot
    return None


def bookable_days(spec: ResourceSpec, today: date) -> list[date]:
    """Today and the days one may book ahead."""
    return [today + timedelta(days=n) for n in range(spec.ahead_days + 1)]


def may_book_on(spec: ResourceSpec, slot: Slot, now: datetime, tz: ZoneInfo) -> bool:
    """Not started yet, and within how far ahead the resource may be booked."""
    today = now.astimezone(tz).date()
    opened_on = _opened_on(spec, slot, tz)
    return slot.start > now and opened_on <= today + timedelta(days=spec.ahead_days)


def _opened_on(spec: ResourceSpec, slot: Slot, tz: ZoneInfo) -> date:
    local = slot.start.astimezone(tz)
    if slot in slots_of_day(spec, local.date(), tz):
        return local.date()
    return local.date() - timedelta(days=1)


def week_of(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local Monday-to-Monday week a moment falls in, [start, end)."""
    local = moment.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=tz)
    return start, start + timedelta(days=7)


def within_weekly_limit(spec: ResourceSpec, used_minutes: int, slot: Slot) -> bool:
    """May a resident who already holds `used_minutes` this week take `slot` too?"""
    if spec.weekly_hours is None:
        return True
    return used_minutes + slot.minutes <= round(spec.weekly_hours * 60)


def reminder_moment(
    due: datetime, minutes_before: int, quiet: QuietHours | None, tz: ZoneInfo
) -> datetime:
    """When to remind of something due at `due`: `minutes_before` earlier, but never inside
    quiet hours — a reminder that would fall there comes before they begin instead (the
    evening before a 07:00 booking), since after them it would be too late."""
    at = due - timedelta(minutes=minutes_before)
    if quiet is None:
        return at
    local = at.astimezone(tz)
    if not quiet.contains(local.time()):
        return at
    day = local.date()
    if quiet.wraps_midnight and local.time() < quiet.end:
        day -= timedelta(days=1)
    began = datetime.combine(day, quiet.start, tzinfo=tz)
    return began - timedelta(minutes=1)


def reminder_due(
    due: datetime,
    minutes_before: int,
    now: datetime,
    quiet: QuietHours | None,
    tz: ZoneInfo,
) -> bool:
    """Should the reminder go now? Its moment has come, the thing is not yet due, and it is
    not quiet hours (a booking made late at night is not reminded of before the morning)."""
    if now >= due:
        return False
    if quiet is not None and quiet.contains(now.astimezone(tz).time()):
        return False
    return now >= reminder_moment(due, minutes_before, quiet, tz)


def is_quiet(now: datetime, quiet: QuietHours | None, tz: ZoneInfo) -> bool:
    return quiet is not None and quiet.contains(now.astimezone(tz).time())


@dataclass(frozen=True)
class Usage:
    """One resource's month: hours used, bookings, and the busiest local hours."""

    resource: str
    hours: float
    bookings: int
    busiest: tuple[tuple[int, int, int], ...]  # (weekday, hour, bookings), most first


def usage(periods: Iterable[tuple[str, datetime, datetime]], tz: ZoneInfo) -> list[Usage]:
    """Hours used per resource and its busiest (weekday, hour) starts, from used periods."""
    minutes: Counter[str] = Counter()
    count: Counter[str] = Counter()
    busy: dict[str, Counter[tuple[int, int]]] = {}
    for resource, start, end in periods:
        minutes[resource] += int((end - start).total_seconds() // 60)
        count[resource] += 1
        local = start.astimezone(tz)
        busy.setdefault(resource, Counter())[(local.weekday(), local.hour)] += 1
    out = []
    for resource in sorted(count, key=lambda r: (-minutes[r], r)):
        top = sorted(busy[resource].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append(
            Usage(
                resource,
                round(minutes[resource] / 60, 1),
                count[resource],
                tuple((wd, hour, n) for (wd, hour), n in top),
            )
        )
    return out
