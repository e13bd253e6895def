"""Reading a captain's `/duty [building] DATE START-END TITLE SLOTS [urgent] [@ PLACE]` (pure).

"周六 9:00-11:00 楼道清洁 4人", "tomorrow 2pm-3:30pm stairwell cleaning 3 people urgent".
Extraction (which words are the date, the times, the slots) is separate from resolution
(which calendar day "周六" is, given today and the time now), as in the festivals' parsers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.core.festivals import RuleError, parse_rule, parse_time
from bot.core.festivals.date_rules import OneOff

TITLE_LIMIT = 60
MAX_SLOTS = 50
MAX_SHIFT = timedelta(hours=12)
# How far ahead a date without a year may be.
HORIZON = timedelta(days=366)

_DASH = re.compile(r"(?<=[\dm点半分])\s*[-–—~～至到]\s*(?=[\d上下早晚中])", re.IGNORECASE)
_RANGE = re.compile(r"^(.+?)[-–—~～至到](.+)$")
_TIMEISH = re.compile(r"\d{1,2}\s*[:：.]\s*\d{2}|\d{1,2}\s*点|\d{1,2}\s*(?:am|pm)", re.IGNORECASE)
_CN_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}  # fmt: skip
_SLOTS_ONE = re.compile(
    r"^(\d{1,3}|[一两二三四五六七八九十])\s*(?:人|名|位|个人)$|^[x×](\d{1,3})$", re.IGNORECASE
)
_SLOTS_WORDS = frozenset(
    {"people", "persons", "person", "volunteers", "volunteer", "slots", "slot", "spots", "places"}
)
_URGENT = frozenset({"急", "紧急", "加急", "急需", "urgent", "urgently", "!"})
_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2}
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_EN = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"),
)) for name in names}  # fmt: skip
_WEEKDAY_ZH_RE = re.compile(r"^(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])$")
_WEEKDAY_EN_RE = re.compile(r"^(next\s+|this\s+)?([a-z]+)\.?$")


class DutyRefusal(Exception):
    """A /duty (or another volunteers' request) that changes nothing; `key` is a text key."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class DayWords:
    """The date as written, not yet resolved to a calendar day."""

    text: str


@dataclass(frozen=True)
class DutyRequest:
    """What the captain asked for, read but not yet resolved to a day or checked for rights."""

    building: str | None
    day: DayWords
    start: time
    end: time
    title: str
    slots: int
    urgent: bool
    place: str | None


def parse_duty(text: str, building_keys: list[str]) -> DutyRequest:
    """Split a /duty line into its parts; DutyRefusal with the first thing wrong."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise DutyRefusal("duty_usage")
    body, _, place_text = text.partition("@")
    place = place_text.strip() or None
    tokens = _DASH.sub("-", body).split()
    building = None
    if tokens and tokens[0] in building_keys:
        building = tokens.pop(0)
    at = next((i for i, t in enumerate(tokens) if _RANGE.match(t) and _TIMEISH.search(t)), None)
    if at is None:
        if any(_TIMEISH.search(t) for t in tokens):
            raise DutyRefusal("duty_missing_end")
        raise DutyRefusal("duty_missing_time")
    if at == 0:
        raise DutyRefusal("duty_missing_date")
    start, end = _time_range(tokens[at])
    rest = tokens[at + 1 :]
    slots, urgent, words = _slots_and_flags(rest)
    title = " ".join(words).strip()
    if not title:
        raise DutyRefusal("duty_missing_title")
    if len(title) > TITLE_LIMIT:
        raise DutyRefusal("duty_title_too_long", limit=TITLE_LIMIT)
    if place is not None and len(place) > TITLE_LIMIT:
        raise DutyRefusal("duty_title_too_long", limit=TITLE_LIMIT)
    return DutyRequest(
        building, DayWords(" ".join(tokens[:at])), start, end, title, slots, urgent, place
    )


_PERIOD = re.compile(r"^(上午|早上|早晨|中午|下午|晚上|傍晚)")
_AMPM = re.compile(r"(am|pm)$", re.IGNORECASE)


def _time_range(token: str) -> tuple[time, time]:
    found = _RANGE.match(token)
    assert found is not None
    first, second = found[1], found[2]
    # "下午2点-4点": the first half's 下午 applies to the second; "2-3:30pm": the second
    # half's pm applies to the first, unless that would start after it ends ("11-1pm").
    period = _PERIOD.match(first)
    if period and not _PERIOD.match(second):
        second = period[1] + second
    suffix = _AMPM.search(second)
    borrowed = bool(suffix) and not _AMPM.search(first) and not _PERIOD.match(first)
    try:
        end = parse_time(second)
        start = parse_time(first + suffix[1] if borrowed and suffix else first)
        if borrowed and start >= end:
            start = parse_time(first + "am")
    except RuleError as error:
        raise _unreadable("duty_bad_time", error) from None
    if end <= start:
        raise DutyRefusal("duty_end_before_start", start=f"{start:%H:%M}", end=f"{end:%H:%M}")
    return start, end


def _unreadable(key: str, error: RuleError) -> DutyRefusal:
    # The reason in the reader's language, bound now: an except clause unbinds its name
    # when it ends, and the text is rendered later.
    return DutyRefusal(key, reason=error.message)


def _slots_and_flags(tokens: list[str]) -> tuple[int, bool, list[str]]:
    slots: int | None = None
    urgent = False
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        low = token.lower()
        one = _SLOTS_ONE.match(low)
        if slots is None and one:
            number = one[1] or one[2]
            slots = int(number) if number.isdigit() else _CN_SMALL[number]
        elif (
            slots is None
            and low.isdigit()
            and i + 1 < len(tokens)
            and tokens[i + 1].lower() in _SLOTS_WORDS
        ):
            slots = int(low)
            i += 1
        elif low in _URGENT:
            urgent = True
        else:
            words.append(token)
        i += 1
    if slots is None:
        raise DutyRefusal("duty_missing_slots")
    if not 1 <= slots <= MAX_SLOTS:
        raise DutyRefusal("duty_bad_slots", most=MAX_SLOTS)
    return slots, urgent, words


def resolve_day(words: DayWords, start: time, now: datetime, tz: tzinfo) -> date:
    """The calendar day the captain meant: the next one whose shift has not begun yet."""
    local = now.astimezone(tz)
    today = local.date()
    norm = re.sub(r"\s+", " ", words.text.strip().lower())

    def upcoming(day: date) -> bool:
        return datetime.combine(day, start, tzinfo=tz) > local

    if norm in _RELATIVE:
        day = today + timedelta(days=_RELATIVE[norm])
        if not upcoming(day):
            raise DutyRefusal("duty_in_past")
        return day
    weekday, next_week = _weekday(norm)
    if weekday is not None:
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
        if next_week or not upcoming(day):
            day += timedelta(days=7)
        return day
    try:
        rule = parse_rule(words.text)
    except RuleError as error:
        raise _unreadable("duty_bad_date", error) from None
    for day in rule.occurrences(today, today + HORIZON):
        if upcoming(day):
            return day
    if isinstance(rule, OneOff) and rule.on > today:
        raise DutyRefusal("duty_too_far", days=HORIZON.days)  # "2099-01-01" has not passed
    raise DutyRefusal("duty_in_past")


def _weekday(norm: str) -> tuple[int | None, bool]:
    zh = _WEEKDAY_ZH_RE.match(norm.replace(" ", ""))
    if zh:
        return _WEEKDAY_ZH[zh[2]], bool(zh[1] and zh[1].startswith("下"))
    en = _WEEKDAY_EN_RE.match(norm)
    if en and en[2] in _WEEKDAY_EN:
        return _WEEKDAY_EN[en[2]], bool(en[1] and en[1].startswith("next"))
    return None, False


def shift_times(request: DutyRequest, now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The shift's start and end as aware datetimes; DutyRefusal if unreadable or past."""
    day = resolve_day(request.day, request.start, now, tz)
    starts = datetime.combine(day, request.start, tzinfo=tz)
    ends = datetime.combine(day, request.end, tzinfo=tz)
    if ends - starts > MAX_SHIFT:
        raise DutyRefusal("duty_too_long", hours=int(MAX_SHIFT.total_seconds() // 3600))
    return starts, ends
