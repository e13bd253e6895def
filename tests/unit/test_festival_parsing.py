"""What admins and floor captains type, in Chinese and English, and what it becomes."""

from datetime import date, time

import pytest

from bot.core.festivals import (
    LunarDate,
    NthWeekday,
    OneOff,
    ReminderOffset,
    RuleError,
    SolarDate,
    SolarTerm,
    Weekly,
    parse_offset,
    parse_rule,
    parse_schedule,
    parse_time,
)

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # one-off dates
        ("2026-12-05", OneOff(date(2026, 12, 5))),
        ("2026/12/5", OneOff(date(2026, 12, 5))),
        ("2026年12月5日", OneOff(date(2026, 12, 5))),
        ("２０２６－１２－０５", OneOff(date(2026, 12, 5))),  # full-width, as IMEs type it
        # yearly solar
        ("12-05", SolarDate(12, 5)),
        ("12月5日", SolarDate(12, 5)),
        ("12月5号", SolarDate(12, 5)),
        ("十二月五日", SolarDate(12, 5)),
        ("8月15日", SolarDate(8, 15)),
        ("Dec 5", SolarDate(12, 5)),
        ("5th of December", SolarDate(12, 5)),
        ("每年12月5日", SolarDate(12, 5)),
        ("国庆", SolarDate(10, 1)),
        # yearly lunar
        ("农历八月十五", LunarDate(8, 15)),
        ("农历8月15日", LunarDate(8, 15)),
        ("八月十五", LunarDate(8, 15)),  # Chinese numerals, no 日: the traditional lunar way
        ("lunar 8-15", LunarDate(8, 15)),
        ("Lunar 9/9", LunarDate(9, 9)),
        ("正月十五", LunarDate(1, 15)),
        ("腊月初八", LunarDate(12, 8)),
        ("冬月廿三", LunarDate(11, 23)),
        ("农历九月初九", LunarDate(9, 9)),
        ("农历闰六月初一", LunarDate(6, 1, leap=True)),
        ("lunar leap 6-1", LunarDate(6, 1, leap=True)),
        ("腊月最后一天", LunarDate(12, -1)),
        # festival names
        ("重阳", LunarDate(9, 9)),
        ("重阳节", LunarDate(9, 9)),
        ("中秋", LunarDate(8, 15)),
        ("Mid-Autumn Festival", LunarDate(8, 15)),
        ("春节", LunarDate(1, 1)),
        ("Chinese New Year", LunarDate(1, 1)),
        ("元宵节", LunarDate(1, 15)),
        ("端午", LunarDate(5, 5)),
        ("dragon boat festival", LunarDate(5, 5)),
        ("七夕", LunarDate(7, 7)),
        ("腊八", LunarDate(12, 8)),
        ("除夕", LunarDate(12, -1)),
        ("double ninth", LunarDate(9, 9)),
        # solar terms
        ("清明", SolarTerm("清明")),
        ("清明节", SolarTerm("清明")),
        ("冬至", SolarTerm("冬至")),
        ("qingming", SolarTerm("清明")),
        ("Winter Solstice", SolarTerm("冬至")),
        ("节气：立春", SolarTerm("立春")),
        # monthly
        ("每月第一个周六", NthWeekday(1, 5)),
        ("每个月的第一个星期六", NthWeekday(1, 5)),
        ("每月最后一个周日", NthWeekday(-1, 6)),
        ("每月第3个礼拜天", NthWeekday(3, 6)),
        ("每两个月第一个周六", NthWeekday(1, 5, every_months=2)),
        ("every first saturday", NthWeekday(1, 5)),
        ("Every first Saturday of the month", NthWeekday(1, 5)),
        ("first saturday of every month", NthWeekday(1, 5)),
        ("every last sunday", NthWeekday(-1, 6)),
        ("every 2nd wed", NthWeekday(2, 2)),
        ("every 3 months on the first saturday", NthWeekday(1, 5, every_months=3)),
        # weekly
        ("每周六", Weekly(5)),
        ("每个星期天", Weekly(6)),
        ("every saturday", Weekly(5)),
    ],
)
def test_parse_rule_understands(text, rule):
    assert parse_rule(text) == rule


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("2月30日", "2月没有30日", "Feb has no day 30"),
        ("2-30", "2月没有30日", "Feb has no day 30"),
        ("4月31日", "4月没有31日", "Apr has no day 31"),
        ("13月5日", "没有13月", "there is no month 13"),
        ("13月", "没有13月", "there is no month 13"),
        ("农历十三月", "农历没有13月", "the lunar calendar has no month 13"),
        ("13-01", "没有13月", "there is no month 13"),
        ("2027-02-29", "2027年没有2月29日", "2027 has no 29 February"),
        ("2026-13-01", "没有13月", "there is no month 13"),
        ("农历十三月初一", "农历没有13月", "the lunar calendar has no month 13"),
        ("lunar 13-1", "农历没有13月", "the lunar calendar has no month 13"),
        ("农历八月三十一", "农历每月只有二十九或三十天", "a lunar month has 29 or 30 days"),
        ("农历三十", "农历日期要写月份", "a lunar date needs a month"),
        ("农历三十一", "农历每月只有二十九或三十天", "a lunar month has 29 or 30 days"),
        ("节气：月圆", "不认识的节气", "unknown solar term"),
        ("solar term harvest moon", "不认识的节气", "unknown solar term"),
        ("每月第五个周六", "只支持每月第一到第四个", "only the 1st to 4th"),
        ("every fifth saturday", "只支持每月第一到第四个", "only the 1st to 4th"),
        ("下雨天", "看不懂这个日期", "cannot read this date"),
        ("", "日期不能为空", "the date is empty"),
    ],
)
def test_parse_rule_rejects_impossible_dates_in_both_languages(text, zh, en):
    with pytest.raises(RuleError) as caught:
        parse_rule(text)
    assert zh in caught.value.zh
    assert en in caught.value.en
    assert isinstance(caught.value, ValueError)
    assert caught.value.message("en") == caught.value.en


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("23:59", time(23, 59)),
        ("0:00", time(0, 0)),
        ("１５：３０", time(15, 30)),
        ("9点", time(9, 0)),
        ("9点半", time(9, 30)),
        ("9点15分", time(9, 15)),
        ("下午3点", time(15, 0)),
        ("晚上8点", time(20, 0)),
        ("3pm", time(15, 0)),
        ("3:30 pm", time(15, 30)),
        ("12am", time(0, 0)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "en"),
    [
        ("25:00", "no hour 25"),
        ("24:00", "no hour 24"),
        ("10:61", "no minute 61"),
        ("13pm", "there is no 13 o'clock"),
        ("soon", "cannot read this time"),
        ("15", "cannot read this time"),
    ],
)
def test_parse_time_rejects(text, en):
    with pytest.raises(RuleError, match=en):
        parse_time(text)


