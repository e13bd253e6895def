"""Service points by the community's rule, and the CSV the community office receives (pure)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.core.volunteers.settings import PointsRule


def shift_points(rule: PointsRule, minutes: int, urgent: bool) -> int:
    """Points for one confirmed shift: per full half hour, per shift, and the urgent bonus."""
    if minutes < 0:
        raise ValueError("a shift cannot last less than nothing")
    return (
        rule.per_half_hour * (minutes // 30) + rule.per_shift + (rule.urgent_bonus if urgent else 0)
    )


@dataclass(frozen=True)
class Period:
    """A month (2026-11) or a year (2026) of points, as a captain asks for an export."""

    first: date
    last: date
    label: str


def parse_period(text: str) -> Period | None:
    """ "2026-11", "2026/11", "2026年11月" or "2026" / "2026年"; None if it is neither."""
    norm = text.strip()
    month = re.fullmatch(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?", norm)
    if month:
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12 or not 2000 <= year <= 2100:
            return None
        last = date(year + (number == 12), number % 12 + 1, 1)
        return Period(
            date(year, number, 1), date.fromordinal(last.toordinal() - 1), f"{year}-{number:02d}"
        )
    year_only = re.fullmatch(r"(\d{4})\s*年?", norm)
    if year_only:
        year = int(year_only[1])
        if not 2000 <= year <= 2100:  # a typo, not a period anyone kept points in
            return None
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    return None


@dataclass(frozen=True)
class Standing:
    """One resident's total in a ranking."""

    user_id: int
    name: str
    points: int
    shifts: int
    minutes: int


@dataclass(frozen=True)
class Earned:
    """One points row, as the ranking and the export read it."""

    user_id: int
    name: str
    building: str
    source: str
    title: str
    minutes: int
    points: int
    on: date


def ranking(rows: Iterable[Earned]) -> list[Standing]:
    """Totals per resident, most points first (ties: more time served, then name)."""
    totals: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for row in rows:
        total = totals.setdefault(row.user_id, [0, 0, 0])
        total[0] += row.points
        total[1] += 1 if row.source == "duty" else 0
        total[2] += row.minutes
        names[row.user_id] = row.name
    standings = [Standing(uid, names[uid], t[0], t[1], t[2]) for uid, t in totals.items()]
    return sorted(standings, key=lambda s: (-s.points, -s.minutes, s.name, s.user_id))


CSV_HEADER = ("date", "building", "volunteer", "user_id", "source", "what", "minutes", "points")


def points_csv(rows: Iterable[Earned]) -> bytes:
    """The community office's sheet: one line per award, UTF-8 with a BOM so Excel reads
    Chinese names right; a total line per resident follows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    listed = list(rows)
    for row in listed:
        writer.writerow(
            (row.on.isoformat(), row.building, _cell(row.name), row.user_id, row.source,
             _cell(row.title), row.minutes, row.points)
        )  # fmt: skip
    writer.writerow(())
    writer.writerow(("total", "", "volunteer", "user_id", "shifts", "", "minutes", "points"))
    for standing in ranking(listed):
        writer.writerow(
            ("total", "", _cell(standing.name), standing.user_id, standing.shifts, "",
             standing.minutes, standing.points)
        )  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # A name starting with = + - @ would be run as a formula by a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
