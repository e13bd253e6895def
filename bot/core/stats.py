"""A building's sharing in numbers: pure counting over what the ledger recorded."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.captains_store import HandOver

WEEKS = 8
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class MonthStats:
    month: str  # YYYY-MM
    offers: int
    requests: int
    matches: int
    handovers: int
    median: timedelta | None  # request to hand-over
    givers: int


@dataclass(frozen=True)
class WeeklySeries:
    """Counts per week (weeks start on Monday, local time), oldest first."""

    week_starts: tuple[date, ...]
    offers: tuple[int, ...]
    requests: tuple[int, ...]
    handovers: tuple[int, ...]


def month_bounds(month: str | None, now: datetime, zone: str) -> tuple[str, datetime, datetime]:
    """(YYYY-MM, start, end) of a local calendar month; the current one when None.

    Raises ValueError for anything that is not a month like 2026-11.
    """
    tz = ZoneInfo(zone)
    if month is None or not month.strip():
        local = now.astimezone(tz)
        year, number = local.year, local.month
    else:
        match = _MONTH.match(month.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(month)
        year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=tz)
    return f"{year:04d}-{number:02d}", start, end


def previous_month(now: datetime, zone: str) -> str:
    """The local month before the one `now` is in, as YYYY-MM."""
    local = now.astimezone(ZoneInfo(zone))
    first = local.replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def summarise(
    month: str,
    entries: list[tuple[str, datetime]],
    matches: list[datetime],
    handovers: list[HandOver],
) -> MonthStats:
    """The month's counts; the median covers hand-overs completed in the month."""
    waits = [h.handed_at - h.requested_at for h in handovers]
    median = (
        timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None
    )
    return MonthStats(
        month=month,
        offers=sum(1 for kind, _ in entries if kind == "offer"),
        requests=sum(1 for kind, _ in entries if kind == "request"),
        matches=len(matches),
        handovers=len(handovers),
        median=median,
        givers=len({h.giver_id for h in handovers}),
    )


def week_window(end: datetime, zone: str, weeks: int = WEEKS) -> tuple[datetime, datetime]:
    """[start, end) covering `weeks` whole local weeks ending with the week `end` falls in."""
    tz = ZoneInfo(zone)
    local = end.astimezone(tz)
    monday = datetime(local.year, local.month, local.day, tzinfo=tz) - timedelta(
        days=local.weekday()
    )
    start = monday - timedelta(weeks=weeks - 1)
    return start, monday + timedelta(weeks=1)


def weekly(
    start: datetime,
    zone: str,
    entries: list[tuple[str, datetime]],
    handovers: list[HandOver],
    weeks: int = WEEKS,
) -> WeeklySeries:
    """Offers, requests and hand-overs per week from `start` (a local Monday)."""
    tz = ZoneInfo(zone)

    def index(moment: datetime) -> int:
        return (moment.astimezone(tz) - start).days // 7

    offers = [0] * weeks
    requests = [0] * weeks
    done = [0] * weeks
    for kind, created in entries:
        i = index(created)
        if 0 <= i < weeks:
            (offers if kind == "offer" else requests)[i] += 1
    for handover in handovers:
        i = index(handover.handed_at)
        if 0 <= i < weeks:
            done[i] += 1
    return WeeklySeries(
        week_starts=tuple((start + timedelta(weeks=i)).date() for i in range(weeks)),
        offers=tuple(offers),
        requests=tuple(requests),
        handovers=tuple(done),
    )


def duration_parts(value: timedelta) -> tuple[str, int]:
    """('hours', n) under two days, else ('days', n): how a captain reads a wait."""
    hours = value.total_seconds() / 3600
    if hours < 48:
        return "hours", max(1, round(hours))
    return "days", round(hours / 24)
