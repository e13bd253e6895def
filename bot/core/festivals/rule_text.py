"""Turn what an admin or floor captain types into a DateRule, a time of day or both.

Parsing is an ordered chain of small deterministic parsers (first match wins); a text
that looks like a date but names an impossible one (2月30日, 农历十三月, 25:00) raises
RuleError with the specific reason, and anything else raises a generic RuleError.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from bot.core.festivals.catalogue import find_festival, find_solar_term
from bot.core.festivals.date_rules import (
    DateRule,
    LunarDate,
    NthWeekday,
    OneOff,
    SolarDate,
    SolarTerm,
    Weekly,
)
from bot.core.festivals.errors import RuleError

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUM = r"[0-9零〇一二两三四五六七八九十廿卅]+"
_LUNAR_MONTH_NAMES = {"正": 1, "冬": 11, "腊": 12}
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}  # fmt: skip
_WEEKDAY_EN = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"),
)) for name in names}  # fmt: skip
_MONTH_EN = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
)) for name in names}  # fmt: skip
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "fifth": 5, "5th": 5, "last": -1, "一": 1, "1": 1, "二": 2, "2": 2,
            "三": 3, "3": 3, "四": 4, "4": 4, "五": 5, "5": 5, "最后一": -1}  # fmt: skip
_WD_EN = "|".join(sorted(_WEEKDAY_EN, key=len, reverse=True))
_ORD_EN = r"first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last"


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and colons (１２：００) that Chinese IMEs produce.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def _cn_int(text: str) -> int:
    """1..99 written in digits or Chinese numerals: 15, 十五, 廿三, 卅, 三十一."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _, units = text.partition("十")
        if len(units) > 1 or len(tens) > 1:
            raise _not_understood(text)
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    raise _not_understood(text)


def _not_understood(text: str) -> RuleError:
    return RuleError(
        f"看不懂这个日期：{text}（例如：12月5日、农历九月初九、每月第一个周六）",
        f"cannot read this date: {text} (e.g. 12-05, lunar 9-9, every first Saturday)",
    )


Parser = Callable[[str], DateRule | None]


def _iso_date(text: str) -> DateRule | None:
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?", text)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    SolarDate(month, day)  # the bilingual "no such month/day" message
    try:
        return OneOff(date(year, month, day))
    except ValueError:  # 2027-02-29: a real month/day, but not in that year
        raise RuleError(f"{year}年没有2月29日", f"{year} has no 29 February") from None


_LUNAR_MONTH = r"(闰)?\s*(正|冬|腊|[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月"
_LUNAR_DAY = r"(最后一天|初[一二三四五六七八九十]|[0-9]{1,2}|[零〇一二两三四五六七八九十廿卅]{1,3})"


def _lunar_parts(leap: str | None, month_text: str, day_text: str) -> LunarDate:
    month = _LUNAR_MONTH_NAMES.get(month_text) or _cn_int(month_text)
    if day_text == "最后一天":
        return LunarDate(month, -1, leap=bool(leap))
    day = _cn_int(day_text[1:]) if day_text.startswith("初") else _cn_int(day_text)
    return LunarDate(month, day, leap=bool(leap))


def _lunar_zh(text: str) -> DateRule | None:
    # Explicit: 农历八月十五 / 阴历8月15日 / 农历闰六月初一.
    m = re.fullmatch(rf"(?:农历|阴历|旧历)\s*{_LUNAR_MONTH}\s*{_LUNAR_DAY}\s*[日号]?", text)
    if m:
        return _lunar_parts(*m.groups())
    # Implicit, the traditional way of writing lunar dates: a lunar-only month name
    # (正月十五, 腊月初八), a 初X day, or Chinese numerals with no 日/号 (八月十五 is
    # 中秋 to every reader, while 8月15日 and 十二月五日 are Gregorian).
    m = re.fullmatch(rf"{_LUNAR_MONTH}\s*{_LUNAR_DAY}", text)
    if m:
        leap, month_text, day_text = m.groups()
        lunarish = (
            leap
            or month_text in _LUNAR_MONTH_NAMES
            or day_text.startswith("初")
            or not (month_text.isdigit() or day_text.isdigit())
        )
        if lunarish:
            return _lunar_parts(leap, month_text, day_text)
    return None


