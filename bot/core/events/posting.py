"""Posting reminders that are due, exactly once per group, and the post's buttons.

Each tick plans the reminders due between the watermark (how far the last tick looked)
and now. One due within `reminder_grace_hours` is recorded in `sent_reminders` and
enqueued in the same transaction, so a restart neither repeats nor loses it; one later
than that (the bot was down) is recorded as skipped and logged.
"""

from __future__ import annotations

import html
import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.config import Config
from bot.core.effects import Button, EditMessage, Effects, Fallback, SendMessage
from bot.core.events.scheduled import ScheduledEvent, scheduled_events
from bot.core.festivals import (
    EventDef,
    PlannedReminder,
    QuietHours,
    plan_reminders,
    render_reminder,
)
from bot.core.i18n import CHOICES, base_language, convert, languages, reader_language, say, text
from bot.core.sharing.service import Resident
from storage.events_store import OptIn
from storage.repository import Tx

logger = logging.getLogger(__name__)

# After a very long outage, look back at most this far (older reminders are only noise).
MAX_LOOKBACK = timedelta(days=30)
ATTEND = "ev:a:"
REMIND = "ev:r:"


def zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.bot.timezone)


def quiet_hours(config: Config) -> QuietHours | None:
    spec = config.bot.quiet_hours
    return QuietHours(spec.start_time, spec.end_time) if spec is not None else None


@lru_cache(maxsize=2048)
def _plan_of_day(
    event: EventDef, day: date, tz: ZoneInfo, quiet: QuietHours | None
) -> tuple[PlannedReminder, ...]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return tuple(plan_reminders(event, start, end, tz, quiet))


def planned_between(
    event: EventDef, start: datetime, end: datetime, tz: ZoneInfo, quiet: QuietHours | None
) -> list[PlannedReminder]:
    """plan_reminders for [start, end), memoised per local day.

    Upkeep asks every minute; a lunar date costs ~20 ms of astronomy per call, so a day's
    plan is computed once (events are frozen values: a changed event is a new cache key).
    """
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    if (last - first).days > 2:
        return plan_reminders(event, start, end, tz, quiet)
    out: list[PlannedReminder] = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        out.extend(r for r in _plan_of_day(event, day, tz, quiet) if start <= r.at < end)
    return out


def reminder_text(reminder: PlannedReminder, scheduled: ScheduledEvent, setting: str) -> str:
    """Plain text of a reminder in every language of the setting ("zh+en" -> two paragraphs)."""
    return "\n".join(
        render_reminder(reminder, scheduled.event, lang) for lang in languages(setting)
    )


def event_buttons(setting: str, occurrence_id: int, count: int) -> tuple[tuple[Button, ...], ...]:
    """The "I'll come (N)" and "remind me privately" buttons, labelled in the group's languages."""
    langs = languages(setting)
    attend = " / ".join(text(lang, "event_btn_attend") for lang in langs)
    remind = " / ".join(text(lang, "event_btn_remind") for lang in langs)
    return (
        (Button(f"🙋 {attend} ({count})", data=f"{ATTEND}{occurrence_id}"),),
        (Button(f"🔔 {remind}", data=f"{REMIND}{occurrence_id}"),),
    )


async def post_due_reminders(tx: Tx, config: Config, now: datetime) -> Effects:
    """Group posts (and private copies) of every reminder due now; records them as sent."""
    effects = Effects()
    tz, quiet = zone(config), quiet_hours(config)
    if quiet is not None and quiet.contains(now.astimezone(tz).time()):
        # Nothing is planned inside quiet hours; a late one waits for the morning too.
        return effects
    grace = timedelta(hours=config.bot.reminder_grace_hours)
    watermark = await tx.reminder_watermark()
    start = max(watermark or now - grace, now - MAX_LOOKBACK)
    end = now + timedelta(microseconds=1)
    if start >= end:
        return effects
    due: list[tuple[PlannedReminder, ScheduledEvent]] = []
    for scheduled in scheduled_events(config, await tx.active_events()):
        for planned in planned_between(scheduled.event, start, end, tz, quiet):
            due.append((planned, scheduled))
    due.sort(key=lambda pair: (pair[0].at, pair[0].event_key))
    for planned, scheduled in due:
        late = now - planned.at
        if late > grace:
            await _skip(tx, planned, scheduled, now, late)
            continue
        occurrence_id = await tx.occurrence_id(planned.event_key, planned.occurrence)
        count = await tx.attendance_count(occurrence_id)
        for chat_id in scheduled.chats:
            if await tx.record_reminder(planned.reminder_key, chat_id, planned.at, now):
                setting = config.group_language(chat_id)
                effects.add(
                    SendMessage(
                        chat_id,
                        html.escape(reminder_text(planned, scheduled, setting), quote=False),
                        buttons=event_buttons(setting, occurrence_id, count),
                        thread_id=config.group_topic(chat_id),
                    )
                )
        for optin in await tx.optins(planned.event_key):
            if await tx.record_reminder(planned.reminder_key, optin.user_id, planned.at, now):
                effects.add(_private_copy(config, planned, scheduled, optin))
    await tx.set_reminder_watermark(end)
    return effects


