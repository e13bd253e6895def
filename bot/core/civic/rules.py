"""Pure rules of awards and deliberations: periods, the /deliberate line, counting votes,
who may nominate whom. Values in, values out: no Telegram, no SQL, no clock."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.core.redaction import has_contact_details

PeriodKind = Literal["month", "year"]

QUESTION_LIMIT = 300  # Telegram's poll question limit
OPTION_LIMIT = 100  # Telegram's poll option limit
MAX_OPTIONS = 10  # Telegram allows 12; ten buttons are already a lot on a phone
REASON_LIMIT = 500
CITATION_LIMIT = 120
FOLLOW_UP_LIMIT = 300
# A question left open for less than this could close before residents see it.
MIN_OPEN = timedelta(minutes=10)
DEFAULT_OPTIONS_ZH = ("同意", "反对", "弃权")
DEFAULT_OPTIONS_EN = ("Agree", "Disagree", "Abstain")


class CivicRefusal(Exception):
    """A request that changes nothing; `key` is a text in texts_civic.toml."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# --- award periods ---------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


def period_of(day: date, kind: PeriodKind) -> str:
    """The award period a day falls in: "2026-11" (month) or "2026" (year)."""
    return f"{day.year:04d}" if kind == "year" else f"{day.year:04d}-{day.month:02d}"


def previous_period(day: date, kind: PeriodKind) -> str:
    """The period before the one `day` falls in (what a scheduled announcement covers)."""
    if kind == "year":
        return f"{day.year - 1:04d}"
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def parse_period(text: str) -> str:
    """ "2026-11", "2026-1", "2026" (a year's awards) → the stored form; CivicRefusal if not."""
    match = _PERIOD.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise CivicRefusal("awards_bad_period", text=text)
    year = int(match[1])
    if not 2000 <= year <= 2100:  # "0000-01": a typo, and beyond what dates can hold
        raise CivicRefusal("awards_bad_period", text=text)
    if match[2] is None:
        return f"{year:04d}"
    month = int(match[2])
    if not 1 <= month <= 12:
        raise CivicRefusal("awards_bad_period", text=text)
    return f"{year:04d}-{month:02d}"


def periods_within(period: str) -> tuple[str, ...]:
    """The stored periods an announcement of `period` covers: a year covers its months."""
    if len(period) == 4:
        return (period, *(f"{period}-{m:02d}" for m in range(1, 13)))
    return (period,)


def describe_period(period: str, lang: str) -> str:
    """2026年11月 / November 2026; 2026年 / 2026."""
    if len(period) == 4:
        return f"{period}年" if lang == "zh" else period
    year, month = int(period[:4]), int(period[5:])
    if lang == "zh":
        return f"{year}年{month}月"
    return f"{date(year, month, 1):%B} {year}"


# --- who may nominate whom ---------------------------------------------------------------


def nomination_refusal(
    nominator: int, nominee: int | None, nominee_is_bot: bool, nominee_building: str | None
) -> str | None:
    """Why this nomination cannot be made (a text key), or None when it can."""
    if nominee is None:
        return "nominate_who"
    if nominee_is_bot:
        return "nominate_not_bot"
    if nominee == nominator:
        return "nominate_not_self"
    if nominee_building is None:
        return "nominate_unknown_building"
    return None