def _lunar_day_only(text: str) -> DateRule | None:
    # "农历三十" names no month: it cannot be scheduled (and 三十 does not exist in
    # every month), so ask for the month instead of guessing.
    m = re.fullmatch(rf"(?:农历|阴历|旧历|lunar)\s*{_LUNAR_DAY}\s*[日号]?", text)
    if not m:
        return None
    day_text = m.group(1)
    day = _cn_int(day_text[1:]) if day_text.startswith("初") else _cn_int(day_text)
    LunarDate(1, day)  # the "29 or 30 days" message for 三十一 and up
    raise RuleError(
        "农历日期要写月份，例如：农历九月初九", "a lunar date needs a month, e.g. lunar 9-9"
    )


def _lunar_en(text: str) -> DateRule | None:
    m = re.fullmatch(r"(?:lunar|农历)\s*(leap\s*|闰)?(\d{1,2})\s*[-/.]\s*(-?\d{1,2})", text)
    if not m:
        return None
    return LunarDate(int(m.group(2)), int(m.group(3)), leap=bool(m.group(1)))


def _solar_yearly(text: str) -> DateRule | None:
    m = re.fullmatch(r"(\d{1,2})\s*[-/]\s*(\d{1,2})", text) or re.fullmatch(
        rf"(?:公历|阳历|新历)?\s*({_CN_NUM})\s*月\s*({_CN_NUM})\s*[日号]?", text
    )
    if m:
        return SolarDate(_cn_int(m.group(1)), _cn_int(m.group(2)))
    months = "|".join(sorted(_MONTH_EN, key=len, reverse=True))
    m = re.fullmatch(rf"({months})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?", text)
    if m:
        return SolarDate(_MONTH_EN[m.group(1)], int(m.group(2)))
    m = re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?({months})\.?", text)
    if m:
        return SolarDate(_MONTH_EN[m.group(2)], int(m.group(1)))
    return None


def _festival(text: str) -> DateRule | None:
    fest = find_festival(text)
    if fest is None:
        return None
    if fest.calendar == "lunar":
        return LunarDate(fest.month, fest.day)
    return SolarDate(fest.month, fest.day)


def _solar_term(text: str) -> DateRule | None:
    m = re.fullmatch(r"(?:节气|solar\s*term)\s*[:：]?\s*(.+)", text)
    if m:
        return SolarTerm(m.group(1))  # raises "unknown solar term" for a wrong name
    term = find_solar_term(text)
    return SolarTerm(term.zh) if term else None


def _monthly_zh(text: str) -> DateRule | None:
    m = re.fullmatch(
        r"每\s*(?:隔)?\s*([0-9一二两三四五六]+)?\s*个?\s*月\s*的?\s*"
        r"(?:第\s*([一二三四五1-5])\s*个|(最后一)\s*个)\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])",
        text,
    )
    if not m:
        return None
    every, nth, last, weekday = m.groups()
    return NthWeekday(
        _ORDINAL[last or nth], _WEEKDAY_ZH[weekday], every_months=_cn_int(every) if every else 1
    )


def _monthly_en(text: str) -> DateRule | None:
    month_tail = r"(?:\s+of\s+(?:the|every|each)\s+month|\s+monthly|\s+of\s+each\s+month)?"
    m = re.fullmatch(rf"(?:every|each)\s+({_ORD_EN})\s+({_WD_EN}){month_tail}", text) or (
        re.fullmatch(rf"(?:the\s+)?({_ORD_EN})\s+({_WD_EN})\s+of\s+(?:every|each)\s+month", text)
    )
    if m:
        return NthWeekday(_ORDINAL[m.group(1)], _WEEKDAY_EN[m.group(2)])
    m = re.fullmatch(
        rf"every\s+(\d{{1,2}})\s+months?\s*,?\s*(?:on\s+)?(?:the\s+)?({_ORD_EN})\s+({_WD_EN})",
        text,
    )
    if m:
        return NthWeekday(_ORDINAL[m.group(2)], _WEEKDAY_EN[m.group(3)], int(m.group(1)))
    return None


def _weekly(text: str) -> DateRule | None:
    m = re.fullmatch(r"每\s*个?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])", text)
    if m:
        return Weekly(_WEEKDAY_ZH[m.group(1)])
    m = re.fullmatch(rf"(?:every|each)\s+({_WD_EN})|(?:weekly\s+on\s+)({_WD_EN})", text)
    if m:
        return Weekly(_WEEKDAY_EN[m.group(1) or m.group(2)])
    return None


