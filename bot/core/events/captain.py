"""Captains' /event add and /event cancel, and everyone's /events."""

from __future__ import annotations

import html
from datetime import datetime

from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.events.command import AddRequest, EventRefusal, parse_add
from bot.core.events.posting import event_buttons, zone
from bot.core.events.scheduled import ScheduledEvent, captain_event_def, scheduled_events
from bot.core.festivals import OneOff, ReminderOffset, Weekly, next_occurrences, parse_offset
from bot.core.festivals.date_rules import MONTHS_EN, WEEKDAYS_ZH
from bot.core.i18n import (
    Lang,
    Markup,
    base_language,
    convert,
    reader_language,
    readings,
    say,
    text,
)
from bot.core.record_ids import record_id
from bot.core.sharing.service import Resident
from storage.events_store import EventRecord, NewEvent
from storage.repository import Tx

__all__ = ["EventRefusal", "add_event", "cancel_event", "upcoming_events"]

CAPTAIN_REMINDERS = ("7d", "1d", "0d@09:00")
LIST_LIMIT = 10
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def when_text(at: datetime, lang: str, *, with_time: bool, now: datetime) -> str:
    """12月5日 周六 10:00 / Sat 5 Dec 10:00 (the year only when it is not this year's)."""
    year = at.year != now.astimezone(at.tzinfo).year
    clock = f" {at:%H:%M}" if with_time else ""
    if lang == "zh":
        prefix = f"{at.year}年" if year else ""
        return f"{prefix}{at.month}月{at.day}日 周{WEEKDAYS_ZH[at.weekday()]}{clock}"
    suffix = f" {at.year}" if year else ""
    return f"{_WEEKDAYS_EN[at.weekday()]} {at.day} {MONTHS_EN[at.month - 1]}{suffix}{clock}"


def _reminders_for(request: AddRequest) -> tuple[str, ...]:
    # A weekly event would get its "7 days before" on the previous occurrence's day.
    wanted = [r for r in CAPTAIN_REMINDERS if not (isinstance(request.rule, Weekly) and r == "7d")]
    start = request.start_time
    # An on-the-day reminder at or after the start would come too late.
    return tuple(
        r
        for r in wanted
        if not (start and (o := parse_offset(r)).at and o.days == 0 and o.at >= start)
    )


def _building_name(config: Config, key: str) -> str:
    spec = config.building(key)
    return spec.name if spec else key


def _choose_building(config: Config, chat_id: int, requested: str | None, mine: list[str]) -> str:
    if requested is not None:
        if requested not in mine:
            raise EventRefusal(
                "event_not_your_building", building=_building_name(config, requested)
            )
        return requested
    group = config.group(chat_id) if chat_id < 0 else None
    if group is not None and group.building is not None:
        if group.building not in mine:
            raise EventRefusal(
                "event_not_your_building", building=_building_name(config, group.building)
            )
        return group.building
    if len(mine) == 1:
        return mine[0]
    raise EventRefusal("event_choose_building", example=mine[0], keys=", ".join(mine))


def _reader(config: Config, chat_id: int, who: Resident) -> str:
    if chat_id < 0:
        return config.group_language(chat_id)
    return reader_language(who, config.bot.language)


async def add_event(
    tx: Tx, config: Config, now: datetime, who: Resident, chat_id: int, message_id: int | None,
    args: str,
) -> Effects:  # fmt: skip
    """/event add: store a captain's event for their building; EventRefusal changes nothing."""
    mine = config.captain_buildings(who.user_id, who.username)
    if not mine:
        raise EventRefusal("event_not_captain")
    request = parse_add(args, [b.key for b in config.buildings])
    building = _choose_building(config, chat_id, request.building, mine)
    new = NewEvent(
        title=request.title,
        schedule=request.schedule,
        start_time=f"{request.start_time:%H:%M}" if request.start_time else None,
        place=request.place,
        reminders=_reminders_for(request),
        buildings=(building,),
        created_by=who.user_id,
        created_at=now,
    )
    record = await tx.add_event(new)
    event = captain_event_def(record)
    tz = zone(config)
    upcoming = next_occurrences(event, now, tz, 1)
    if not upcoming:
        raise EventRefusal("event_in_past")  # rolls the insert back with the transaction
    next_at = upcoming[0]
    occurrence_id = await tx.occurrence_id(event.key, next_at.date())
    setting = _reader(config, chat_id, who)
    offsets = [parse_offset(r) for r in record.reminders]
    body = say(
        setting,
        "event_added",
        id=record.id,
        title=record.title,
        next=lambda lang: when_text(
            next_at, lang, with_time=record.start_time is not None, now=now
        ),
        place=lambda lang: (
            Markup(text(lang, "event_place", place=html.escape(record.place or "")))
            if record.place
            else ""
        ),
        reminders=lambda lang: _offsets_text(offsets, lang),
    )
    effects = Effects()
    effects.add(
        SendMessage(
            chat_id,
            body,
            reply_to=message_id,
            buttons=event_buttons(setting, occurrence_id, await tx.attendance_count(occurrence_id)),
        )
    )
    return effects