async def reminder_moments(
    tx: Tx, config: Config, after: datetime, until: datetime
) -> list[datetime]:
    """When reminders fall due in (after, until]: where a simulated clock jump should stop."""
    tz, quiet = zone(config), quiet_hours(config)
    tick = timedelta(microseconds=1)
    moments = {
        planned.at
        for scheduled in scheduled_events(config, await tx.active_events())
        for planned in plan_reminders(scheduled.event, after + tick, until + tick, tz, quiet)
    }
    return sorted(moments)


async def _skip(
    tx: Tx, planned: PlannedReminder, scheduled: ScheduledEvent, now: datetime, late: timedelta
) -> None:
    hours = late.total_seconds() / 3600
    reason = f"{hours:.1f} h late (bot was down)"
    for chat_id in scheduled.chats:
        if await tx.record_reminder(planned.reminder_key, chat_id, planned.at, now, reason):
            logger.warning(
                "skipped reminder %s for chat %s: due %s, %s beyond the grace period",
                planned.reminder_key,
                chat_id,
                planned.at.isoformat(),
                reason,
            )


def _private_copy(
    config: Config, planned: PlannedReminder, scheduled: ScheduledEvent, optin: OptIn
) -> SendMessage:
    group_setting = config.group_language(optin.chat_id)
    lang = base_language(optin.language)
    name = scheduled.event.name.get(lang)
    body = convert(
        html.escape(render_reminder(planned, scheduled.event, lang), quote=False), optin.language
    )
    if optin.chat_id > 0:  # opted in from a private chat: no group to nudge in
        return SendMessage(optin.user_id, body)
    return SendMessage(
        optin.user_id,
        body,
        fallback=Fallback(
            chat_id=optin.chat_id,
            user_id=optin.user_id,
            text=say(group_setting, "event_private_fallback", name=name),
            button=" / ".join(text(lang, "btn_open_private") for lang in languages(group_setting)),
            thread_id=config.group_topic(optin.chat_id),
        ),
    )


async def _live_occurrence(tx: Tx, config: Config, occurrence_id: int) -> str | None:
    """The event key of an occurrence whose event still exists (not cancelled, still in config)."""
    found = await tx.occurrence(occurrence_id)
    if found is None:
        return None
    key = found[0]
    if key.startswith("event_"):
        record = await tx.event(int(key.removeprefix("event_")))
        return key if record is not None and record.cancelled_at is None else None
    return key if any(spec.key == key for spec in config.festivals) else None


async def attend(
    tx: Tx,
    config: Config,
    now: datetime,
    who: Resident,
    occurrence_id: int,
    chat_id: int,
    message_id: int | None,
) -> tuple[Effects, str]:
    """ "I'll come": count a resident in once, refresh the post; (effects, toast key)."""
    effects = Effects()
    if await _live_occurrence(tx, config, occurrence_id) is None:
        return effects, "event_gone"
    if not await tx.attend(occurrence_id, who.user_id, chat_id, now):
        return effects, "event_attend_again"
    if message_id is not None:
        count = await tx.attendance_count(occurrence_id)
        setting = config.group_language(chat_id) if chat_id < 0 else _person(who, config)
        effects.add(
            EditMessage(chat_id, message_id, buttons=event_buttons(setting, occurrence_id, count))
        )
    return effects, "event_attend_ok"


async def toggle_private_reminder(
    tx: Tx, config: Config, now: datetime, who: Resident, occurrence_id: int, chat_id: int
) -> str:
    """Opt in to (or out of) private copies of an event's reminders; returns the toast key."""
    key = await _live_occurrence(tx, config, occurrence_id)
    if key is None:
        return "event_gone"
    optin = OptIn(key, who.user_id, chat_id, _person(who, config))
    return "event_optin_on" if await tx.toggle_optin(optin, now) else "event_optin_off"


def _person(who: Resident, config: Config) -> str:
    # Kept with the opt-in: a traditional reader's reminder is converted when it is sent.
    setting = reader_language(who, config.bot.language)
    return setting if setting in CHOICES else ("zh" if setting.startswith("zh") else "en")
