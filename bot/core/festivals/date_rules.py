"""Date rules: which calendar days an event falls on, in the solar, lunar or solar-term calendar.

Every rule is a frozen value with `occurrences(start, end)` (both ends inclusive) and
`describe(lang)`; constructing a rule that can never happen raises RuleError.
Lunar dates and solar terms come from lunar-python (6tail), whose tables follow the
Purple Mountain Observatory calendar (GB/T 33661-2017) and run to 2100.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from lunar_python import LunarYear, Solar

from bot.core.festivals.catalogue import find_solar_term
from bot.core.festivals.errors import RuleError

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LUNAR_MONTHS_ZH = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
MONTHS_EN = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_ORDINALS_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_ORDINALS_ZH = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", -1: "最后一个"}


def lunar_day_zh(day: int) -> str:
    """A lunar day the way calendars print it: 初九, 十五, 廿三, 三十."""
    tens = ("初", "十", "廿", "三")
    units = ("十", "一", "二", "三", "四", "五", "六", "七", "八", "九")
    if day == 10:
        return "初十"
    if day == 20:
        return "二十"
    if day == 30:
        return "三十"
    return tens[day // 10] + units[day % 10]


def _year_span(start: date, end: date) -> range:
    return range(start.year, end.year + 1)


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")


@dataclass(frozen=True)
class OneOff:
    """A single calendar day (2026-12-05)."""

    on: date

    def occurrences(self, start: date, end: date) -> list[date]:
        """The day itself if it lies in [start, end]."""
        _check_range(start, end)
        return [self.on] if start <= self.on <= end else []

    def describe(self, lang: str) -> str:
        """Short human text: 2026年12月5日 / 5 Dec 2026."""
        d = self.on
        if lang == "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class SolarDate:
    """The same Gregorian month/day every year; 2月29日 happens only in leap years."""

    month: int
    day: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise RuleError(f"没有{self.month}月", f"there is no month {self.month}")
        # 2000 is a leap year, so this is the longest each month can ever be.
        longest = calendar.monthrange(2000, self.month)[1]
        if not 1 <= self.day <= longest:
            raise RuleError(
                f"{self.month}月没有{self.day}日",
                f"{MONTHS_EN[self.month - 1]} has no day {self.day}",
            )

    def occurrences(self, start: date, end: date) -> list[date]:
        """Every year's date in [start, end], skipping 29 Feb in common years."""
        _check_range(start, end)
        out = []
        for year in _year_span(start, end):
            if self.day > calendar.monthrange(year, self.month)[1]:
                continue
            d = date(year, self.month, self.day)
            if start <= d <= end:
                out.append(d)
        return out

    def describe(self, lang: str) -> str:
        """Short human text: 每年12月5日 / every year on 5 Dec."""
        if lang == "zh":
            return f"每年{self.month}月{self.day}日"
        return f"every year on {self.day} {MONTHS_EN[self.month - 1]}"


@dataclass(frozen=True)
class LunarDate:
    """The same Chinese lunar month/day every year (中秋 = LunarDate(8, 15)).

    - day -1 is the last day of the month, so 除夕 is LunarDate(12, -1): 腊月廿九 in
      years whose 12th month is short (2025–2029), 腊月三十 otherwise.
    - day 30 in a 29-day ("small") month falls on the 29th, the month's last day —
      the usual practice for lunar birthdays and anniversaries, so a yearly event
      never silently disappears. Hence `LunarDate(12, 30)` equals 除夕 every year.
    - leap=False means the regular month only: festivals are never kept in a leap
      month (in 2025, with its 闰六月, 七夕 is still in the regular 7th month).
      leap=True happens only in years that have that leap month (闰六月 2025, 闰五月 2028).
    """

    month: int
    day: int
    leap: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise RuleError(
                f"农历没有{self.month}月", f"the lunar calendar has no month {self.month}"
            )
        if self.day == 0 or not -1 <= self.day <= 30:
            raise RuleError(
                f"农历每月只有二十九或三十天，没有{self.day}日",
                f"a lunar month has 29 or 30 days, not day {self.day}",
            )

    def on_lunar_year(self, lunar_year: int) -> date | None:
        """The Gregorian day of this rule in one lunar year, or None (missing leap month)."""
        month = LunarYear.fromYear(lunar_year).getMonth(-self.month if self.leap else self.month)
        if month is None:
            return None
        length = month.getDayCount()
        day = length if self.day == -1 else min(self.day, length)
        solar = Solar.fromJulianDay(month.getFirstJulianDay() + day - 1)
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    def occurrences(self, start: date, end: date) -> list[date]:
        """Every lunar year's date in [start, end]."""
        _check_range(start, end)
        out = []
        # The 11th and 12th lunar months run into January/February of the next
        # Gregorian year, so lunar year Y can land in Gregorian year Y + 1.
        for lunar_year in range(start.year - 1, end.year + 1):
            d = self.on_lunar_year(lunar_year)
            if d is not None and start <= d <= end:
                out.append(d)
        return out

    def describe(self, lang: str) -> str:
        """Short human text: 农历九月初九 / lunar 9/9 every year."""
        if lang == "zh":
            day = "最后一天" if self.day == -1 else lunar_day_zh(self.day)
            leap = "闰" if self.leap else ""
            return f"农历{leap}{LUNAR_MONTHS_ZH[self.month - 1]}月{day}"
        day = "last day" if self.day == -1 else str(self.day)
        leap = "leap " if self.leap else ""
        return f"lunar {leap}{self.month}/{day} every year"