def _offsets_text(offsets: list[ReminderOffset], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(o.describe(lang) for o in offsets)


async def cancel_event(
    tx: Tx, config: Config, now: datetime, who: Resident, chat_id: int, message_id: int | None,
    args: str,
) -> Effects:  # fmt: skip
    """/event cancel N: cancel a captain's event of their own building and tell its groups."""
    number = record_id(args)
    if number is None:
        raise EventRefusal("event_usage")
    mine = config.captain_buildings(who.user_id, who.username)
    if not mine:
        raise EventRefusal("event_not_captain")
    record = await tx.event(number)
    if record is None:
        raise EventRefusal("event_unknown", id=args.strip().lstrip("#")[:12])
    if not set(record.buildings) & set(mine):
        names = ", ".join(_building_name(config, b) for b in record.buildings)
        raise EventRefusal("event_not_your_building", building=names)
    if not await tx.cancel_event(record.id, who.user_id, now):
        raise EventRefusal("event_already_cancelled", id=record.id)
    effects = Effects()
    effects.add(
        SendMessage(
            chat_id,
            say(_reader(config, chat_id, who), "event_cancelled", id=record.id, title=record.title),
            reply_to=message_id,
        )
    )
    for group in config.groups:
        if group.building in record.buildings and group.chat_id != chat_id:
            effects.add(
                SendMessage(
                    group.chat_id,
                    say(
                        config.group_language(group.chat_id),
                        "event_cancelled",
                        id=record.id,
                        title=record.title,
                    ),
                    thread_id=config.group_topic(group.chat_id),
                )
            )
    # Those who said they would come, or asked to be reminded, may not be reading the group.
    for user_id in await tx.people_of_event(record.key):
        if user_id == who.user_id:
            continue
        user = await tx.user(user_id)
        setting = reader_language(user, config.bot.language)
        effects.add(
            SendMessage(
                user_id,
                say(setting, "event_cancelled_you", title=record.title),
            )
        )
    return effects


async def upcoming_events(
    tx: Tx, config: Config, now: datetime, who: Resident, chat_id: int, message_id: int | None
) -> Effects:
    """/events: the next dates of the events that reach this group (or the resident's group)."""
    home: int | None = chat_id if chat_id < 0 else None
    if home is None:
        user = await tx.user(who.user_id)
        home = user.home_chat_id if user else None
    events = [
        s
        for s in scheduled_events(config, await tx.active_events())
        if home is None or home in s.chats
    ]
    tz = zone(config)
    dated: list[tuple[datetime, ScheduledEvent, list[datetime]]] = []
    for scheduled in events:
        count = 1 if isinstance(scheduled.event.rule, OneOff) else 2
        starts = next_occurrences(scheduled.event, now, tz, count)
        if starts:
            dated.append((starts[0], scheduled, starts))
    dated.sort(key=lambda item: (item[0], item[1].event.key))
    setting = _reader(config, chat_id, who)
    parts = []
    for reading in readings(setting):
        lang = base_language(reading)
        lines = [text(lang, "events_header")]
        for _, scheduled, starts in dated[:LIST_LIMIT]:
            lines.append(_line(scheduled, starts, lang, now))
        if not dated:
            lines = [text(lang, "events_none")]
        # Event names are the captains' and the festival catalogue's: read in the reader's script.
        parts.append(convert("\n".join(lines), reading))
    effects = Effects()
    effects.add(SendMessage(chat_id, "\n\n".join(parts), reply_to=message_id))
    return effects


def _line(scheduled: ScheduledEvent, starts: list[datetime], lang: Lang, now: datetime) -> str:
    event = scheduled.event
    record: EventRecord | None = scheduled.record
    name = event.name.get(lang)
    if record is not None:
        name = f"#{record.id} {name}"
    with_time = event.start_time is not None
    separator = "、" if lang == "zh" else "; "
    place = event.place.get(lang) if event.place else None
    return text(
        lang,
        "events_line",
        name=html.escape(name),
        rule=html.escape(event.rule.describe(lang)),
        dates=separator.join(when_text(s, lang, with_time=with_time, now=now) for s in starts),
        place=text(lang, "event_place", place=html.escape(place)) if place else "",
    )
