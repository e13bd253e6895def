"""Plan when each event's reminders go out, and word them.

All arithmetic is in the event's local time zone: an event "at 15:00" means 15:00 on the
wall clock of the configured zone, whatever the UTC offset that day (Europe/Berlin moves
between +01:00 and +02:00; Asia/Shanghai stays at +08:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from lunar_python import Solar

from bot.core.festivals.date_rules import (
    LUNAR_MONTHS_ZH,
    MONTHS_EN,
    WEEKDAYS_ZH,
    LunarDate,
    lunar_day_zh,
)
from bot.core.festivals.event import DEFAULT_START_TIME, EventDef
from bot.core.festivals.offsets import ReminderOffset, parse_offset
from bot.core.festivals.quiet_hours import QuietHours
from bot.core.festivals.spec import EventSpec

_WEEKDAYS_EN_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, order=True)
class PlannedReminder:
    """One reminder to post: when (aware, in the event's zone), for which event and day."""

    at: datetime
    event_key: str
    occurrence: date
    offset: str  # canonical ReminderOffset text ("7d", "2h", "0d@09:00")

    @property
    def reminder_key(self) -> str:
        """Stable id the storage layer records when sent, so a restart never posts twice."""
        return f"{self.event_key}:{self.occurrence.isoformat()}:{self.offset}"


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    # A wall-clock time that does not exist (02:30 on a spring-forward night) becomes the
    # real instant it would be after the jump (03:30); an ambiguous one (autumn) takes the
    # first, summer-time, reading (fold=0).
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def event_start(event: EventDef, occurrence: date, tz: tzinfo) -> datetime:
    """The aware local start of one occurrence (DEFAULT_START_TIME when the event has none)."""
    return _local(occurrence, event.start_time or DEFAULT_START_TIME, tz)


def reminder_time(
    event: EventDef, occurrence: date, offset: ReminderOffset, tz: tzinfo
) -> datetime:
    """When one reminder is due before quiet hours apply."""
    start_time = event.start_time or DEFAULT_START_TIME
    if offset.at is not None:
        return _local(occurrence - timedelta(days=offset.days), offset.at, tz)
    if offset.minutes:
        # Hours are elapsed time: "2h" before 03:30 on a DST night is 2 real hours.
        start = event_start(event, occurrence, tz)
        return (start.astimezone(UTC) - timedelta(minutes=offset.minutes)).astimezone(tz)
    # Days are calendar days: "1d" before 10:00 is 10:00 the day before, DST or not.
    return _local(occurrence - timedelta(days=offset.days), start_time, tz)


def plan_reminders(
    event: EventDef | EventSpec,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    quiet: QuietHours | None = None,
) -> list[PlannedReminder]:
    """Every reminder of `event` due in [start, end), shifted out of quiet hours, sorted.

    A reminder that quiet hours would push past the event's start is dropped (it would
    announce something already under way), and when two offsets of one occurrence land on
    the same minute only the first listed is kept, so a group never gets a double post.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("plan_reminders needs aware start and end datetimes")
    ev = event.to_event() if isinstance(event, EventSpec) else event
    # Reminders come before their occurrence (at most MAX_DAYS or 72 h), and quiet hours
    # push them later by less than a day, so this window holds every candidate.
    lead_days = max(o.days + o.minutes // (24 * 60) + 1 for o in ev.reminders)
    first = start.astimezone(tz).date() - timedelta(days=2)
    last = end.astimezone(tz).date() + timedelta(days=lead_days + 1)
    planned: list[PlannedReminder] = []
    for occurrence in ev.rule.occurrences(first, last):
        if occurrence in ev.skip_dates:
            continue
        begins = event_start(ev, occurrence, tz)
        seen: set[datetime] = set()
        for offset in ev.reminders:
            at = reminder_time(ev, occurrence, offset, tz)
            if quiet is not None:
                at = quiet.shift(at)
            if at > begins or at in seen or not start <= at < end:
                continue
            seen.add(at)
            planned.append(PlannedReminder(at, ev.key, occurrence, str(offset)))
    return sorted(planned)


def plan_all(
    events: list[EventDef] | list[EventSpec],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    quiet: QuietHours | None = None,
) -> list[PlannedReminder]:
    """Reminders of several events in [start, end), merged and sorted by time."""
    return sorted(r for e in events for r in plan_reminders(e, start, end, tz, quiet))


def next_occurrences(
    event: EventDef, now: datetime, tz: ZoneInfo, count: int = 3
) -> list[datetime]:
    """The next `count` local start datetimes at or after `now` (for /events)."""
    out: list[datetime] = []
    day = now.astimezone(tz).date()
    # Look a year at a time; a rule with no more dates (a past OneOff) ends after 5 years.
    for _ in range(5):
        window_end = day + timedelta(days=366)
        for occurrence in event.rule.occurrences(day, window_end):
            begins = event_start(event, occurrence, tz)
            if occurrence not in event.skip_dates and begins >= now:
                out.append(begins)
                if len(out) == count:
                    return out
        day = window_end + timedelta(days=1)
    return out


def lunar_date_text(day: date, lang: str) -> str:
    """The lunar date of a Gregorian day: 农历九月初九 / lunar 9/9 (闰 / leap when it is)."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month, lday, leap = abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0
    if lang.startswith("zh"):
        return f"农历{'闰' if leap else ''}{LUNAR_MONTHS_ZH[month - 1]}月{lunar_day_zh(lday)}"
    return f"lunar {'leap ' if leap else ''}{month}/{lday}"


def reminder_text(
    event_name: str,
    occurrence: date,
    start_time: time | None,
    place: str | None,
    offset: ReminderOffset | str,
    lang: str,
    *,
    posted_on: date | None = None,
    show_lunar: bool = False,
    extra: str | None = None,
) -> str:
    """A short reminder: "📅 重阳节敬老演出 — 明天 15:00，社区活动中心" (zh) or the en twin.

    The "tomorrow / in 7 days" wording counts from `posted_on` (the day the reminder is
    actually posted, which quiet hours may have moved); without it, from the offset.
    """
    zh = lang.startswith("zh")
    if isinstance(offset, str):
        offset = parse_offset(offset)
    if posted_on is None:
        posted_on = _due_day(occurrence, start_time or DEFAULT_START_TIME, offset)
    days = (occurrence - posted_on).days
    lunar_zh = lunar_date_text(occurrence, "zh") if show_lunar else ""
    lunar_en = f" ({lunar_date_text(occurrence, 'en')})" if show_lunar else ""
    if zh:
        near = {0: "今天", 1: "明天", 2: "后天"}
        if days in near:
            when = near[days] + (f"（{lunar_zh}）" if lunar_zh else "")
        else:
            notes = "，".join(filter(None, [f"周{WEEKDAYS_ZH[occurrence.weekday()]}", lunar_zh]))
            when = f"{days}天后，{occurrence.month}月{occurrence.day}日（{notes}）"
        if start_time:
            # No space after a full-width bracket: "明天（农历九月初九）15:00".
            when += ("" if when.endswith("）") else " ") + f"{start_time:%H:%M}"
        parts = [when]
        if place:
            parts.append(place)
        line = f"📅 {event_name} — " + "，".join(parts)
    else:
        date_en = (
            f"{_WEEKDAYS_EN_SHORT[occurrence.weekday()]} {occurrence.day} "
            f"{MONTHS_EN[occurrence.month - 1]}"
        )
        near_en = {0: "today", 1: "tomorrow"}
        when = (
            near_en[days] + lunar_en if days in near_en else f"in {days} days, {date_en}{lunar_en}"
        )
        parts = [when + (f" {start_time:%H:%M}" if start_time else "")]
        if place:
            parts.append(place)
        line = f"📅 {event_name} — " + ", ".join(parts)
    return f"{line}\n{extra}" if extra else line


def _due_day(occurrence: date, start_time: time, offset: ReminderOffset) -> date:
    if offset.minutes:
        start = datetime.combine(occurrence, start_time)
        return (start - timedelta(minutes=offset.minutes)).date()
    return occurrence - timedelta(days=offset.days)


def render_reminder(reminder: PlannedReminder, event: EventDef, lang: str) -> str:
    """The text for a planned reminder of `event`, in `lang`; lunar events show the lunar date."""
    return reminder_text(
        event.name.get(lang),
        reminder.occurrence,
        event.start_time,
        event.place.get(lang) if event.place else None,
        reminder.offset,
        lang,
        posted_on=reminder.at.date(),
        show_lunar=isinstance(event.rule, LunarDate),
        extra=event.text.get(lang) if event.text else None,
    )