# Named like a class because it reads as one at call sites: rule = LastDayOfLunarYear().
def LastDayOfLunarYear() -> LunarDate:
    """除夕: the last day of the 12th lunar month (29th or 30th)."""
    return LunarDate(12, -1)


@cache
def solar_terms_of_year(year: int) -> dict[str, date]:
    """Simplified-Chinese term name -> its Gregorian date in `year` (Beijing time)."""
    # lunar-python's table for lunar year Y spans 大雪 of Y-1 to 惊蛰 of Y+1; terms
    # outside the lunar year carry upper-case pinyin keys (DONG_ZHI, XIAO_HAN…), so
    # read one mid-year table and keep only the days inside Gregorian `year`.
    aliases = {
        "DA_XUE": "大雪", "DONG_ZHI": "冬至", "XIAO_HAN": "小寒", "DA_HAN": "大寒",
        "LI_CHUN": "立春", "YU_SHUI": "雨水", "JING_ZHE": "惊蛰",
    }  # fmt: skip
    out: dict[str, date] = {}
    for y in (year, year + 1):
        table = Solar.fromYmd(y, 6, 1).getLunar().getJieQiTable()
        for key, solar in table.items():
            if solar.getYear() == year:
                out[aliases.get(key, key)] = date(year, solar.getMonth(), solar.getDay())
    return out


@dataclass(frozen=True)
class SolarTerm:
    """One of the 24 solar terms each year (清明, 冬至…); accepts zh, pinyin or English names."""

    name: str
    en: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        term = find_solar_term(self.name)
        if term is None:
            raise RuleError(f"不认识的节气：{self.name}", f"unknown solar term: {self.name}")
        # Store the canonical Chinese name so "qingming" and "清明" are equal rules.
        object.__setattr__(self, "name", term.zh)
        object.__setattr__(self, "en", term.en)

    def occurrences(self, start: date, end: date) -> list[date]:
        """The term's day in every year, within [start, end]."""
        _check_range(start, end)
        days = (solar_terms_of_year(y)[self.name] for y in _year_span(start, end))
        return [d for d in days if start <= d <= end]

    def describe(self, lang: str) -> str:
        """Short human text: 每年清明 / every year at Qingming."""
        return f"每年{self.name}" if lang == "zh" else f"every year at {self.en}"


@dataclass(frozen=True)
class NthWeekday:
    """The n-th (1..4) or last (-1) given weekday (0 = Monday) of every `every_months` months.

    With every_months > 1 the months counted are anchor_month, anchor_month + every_months…
    (every_months=3, anchor_month=1 -> January, April, July, October).
    """

    n: int
    weekday: int
    every_months: int = 1
    anchor_month: int = 1

    def __post_init__(self) -> None:
        # A 5th Saturday exists in only some months, so "第五个周六" would skip months silently.
        if self.n not in (1, 2, 3, 4, -1):
            raise RuleError(
                "只支持每月第一到第四个或最后一个星期几",
                "only the 1st to 4th or the last weekday of a month is supported",
            )
        if not 0 <= self.weekday <= 6:
            raise RuleError("星期几应在周一到周日之间", "weekday must be Monday to Sunday")
        if not 1 <= self.every_months <= 12 or not 1 <= self.anchor_month <= 12:
            raise RuleError("间隔月数应在1到12之间", "the month interval must be 1 to 12")

    def in_month(self, year: int, month: int) -> date:
        """This rule's day in one month."""
        first = date(year, month, 1)
        if self.n == -1:
            last = date(year, month, calendar.monthrange(year, month)[1])
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        return first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.n - 1))

    def occurrences(self, start: date, end: date) -> list[date]:
        """Every matching day in [start, end]."""
        _check_range(start, end)
        out = []
        for index in range(start.year * 12 + start.month - 1, end.year * 12 + end.month):
            year, month0 = divmod(index, 12)
            if (month0 + 1 - self.anchor_month) % self.every_months:
                continue
            d = self.in_month(year, month0 + 1)
            if start <= d <= end:
                out.append(d)
        return out

    def describe(self, lang: str) -> str:
        """Short human text: 每月第一个周六 / every first Saturday of the month."""
        if lang == "zh":
            every = "每月" if self.every_months == 1 else f"每{self.every_months}个月"
            return f"{every}{_ORDINALS_ZH[self.n]}周{WEEKDAYS_ZH[self.weekday]}"
        day = f"{_ORDINALS_EN[self.n]} {WEEKDAYS_EN[self.weekday]}"
        if self.every_months == 1:
            return f"every {day} of the month"
        return f"every {self.every_months} months on the {day}"


@dataclass(frozen=True)
class Weekly:
    """The same weekday every week (0 = Monday)."""

    weekday: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise RuleError("星期几应在周一到周日之间", "weekday must be Monday to Sunday")

    def occurrences(self, start: date, end: date) -> list[date]:
        """Every matching weekday in [start, end]."""
        _check_range(start, end)
        d = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        out = []
        while d <= end:
            out.append(d)
            d += timedelta(days=7)
        return out

    def describe(self, lang: str) -> str:
        """Short human text: 每周六 / every Saturday."""
        if lang == "zh":
            return f"每周{WEEKDAYS_ZH[self.weekday]}"
        return f"every {WEEKDAYS_EN[self.weekday]}"


DateRule = OneOff | SolarDate | LunarDate | SolarTerm | NthWeekday | Weekly