def clean_words(text: str, limit: int) -> str:
    """A resident's words on one line, cut to `limit` characters."""
    words = " ".join(unicodedata.normalize("NFKC", text).split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


# --- the /deliberate line ------------------------------------------------------------------

_CLOSES = re.compile(r"--closes\s+(\S+)(?:\s+(\d{1,2}[:：]\d{2}))?", re.IGNORECASE)
# Simplified and traditional spellings alike (不记名 / 不記名, 匿名).
_ANONYMOUS = re.compile(r"--(?:anonymous|secret)\b|--(?:不记名|不記名|匿名)", re.IGNORECASE)
_BUILDING = re.compile(r"--building\s+(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class DeliberationRequest:
    question: str
    options: tuple[str, ...]
    closes_at: datetime
    anonymous: bool
    building: str | None


def parse_deliberate(
    text: str, now: datetime, zone: str, lang: str, *, max_days: int
) -> DeliberationRequest:
    """`是否安装感应灯？ | 同意 | 反对 --closes 2026-12-10 18:00 [--anonymous]`.

    Options default to agree / disagree / abstain; without --closes the question is open
    for three days. CivicRefusal says what is wrong in one line.
    """
    # The captain's own words are kept as typed (a full-width ？ stays); only the separators
    # a Chinese keyboard gives are read as ours.
    for wide, narrow in (("｜", "|"), ("－－", "--"), ("——", "--"), ("—", "--")):
        text = text.replace(wide, narrow)
    text = text.strip()
    anonymous = bool(_ANONYMOUS.search(text))
    text = _ANONYMOUS.sub(" ", text)
    building = None
    if found := _BUILDING.search(text):
        building = found[1]
        text = _BUILDING.sub(" ", text)
    closes_at = now + timedelta(days=3)
    if found := _CLOSES.search(text):
        closes_at = _closing_time(found[1], found[2], now, zone)
        text = _CLOSES.sub(" ", text)
    if "--" in text:
        raise CivicRefusal("deliberate_unknown_flag")
    parts = [" ".join(p.split()) for p in text.split("|")]
    question, options = parts[0], [p for p in parts[1:] if p]
    if not question:
        raise CivicRefusal("deliberate_usage")
    if len(question) > QUESTION_LIMIT:
        raise CivicRefusal("deliberate_question_long", limit=QUESTION_LIMIT)
    if not options:
        options = list(DEFAULT_OPTIONS_ZH if lang == "zh" else DEFAULT_OPTIONS_EN)
    if len(options) < 2:
        raise CivicRefusal("deliberate_two_options")
    if len(options) > MAX_OPTIONS:
        raise CivicRefusal("deliberate_many_options", limit=MAX_OPTIONS)
    if any(len(o) > OPTION_LIMIT for o in options):
        raise CivicRefusal("deliberate_option_long", limit=OPTION_LIMIT)
    if len({o.casefold() for o in options}) < len(options):
        raise CivicRefusal("deliberate_same_options")
    # The question and its options are posted in the group, as a native poll whose text the
    # bot cannot redact afterwards: a door or phone number never gets there, even a captain's.
    if any(has_contact_details(part) for part in (question, *options)):
        raise CivicRefusal("deliberate_contact_details")
    if closes_at < now + MIN_OPEN:
        raise CivicRefusal("deliberate_closes_soon")
    if closes_at > now + timedelta(days=max_days):
        raise CivicRefusal("deliberate_closes_late", days=max_days)
    return DeliberationRequest(question, tuple(options), closes_at, anonymous, building)


def _closing_time(day_text: str, time_text: str | None, now: datetime, zone: str) -> datetime:
    tz = ZoneInfo(zone)
    day_text = unicodedata.normalize("NFKC", day_text)
    time_text = unicodedata.normalize("NFKC", time_text) if time_text else None
    try:
        day = date.fromisoformat(day_text.replace("/", "-"))
    except ValueError:
        raise CivicRefusal("deliberate_bad_close", text=day_text) from None
    if not 2000 <= day.year <= 2100:
        raise CivicRefusal("deliberate_bad_close", text=day_text)
    at = time(18, 0)
    if time_text is not None:
        hours, minutes = (int(p) for p in time_text.replace("：", ":").split(":"))
        if hours > 23 or minutes > 59:
            raise CivicRefusal("deliberate_bad_close", text=time_text)
        at = time(hours, minutes)
    return datetime.combine(day, at, tz).astimezone(now.tzinfo)


# --- counting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    user_id: int
    options: tuple[int, ...]
    counts: bool  # the voter was one of the building's residents when voting


@dataclass(frozen=True)
class Tally:
    totals: tuple[int, ...]  # counted votes per option
    counted: int  # residents whose vote counted
    ignored: int  # votes from people who are not the building's residents

    def leaders(self) -> tuple[int, ...]:
        """The options with the most counted votes (several on a tie; none without votes)."""
        top = max(self.totals, default=0)
        return tuple(i for i, n in enumerate(self.totals) if n == top and top > 0)


def tally(option_count: int, votes: Iterable[Vote]) -> Tally:
    """Count each resident once (their latest choice); outsiders are ignored, and said so."""
    totals = [0] * option_count
    counted = ignored = 0
    for vote in votes:
        chosen = [o for o in set(vote.options) if 0 <= o < option_count]
        if not chosen:
            continue  # a withdrawn vote
        if not vote.counts:
            ignored += 1
            continue
        counted += 1
        for option in chosen:
            totals[option] += 1
    return Tally(tuple(totals), counted, ignored)


def valid_choice(option_count: int, options: Sequence[int]) -> bool:
    """One option of the question (or none: a vote taken back)."""
    return len(options) <= 1 and all(0 <= o < option_count for o in options)
