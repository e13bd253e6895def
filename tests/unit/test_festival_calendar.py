"""Computed festival dates against the published Chinese calendar, 2025–2030.

Expected dates are the Gregorian dates printed in the Hong Kong Observatory's calendar
tables and, for 2025–2026, the State Council's (国务院办公厅) public-holiday notices
(春节 2025-01-29 / 2026-02-17, 清明 04-04 / 04-05, 端午 05-31 / 06-19, 中秋 10-06 / 09-25).
Cross-checks by reasoning: 元宵 is always 春节 + 14 days; 除夕 is 春节 − 1; 腊八 is
春节 − 22 when the 12th month is short (29 days; every year 2025–2029 "has no 年三十")
and 春节 − 23 when it is long (the 12th month before 2030's New Year).
"""

from datetime import date, timedelta

import pytest

from bot.core.festivals import (
    DateRule,
    LastDayOfLunarYear,
    LunarDate,
    NthWeekday,
    OneOff,
    RuleError,
    SolarDate,
    SolarTerm,
    Weekly,
    parse_rule,
)

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

# 腊八 is the one that falls in January of that Gregorian year (lunar year before).
PUBLISHED_TABLE = """
year  春节   元宵   端午   七夕   中秋   重阳   腊八   除夕   清明   冬至
2025  01-29  02-12  05-31  08-29  10-06  10-29  01-07  01-28  04-04  12-21
2026  02-17  03-03  06-19  08-19  09-25  10-18  01-26  02-16  04-05  12-22
2027  02-06  02-20  06-09  08-08  09-15  10-08  01-15  02-05  04-05  12-22
2028  01-26  02-09  05-28  08-26  10-03  10-26  01-04  01-25  04-04  12-21
2029  02-13  02-27  06-16  08-16  09-22  10-16  01-22  02-12  04-04  12-21
2030  02-03  02-17  06-05  08-05  09-12  10-05  01-11  02-02  04-05  12-22
"""
_HEADER, *_ROWS = PUBLISHED_TABLE.strip().splitlines()
FESTIVALS = tuple(_HEADER.split()[1:])
PUBLISHED = {int(row.split()[0]): tuple(row.split()[1:]) for row in _ROWS}


def _cases() -> list[tuple[str, int, date]]:
    return [
        (name, year, date.fromisoformat(f"{year}-{mmdd}"))
        for year, row in PUBLISHED.items()
        for name, mmdd in zip(FESTIVALS, row, strict=True)
    ]


@pytest.mark.parametrize(("name", "year", "expected"), _cases())
def test_festival_dates_match_the_published_calendar(name, year, expected):
    rule = parse_rule(name)
    assert rule.occurrences(date(year, 1, 1), date(year, 12, 31)) == [expected]


def test_the_published_table_is_self_consistent():
    for year, row in PUBLISHED.items():
        spring, lantern, *_, laba, eve, _, _ = (date.fromisoformat(f"{year}-{d}") for d in row)
        assert lantern == spring + timedelta(days=14)
        assert eve == spring - timedelta(days=1)
        assert spring - laba in (timedelta(days=22), timedelta(days=23))


def test_2027_spot_checks_from_the_brief():
    year = (date(2027, 1, 1), date(2027, 12, 31))
    assert LunarDate(8, 15).occurrences(*year) == [date(2027, 9, 15)]
    assert LunarDate(1, 1).occurrences(date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 2, 17)]
    assert LunarDate(8, 15).occurrences(date(2025, 1, 1), date(2025, 12, 31)) == [date(2025, 10, 6)]


