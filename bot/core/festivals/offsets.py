"""Reminder offsets: how long before an event a reminder goes out ("7d", "2h", "0d@09:00")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time

from bot.core.festivals.errors import RuleError
from bot.core.festivals.rule_text import parse_time  # one time grammar for the whole package

MAX_DAYS = 366
MAX_MINUTES = 72 * 60


@dataclass(frozen=True, order=True)
class ReminderOffset:
    """Either N days / hours / minutes before the start, or N days before at a fixed time.

    - days only ("7d"): the same local wall-clock time, N calendar days earlier — across a
      DST change "7d" before 10:00 is still 10:00, not 10:00 ± 1 h.
    - minutes ("2h", "30m"): real elapsed time before the start.
    - days with `at` ("0d@09:00", "1d@20:00"): that local time, N calendar days earlier.
    `str()` is the canonical spelling, used in reminder keys, so "7天" and "7d" are one reminder.
    """

    days: int = 0
    minutes: int = 0
    at: time | None = None

    def __post_init__(self) -> None:
        if self.days < 0 or self.minutes < 0:
            raise RuleError("提醒只能在活动之前", "reminders can only come before the event")
        if self.minutes and (self.days or self.at is not None):
            raise RuleError(
                "提醒时间请写成天数、小时数或“天数@时间”之一",
                "write an offset as days, hours, or days@time",
            )
        if self.days > MAX_DAYS or self.minutes > MAX_MINUTES:
            raise RuleError(
                "提醒最多提前一年（按小时最多72小时）",
                "a reminder can be at most a year (or 72 hours) ahead",
            )

    def __str__(self) -> str:
        if self.at is not None:
            return f"{self.days}d@{self.at:%H:%M}"
        if self.minutes:
            hours, minutes = divmod(self.minutes, 60)
            return f"{hours}h" if not minutes else f"{self.minutes}m"
        return f"{self.days}d"

    def describe(self, lang: str) -> str:
        """Human text: 提前7天 / 7 days before; 当天09:00 / on the day at 09:00."""
        if self.at is not None:
            at = f"{self.at:%H:%M}"
            if lang == "zh":
                return f"当天{at}" if self.days == 0 else f"提前{self.days}天的{at}"
            return (
                f"on the day at {at}" if self.days == 0 else f"{_days_en(self.days)} before at {at}"
            )
        if self.minutes:
            amount = (
                f"{self.minutes // 60}小时" if self.minutes % 60 == 0 else f"{self.minutes}分钟"
            )
            en = f"{self.minutes // 60} h" if self.minutes % 60 == 0 else f"{self.minutes} min"
            return f"提前{amount}" if lang == "zh" else f"{en} before"
        if self.days == 0:
            return "活动开始时" if lang == "zh" else "at the start"
        return f"提前{self.days}天" if lang == "zh" else f"{_days_en(self.days)} before"


def _days_en(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


_UNITS = {"d": "d", "天": "d", "日": "d", "w": "w", "周": "w", "星期": "w",
          "h": "h", "小时": "h", "个小时": "h", "m": "m", "min": "m", "分钟": "m"}  # fmt: skip
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))


def parse_offset(text: str) -> ReminderOffset:
    """Parse "7d", "2h", "30m", "1w", "0d@09:00", "3天前", "当天9:00"; RuleError if bad."""
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    norm = norm.removeprefix("提前").removesuffix("前").removesuffix("before")
    for prefix, days in (("当天", 0), ("前一天", 1), ("前两天", 2)):
        if norm.startswith(prefix):
            return ReminderOffset(days=days, at=parse_time(norm[len(prefix) :].lstrip("@的")))
    m = re.fullmatch(rf"(\d{{1,4}})({_UNIT_RE})(?:前)?(?:@|的)?(.*)", norm)
    if not m:
        raise RuleError(
            f"看不懂这个提醒时间：{text.strip()}（例如 7d、2h、0d@09:00）",
            f"cannot read this reminder offset: {text.strip()} (e.g. 7d, 2h, 0d@09:00)",
        )
    amount, unit, at_text = int(m.group(1)), _UNITS[m.group(2)], m.group(3)
    if at_text and unit not in ("d", "w"):
        raise RuleError("只有按天的提醒可以指定时间，例如 1d@20:00",
                        "only day offsets take a time, e.g. 1d@20:00")  # fmt: skip
    at = parse_time(at_text) if at_text else None
    if unit == "d":
        return ReminderOffset(days=amount, at=at)
    if unit == "w":
        return ReminderOffset(days=7 * amount, at=at)
    return ReminderOffset(minutes=amount * 60 if unit == "h" else amount)