# Deterministic, most specific first: a full date before a month/day, explicit lunar
# before the implicit lunar reading, names last.
_PARSERS: tuple[Parser, ...] = (
    _iso_date,
    _lunar_en,
    _lunar_zh,
    _lunar_day_only,
    _solar_yearly,
    _monthly_zh,
    _monthly_en,
    _weekly,
    _festival,
    _solar_term,
)


_YEARLY_PREFIX = re.compile(r"^(?:每年的?|every\s+year(?:\s+(?:on|at))?|yearly|annually)\s*")
_YEARLY_SUFFIX = re.compile(r"\s*(?:every\s+year|each\s+year|yearly|annually)$")


def parse_rule(text: str) -> DateRule:
    """Parse a date rule ("农历九月初九", "every first saturday", "12-05"); RuleError if bad."""
    # "每年" / "every year" add nothing: every rule except a full date is yearly or finer.
    norm = _YEARLY_PREFIX.sub("", _YEARLY_SUFFIX.sub("", _normalise(text)))
    if not norm:
        raise RuleError("日期不能为空", "the date is empty")
    for parser in _PARSERS:
        try:
            rule = parser(norm)
        except KeyError:
            # A Chinese numeral we cannot read (e.g. 十十五): not a date, not a crash.
            raise _not_understood(text.strip()) from None
        if rule is not None:
            return rule
    raise _month_out_of_range(norm) or _not_understood(text.strip())


def _month_out_of_range(norm: str) -> RuleError | None:
    # "13月" or "农历十三月" with no day match no pattern; name the real problem anyway.
    m = re.search(rf"({_CN_NUM})\s*月", norm)
    if not m:
        return None
    try:
        month = _cn_int(m.group(1))
        if re.search(r"农历|阴历|旧历|lunar", norm):
            LunarDate(month, 1)
        else:
            SolarDate(month, 1)
    except RuleError as err:
        return err
    except KeyError:
        return None
    return None


_TIME_RE = re.compile(
    r"(?:(上午|早上|早晨|中午|下午|晚上|傍晚)\s*)?(\d{1,2})\s*(?:[:：.]\s*(\d{1,2})|点\s*(半|\d{1,2}\s*分?)?)?"
    r"\s*(am|pm|a\.m\.|p\.m\.)?"
)


def parse_time(text: str) -> time:
    """Parse a local time of day ("09:00", "9点半", "3pm", "下午3点"); RuleError if impossible."""
    norm = _normalise(text)
    m = _TIME_RE.fullmatch(norm)
    if not m or not (m.group(3) or m.group(4) is not None or m.group(5) or "点" in norm):
        raise RuleError(
            f"看不懂这个时间：{text.strip()}（例如 09:00）",
            f"cannot read this time: {text.strip()} (e.g. 09:00)",
        )
    period, hour_text, minute_text, cn_minutes, ampm = m.groups()
    hour = int(hour_text)
    if cn_minutes:
        minute = 30 if cn_minutes == "半" else int(cn_minutes.rstrip("分").strip())
    else:
        minute = int(minute_text) if minute_text else 0
    afternoon = period in ("下午", "晚上", "傍晚") or (ampm or "").startswith("p")
    if (ampm or period) and not 1 <= hour <= 12 and not (period and hour <= 23):
        raise RuleError(f"没有{hour}点", f"there is no {hour} o'clock")
    if afternoon and hour < 12:
        hour += 12
    elif ampm and ampm.startswith("a") and hour == 12:
        hour = 0
    if not 0 <= hour <= 23:
        raise RuleError(f"没有{hour}点（小时应为0–23）", f"no hour {hour} (hours are 0–23)")
    if not 0 <= minute <= 59:
        raise RuleError(f"没有{minute}分（分钟应为0–59）", f"no minute {minute} (minutes are 0–59)")
    return time(hour, minute)


@dataclass(frozen=True)
class Schedule:
    """A date rule with an optional start time, as typed together ("每月第一个周六 09:00")."""

    rule: DateRule
    start_time: time | None


def parse_schedule(text: str) -> Schedule:
    """Parse "rule [time]" — a captain's "2026-12-05 10:00" or "重阳 15:00"; RuleError if bad."""
    norm = _normalise(text)
    m = re.fullmatch(r"(.+?)\s+(\S*\d{1,2}\s*[:：]\s*\d{1,2}\s*(?:am|pm)?|\S+点\S*)", norm)
    if m:
        return Schedule(parse_rule(m.group(1)), parse_time(m.group(2)))
    return Schedule(parse_rule(norm), None)