def test_festivals_skip_the_leap_month_but_a_leap_rule_finds_it():
    # 2025 has a leap 6th month (闰六月 from 2025-07-25), which pushed 中秋 to 10-06.
    y2025 = (date(2025, 1, 1), date(2025, 12, 31))
    assert LunarDate(6, 1).occurrences(*y2025) == [date(2025, 6, 25)]
    assert LunarDate(6, 1, leap=True).occurrences(*y2025) == [date(2025, 7, 25)]
    # 2026 has no leap month at all, so a leap rule simply does not occur.
    assert LunarDate(6, 1, leap=True).occurrences(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_day_30_in_a_short_lunar_month_falls_on_its_last_day():
    # The 12th lunar month before 2027's New Year has 29 days: 腊月三十 is 除夕 (腊月廿九).
    span = (date(2027, 1, 1), date(2027, 12, 31))
    assert LunarDate(12, 30).occurrences(*span) == [date(2027, 2, 5)]
    assert LastDayOfLunarYear().occurrences(*span) == [date(2027, 2, 5)]
    # Before 2030's New Year the 12th month is long: 除夕 is a real 腊月三十.
    assert LastDayOfLunarYear().occurrences(date(2030, 1, 1), date(2030, 12, 31)) == [
        date(2030, 2, 2)
    ]


def test_lunar_year_that_spills_into_the_next_gregorian_year_is_found():
    # 腊八 of lunar 2026 is 2027-01-15; a window of only January 2027 must still see it.
    assert LunarDate(12, 8).occurrences(date(2027, 1, 1), date(2027, 1, 31)) == [date(2027, 1, 15)]


def test_all_24_solar_terms_occur_once_a_year_in_order():
    year = (date(2027, 1, 1), date(2027, 12, 31))
    names = ["小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满",
             "芒种", "夏至", "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降",
             "立冬", "小雪", "大雪", "冬至"]  # fmt: skip
    days = [SolarTerm(n).occurrences(*year) for n in names]
    assert all(len(d) == 1 for d in days)
    flat = [d[0] for d in days]
    assert flat == sorted(flat)
    assert flat[2] == date(2027, 2, 4)  # 立春
    assert flat[11] == date(2027, 6, 21)  # 夏至


def test_solar_term_aliases_are_one_rule():
    assert SolarTerm("qingming") == SolarTerm("清明") == parse_rule("Tomb-Sweeping Day")
    assert SolarTerm("winter solstice") == SolarTerm("冬至")
    with pytest.raises(RuleError, match="unknown solar term"):
        SolarTerm("harvest moon")


def test_february_29_only_in_leap_years():
    got = SolarDate(2, 29).occurrences(date(2025, 1, 1), date(2032, 12, 31))
    assert got == [date(2028, 2, 29), date(2032, 2, 29)]


def test_first_saturday_of_every_month_across_a_year():
    got = NthWeekday(1, 5).occurrences(date(2027, 1, 1), date(2027, 12, 31))
    assert got == [
        date(2027, 1, 2), date(2027, 2, 6), date(2027, 3, 6), date(2027, 4, 3),
        date(2027, 5, 1), date(2027, 6, 5), date(2027, 7, 3), date(2027, 8, 7),
        date(2027, 9, 4), date(2027, 10, 2), date(2027, 11, 6), date(2027, 12, 4),
    ]  # fmt: skip
    assert all(d.weekday() == 5 and d.day <= 7 for d in got)


def test_last_sunday_and_every_other_month():
    year = (date(2027, 1, 1), date(2027, 12, 31))
    last_sundays = NthWeekday(-1, 6).occurrences(*year)
    assert date(2027, 3, 28) in last_sundays and date(2027, 10, 31) in last_sundays
    assert all(d.weekday() == 6 and (d + timedelta(days=7)).month != d.month for d in last_sundays)
    quarterly = NthWeekday(2, 2, every_months=3).occurrences(*year)
    assert [d.month for d in quarterly] == [1, 4, 7, 10]


def test_weekly_and_one_off():
    assert Weekly(5).occurrences(date(2027, 1, 1), date(2027, 1, 31)) == [
        date(2027, 1, 2), date(2027, 1, 9), date(2027, 1, 16), date(2027, 1, 23), date(2027, 1, 30)
    ]  # fmt: skip
    assert OneOff(date(2026, 12, 5)).occurrences(date(2026, 12, 5), date(2026, 12, 5)) == [
        date(2026, 12, 5)
    ]
    assert OneOff(date(2026, 12, 5)).occurrences(date(2027, 1, 1), date(2027, 12, 31)) == []


@pytest.mark.parametrize(
    ("make", "en"),
    [
        (lambda: SolarDate(2, 30), "Feb has no day 30"),
        (lambda: SolarDate(13, 1), "no month 13"),
        (lambda: LunarDate(13, 1), "lunar calendar has no month 13"),
        (lambda: LunarDate(8, 31), "29 or 30 days"),
        (lambda: NthWeekday(5, 5), "1st to 4th or the last"),
    ],
)
def test_impossible_rules_cannot_be_built(make, en):
    with pytest.raises(RuleError, match=en):
        make()


def test_descriptions_read_back_as_the_same_rule():
    rules: list[DateRule] = [
        SolarDate(12, 5), LunarDate(9, 9), SolarTerm("清明"), NthWeekday(1, 5), Weekly(5),
        OneOff(date(2026, 12, 5)), NthWeekday(-1, 6, every_months=2),
    ]  # fmt: skip
    for rule in rules:
        assert parse_rule(rule.describe("zh")) == rule
        if not isinstance(rule, OneOff):  # "5 Dec 2026" is for reading, not typing
            assert parse_rule(rule.describe("en")) == rule
    assert LunarDate(9, 9).describe("zh") == "农历九月初九"
    assert NthWeekday(1, 5).describe("en") == "every first Saturday of the month"
