"""Reading a captain's `/event add [building] DATE TIME TITLE [@ PLACE]` (pure)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.core.festivals import DateRule, RuleError, parse_rule, parse_time

TITLE_LIMIT = 60
# "10:00", "9:30", "25:00" (read, then refused by parse_time), "9点", "下午3点半", "3pm".
_TIME_TOKEN = re.compile(
    r"^(?:\d{1,2}\s*[:：]\s*\d{1,2}(?:am|pm)?|\S*\d{1,2}点\S*|\d{1,2}(?:am|pm))$"
)


class EventRefusal(Exception):
    """A captain's request that changes nothing; `key` is a text in texts_events.toml."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class AddRequest:
    """What the captain asked for, checked for dates and times but not yet for rights."""

    building: str | None
    schedule: str  # the date rule text, stored and re-parsed on every planning run
    rule: DateRule
    start_time: time | None
    title: str
    place: str | None


def _bad_date(error: RuleError) -> EventRefusal:
    return EventRefusal("event_bad_date", reason=lambda lang: error.message(lang))


def parse_add(text: str, building_keys: list[str]) -> AddRequest:
    """Split `[b3] 2026-12-05 10:00 跳蚤市场 @ 广场` into its parts; EventRefusal if wrong."""
    text = unicodedata.normalize("NFKC", text).strip()
    body, _, place_text = text.partition("@")
    place = place_text.strip() or None
    tokens = body.split()
    building = None
    if tokens and tokens[0] in building_keys:
        building = tokens.pop(0)
    if not tokens:
        raise EventRefusal("event_missing_date")
    time_at = next((i for i, t in enumerate(tokens) if _TIME_TOKEN.match(t.lower())), None)
    if time_at is not None:
        if time_at == 0:
            raise EventRefusal("event_missing_date")
        schedule = " ".join(tokens[:time_at])
        try:
            rule = parse_rule(schedule)
            start: time | None = parse_time(tokens[time_at])
        except RuleError as error:
            raise _bad_date(error) from None
        title = " ".join(tokens[time_at + 1 :])
    else:
        # No time: the longest leading words that read as a date are the date.
        for cut in range(len(tokens), 0, -1):
            try:
                rule = parse_rule(" ".join(tokens[:cut]))
            except RuleError:
                continue
            schedule, title, start = " ".join(tokens[:cut]), " ".join(tokens[cut:]), None
            break
        else:
            try:
                parse_rule(tokens[0])
            except RuleError as error:
                raise _bad_date(error) from None
            raise AssertionError("unreachable: the first token parsed")  # pragma: no cover
    if not title:
        raise EventRefusal("event_missing_title")
    if len(title) > TITLE_LIMIT:
        raise EventRefusal("event_title_too_long", limit=TITLE_LIMIT)
    return AddRequest(building, schedule, rule, start, title, place)