def test_parse_schedule_splits_a_trailing_time():
    assert parse_schedule("2026-12-05 10:00").rule == OneOff(date(2026, 12, 5))
    assert parse_schedule("2026-12-05 10:00").start_time == time(10, 0)
    assert parse_schedule("每月第一个周六 9点").start_time == time(9, 0)
    assert parse_schedule("重阳 15:00").rule == LunarDate(9, 9)
    assert parse_schedule("中秋").start_time is None
    with pytest.raises(RuleError, match="no hour 25"):
        parse_schedule("2026-12-05 25:00")
    with pytest.raises(RuleError, match="Feb has no day 30"):
        parse_schedule("2月30日 10:00")


@pytest.mark.parametrize(
    ("text", "canonical", "offset"),
    [
        ("7d", "7d", ReminderOffset(days=7)),
        ("1d", "1d", ReminderOffset(days=1)),
        ("1w", "7d", ReminderOffset(days=7)),
        ("3天前", "3d", ReminderOffset(days=3)),
        ("提前3天", "3d", ReminderOffset(days=3)),
        ("2h", "2h", ReminderOffset(minutes=120)),
        ("提前2小时", "2h", ReminderOffset(minutes=120)),
        ("30m", "30m", ReminderOffset(minutes=30)),
        ("90分钟", "90m", ReminderOffset(minutes=90)),
        ("0d@09:00", "0d@09:00", ReminderOffset(days=0, at=time(9, 0))),
        ("1d@20:00", "1d@20:00", ReminderOffset(days=1, at=time(20, 0))),
        ("当天 9:00", "0d@09:00", ReminderOffset(days=0, at=time(9, 0))),
        ("前一天晚上8点", "1d@20:00", ReminderOffset(days=1, at=time(20, 0))),
    ],
)
def test_parse_offset_gives_one_canonical_spelling(text, canonical, offset):
    parsed = parse_offset(text)
    assert parsed == offset
    assert str(parsed) == canonical
    assert parse_offset(canonical) == parsed


@pytest.mark.parametrize(
    ("text", "en"),
    [
        ("-1d", "cannot read this reminder offset"),
        ("soon", "cannot read this reminder offset"),
        ("2h@09:00", "only day offsets take a time"),
        ("0d@25:00", "no hour 25"),
        ("400d", "at most a year"),
        ("100h", "at most a year (or 72 hours)"),
    ],
)
def test_parse_offset_rejects(text, en):
    with pytest.raises(RuleError, match=en.replace("(", r"\(").replace(")", r"\)")):
        parse_offset(text)


def test_offsets_describe_themselves():
    assert parse_offset("0d@09:00").describe("zh") == "当天09:00"
    assert parse_offset("1d").describe("en") == "1 day before"
    assert parse_offset("2h").describe("zh") == "提前2小时"
