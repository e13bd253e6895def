"""EventDef: the one event shape the scheduler plans from, whoever declared the event."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time

from bot.core.festivals.date_rules import DateRule
from bot.core.festivals.offsets import ReminderOffset

# Festivals usually have no start time (中秋 is a whole day); reminders for them are
# computed from this local time, so "1d" means the day before at 10:00.
DEFAULT_START_TIME = time(10, 0)
DEFAULT_REMINDERS = (ReminderOffset(days=1),)
_KEY = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class LocalizedText:
    """A text in Chinese and/or English; `get` falls back to the other language."""

    zh: str | None = None
    en: str | None = None

    def __post_init__(self) -> None:
        if not (self.zh or self.en):
            raise ValueError("a localized text needs zh or en")

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh", "zh-hans", "en"…), else in the other language."""
        first, second = (self.zh, self.en) if lang.startswith("zh") else (self.en, self.zh)
        return first or second or ""


@dataclass(frozen=True)
class EventDef:
    """A recurring or one-off event: what config festivals and captains' events both become.

    `key` is stable across restarts and config reloads (it is part of every reminder key),
    so it must not be derived from the name or the position in a list: config festivals
    use their `key`, captains' events their database id (e.g. "event_12").
    `skip_dates` drops single occurrences ("this month's flea market is cancelled").
    """

    key: str
    name: LocalizedText
    rule: DateRule
    start_time: time | None = None
    reminders: tuple[ReminderOffset, ...] = DEFAULT_REMINDERS
    place: LocalizedText | None = None
    text: LocalizedText | None = None
    skip_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"event key {self.key!r} must match [a-z0-9_]+")
        if not self.reminders:
            raise ValueError(f"event {self.key!r} has no reminders")
