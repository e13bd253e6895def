"""Time passing for bookings: reminders, the keeper's hand-out prompt, overdue things,
waitlist offers running out, events reserving their place, and retention.

Each reminder or prompt is stamped in the booking's row in the same transaction that
enqueues it (`stamp_once`), so a restart neither repeats nor loses one. Nothing is sent to
a resident inside quiet hours: a reminder that would fall there comes before they begin.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.bookings.desk import BookingDesk
from bot.core.bookings.rules import falls_on, is_quiet, reminder_due, reminder_moment, slots_of_day
from bot.core.bookings.spec import ResourceSpec
from bot.core.bookings.vocabulary import BookingAction, BookingStatus, booking_data
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import say
from storage.bookings_store import BookingRecord
from storage.captains_store import ANONYMOUS
from storage.events_store import EventRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

# Reminders are at most a day ahead, and quiet hours may move one to the evening before.
LOOKAHEAD = timedelta(days=2)
# A captain's event holds its place for this long from its start time.
EVENT_HOURS = timedelta(hours=2)


async def booking_tick(tx: Tx, config: Config, clock: Clock) -> Effects:
    """Everything time does to bookings at `now`; the messages it produced."""
    now = clock.now()
    effects = Effects()
    if not config.resources:
        return effects
    desk = BookingDesk(config, clock)
    effects.extend(await _expire_offers(tx, desk, now))
    effects.extend(await _remind_bookings(tx, desk, now))
    effects.extend(await _ask_keepers(tx, desk, now))
    effects.extend(await _ask_check_in(tx, desk, now))
    effects.extend(await _release_no_shows(tx, desk, now))
    effects.extend(await _remind_returns(tx, desk, now))
    effects.extend(await _tell_overdue(tx, desk, now))
    effects.extend(await reserve_for_events(tx, desk, now))
    await tx.purge_bookings(now - timedelta(days=config.bot.retention_days))
    return effects


async def _expire_offers(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    effects = Effects()
    for booking in await tx.offers_expired(now):
        spec = desk.known(booking.resource)
        if spec is None or booking.user_id is None:
            continue
        if not await tx.change_booking(
            booking.id, BookingStatus.CANCELLED, now, only_from=[BookingStatus.OFFERED]
        ):
            continue
        setting = await desk.lang_of(tx, booking.user_id)
        words = desk.slot_words(spec, booking.starts_at, booking.ends_at)
        effects.add(SendMessage(booking.user_id, say(setting, "bk_offer_expired", **words)))
        effects.extend(await desk.freed(tx, spec, booking.starts_at, booking.ends_at, now))
    return effects


async def _remind_bookings(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    effects = Effects()
    for booking in await tx.not_reminded("confirmed", "reminded_at", now, now + LOOKAHEAD):
        spec = desk.known(booking.resource)
        if spec is None or booking.user_id is None or spec.remind_minutes == 0:
            continue
        if not reminder_due(booking.starts_at, spec.remind_minutes, now, desk.quiet, desk.tz):
            continue
        if not await tx.stamp_once(booking.id, "reminded_at", now):
            continue
        setting = await desk.lang_of(tx, booking.user_id)
        key = "bk_reminder_thing" if spec.kind == "thing" else "bk_reminder"
        effects.add(
            SendMessage(
                booking.user_id,
                say(setting, key, **desk.slot_words(spec, booking.starts_at, booking.ends_at)),
                buttons=(
                    (
                        desk.button(
                            setting,
                            "bk_btn_cancel",
                            booking_data(BookingAction.CANCEL, id=booking.id),
                        ),
                    ),
                ),
            )
        )
    return effects


async def _ask_keepers(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    """At a loan's start the keeper is asked: handed out, or nobody came?"""
    effects = Effects()
    if is_quiet(now, desk.quiet, desk.tz):
        return effects
    for booking in await tx.not_reminded("confirmed", "handout_asked_at", now - LOOKAHEAD, now):
        spec = desk.known(booking.resource)
        if spec is None or spec.kind != "thing" or spec.keeper is None or not booking.user_id:
            continue
        if booking.ends_at <= now or not await tx.stamp_once(booking.id, "handout_asked_at", now):
            continue
        lang = await desk.lang_of(tx, spec.keeper)
        name = await desk.name_of(tx, booking.user_id)
        effects.add(
            SendMessage(
                spec.keeper,
                say(
                    lang,
                    "bk_keeper_handout",
                    name=name,
                    **desk.slot_words(spec, booking.starts_at, booking.ends_at),
                ),
                buttons=(
                    (
                        desk.button(
                            lang,
                            "bk_btn_handed_out",
                            booking_data(BookingAction.HANDED_OUT, id=booking.id),
                        ),
                        desk.button(
                            lang,
                            "bk_btn_no_show",
                            booking_data(BookingAction.NO_SHOW, id=booking.id),
                        ),
                    ),
                ),
                about=(booking.user_id,),
            )
        )
    return effects


async def _ask_check_in(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    """At a check-in space's start the resident gets "I'm here" — quiet hours or not: it
    is the time they chose themselves."""
    effects = Effects()
    for booking in await tx.not_reminded("confirmed", "checkin_asked_at", now - LOOKAHEAD, now):
        spec = desk.known(booking.resource)
        if spec is None or spec.kind != "space" or not spec.check_in or not booking.user_id:
            continue
        if booking.ends_at <= now or not await tx.stamp_once(booking.id, "checkin_asked_at", now):
            continue
        setting = await desk.lang_of(tx, booking.user_id)
        effects.add(
            SendMessage(
                booking.user_id,
                say(
                    setting,
                    "bk_checkin_prompt",
                    minutes=spec.check_in_grace_minutes,
                    **desk.slot_words(spec, booking.starts_at, booking.ends_at),
                ),
                buttons=(
                    (
                        desk.button(
                            setting,
                            "bk_btn_check_in",
                            booking_data(BookingAction.CHECK_IN, id=booking.id),
                        ),
                    ),
                ),
            )
        )
    return effects


async def _release_no_shows(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    """Nobody tapped "I'm here" within the grace minutes: the slot goes to the neighbours
    waiting and it counts as a no-show. The status change is the once-only stamp: a restart
    finds the booking no longer confirmed."""
    effects = Effects()
    for booking in await tx.not_checked_in(now):
        spec = desk.known(booking.resource)
        if spec is None or not spec.check_in or booking.user_id is None:
            continue
        assert booking.checkin_asked_at is not None
        # Counted from the prompt, not the start: a freed slot taken late gets its minutes.
        if booking.checkin_asked_at + timedelta(minutes=spec.check_in_grace_minutes) > now:
            continue
        if not await tx.change_booking(
            booking.id, BookingStatus.NO_SHOW, now, only_from=[BookingStatus.CONFIRMED]
        ):
            continue
        await tx.add_booking_no_show(
            booking.id,
            booking.user_id,
            await desk.building_of(tx, booking.user_id, spec),
            ANONYMOUS,  # nobody reported it: the time ran out
            now,
        )
        setting = await desk.lang_of(tx, booking.user_id)
        words = desk.slot_words(spec, booking.starts_at, booking.ends_at)
        effects.add(SendMessage(booking.user_id, say(setting, "bk_no_show_told", **words)))
        effects.extend(await desk.freed(tx, spec, booking.starts_at, booking.ends_at, now))
        logger.info("released unchecked booking %s of %s", booking.id, spec.key)
    return effects


async def _remind_returns(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    effects = Effects()
    for booking in await tx.not_reminded("out", "due_reminded_at", now, now + LOOKAHEAD):
        spec = desk.known(booking.resource)
        if spec is None or not booking.user_id or spec.remind_minutes == 0:
            continue
        if not reminder_due(booking.ends_at, spec.remind_minutes, now, desk.quiet, desk.tz):
            continue
        if not await tx.stamp_once(booking.id, "due_reminded_at", now):
            continue
        setting = await desk.lang_of(tx, booking.user_id)
        words = desk.slot_words(spec, booking.starts_at, booking.ends_at)
        effects.add(SendMessage(booking.user_id, say(setting, "bk_return_reminder", **words)))
    return effects


async def _tell_overdue(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    """A thing not back when due: its keeper and the building's captains hear, once."""
    effects = Effects()
    if is_quiet(now, desk.quiet, desk.tz):
        return effects
    for booking in await tx.not_reminded("out", "overdue_told_at", None, now):
        spec = desk.known(booking.resource)
        if spec is None or not await tx.stamp_once(booking.id, "overdue_told_at", now):
            continue
        name = await desk.name_of(tx, booking.user_id)
        words = desk.slot_words(spec, booking.starts_at, booking.ends_at)
        told = [spec.keeper] if spec.keeper else []
        told += [c for c in await _borrowers_captains(tx, desk, spec, booking) if c not in told]
        about = (booking.user_id,) if booking.user_id else ()
        for person in told:
            lang = await desk.lang_of(tx, person)
            effects.add(
                SendMessage(person, say(lang, "bk_overdue", name=name, **words), about=about)
            )
        if booking.user_id:
            setting = await desk.lang_of(tx, booking.user_id)
            effects.add(SendMessage(booking.user_id, say(setting, "bk_overdue_borrower", **words)))
    return effects


async def _borrowers_captains(
    tx: Tx, desk: BookingDesk, spec: ResourceSpec, booking: BookingRecord
) -> list[int]:
    """The captains of the borrower's building (all the resource's when it is not known)."""
    if booking.user_id:
        building = await desk.building_of(tx, booking.user_id, spec)
        found = [c for c in desk.config.captains_of(building) if isinstance(c, int)]
        if found:
            return found
    return desk.captains_of(spec)


def resource_named(desk: BookingDesk, place: str | None) -> ResourceSpec | None:
    """The resource an event's place names (its key, or its name in either language)."""
    if not place:
        return None
    wanted = place.strip().casefold()
    for spec in desk.config.resources:
        names = {spec.key, spec.name.zh or "", spec.name.en or ""}
        if wanted in {n.casefold() for n in names if n}:
            return spec
    return None


async def reserve_for_events(tx: Tx, desk: BookingDesk, now: datetime) -> Effects:
    """Captains' events whose place names a resource block its slots while they run;
    slots already booked by a resident stay theirs. A cancelled event frees its slots."""
    effects = Effects()
    live: dict[str, EventRecord] = {}
    for record in await tx.active_events():
        spec = resource_named(desk, record.place)
        if spec is None or record.start_time is None:
            continue
        live[record.key] = record
        hh, mm = (int(p) for p in record.start_time.split(":"))
        today = now.astimezone(desk.tz).date()
        for offset in range(spec.ahead_days + 1):
            day = today + timedelta(days=offset)
            try:
                if not falls_on(record.schedule, day):
                    continue
            except ValueError:
                break
            begins = datetime.combine(day, datetime.min.time(), tzinfo=desk.tz).replace(
                hour=hh, minute=mm
            )
            for slot in slots_of_day(spec, day, desk.tz):
                if slot.end <= begins or slot.start >= begins + EVENT_HOURS or slot.start <= now:
                    continue
                await tx.hold_slot(
                    spec.key,
                    slot.start,
                    slot.end,
                    BookingStatus.BLOCKED,
                    now,
                    reason=record.title,
                    event_key=record.key,
                    blocked_by=record.created_by,
                )
    for block in await tx.event_blocks():
        if block.event_key not in live and block.starts_at > now:
            await tx.change_booking(
                block.id, BookingStatus.CANCELLED, now, only_from=[BookingStatus.BLOCKED]
            )
            spec = desk.known(block.resource)
            if spec is not None:
                effects.extend(await desk.freed(tx, spec, block.starts_at, block.ends_at, now))
    return effects


async def booking_moments(
    tx: Tx, config: Config, clock: Clock, after: datetime, until: datetime
) -> list[datetime]:
    """When booking reminders, prompts and offers fall due in (after, until]: where the
    console's clock jump stops, as the real bot's minute tick would."""
    if not config.resources:
        return []
    desk = BookingDesk(config, clock)
    moments: set[datetime] = set()
    horizon = until + LOOKAHEAD
    for booking in await tx.not_reminded("confirmed", "reminded_at", after, horizon):
        spec = desk.known(booking.resource)
        if spec is not None and spec.remind_minutes:
            moments.add(
                reminder_moment(booking.starts_at, spec.remind_minutes, desk.quiet, desk.tz)
            )
    for booking in await tx.not_reminded("confirmed", "handout_asked_at", after, until):
        moments.add(booking.starts_at)
    for booking in await tx.not_reminded("confirmed", "checkin_asked_at", after, until):
        spec = desk.known(booking.resource)
        if spec is not None and spec.check_in:
            moments.add(booking.starts_at)
            # Its grace ends counted from the start, as the minute tick would prompt.
            moments.add(booking.starts_at + timedelta(minutes=spec.check_in_grace_minutes))
    for booking in await tx.not_checked_in(until):
        spec = desk.known(booking.resource)
        if spec is not None and spec.check_in and booking.checkin_asked_at is not None:
            moments.add(booking.checkin_asked_at + timedelta(minutes=spec.check_in_grace_minutes))
    for booking in await tx.not_reminded("out", "due_reminded_at", after, horizon):
        spec = desk.known(booking.resource)
        if spec is not None and spec.remind_minutes:
            moments.add(reminder_moment(booking.ends_at, spec.remind_minutes, desk.quiet, desk.tz))
    for booking in await tx.not_reminded("out", "overdue_told_at", after, until):
        moments.add(booking.ends_at)
    for booking in await tx.offers_expired(until):
        if booking.offer_expires_at is not None:
            moments.add(booking.offer_expires_at)
    if desk.quiet is not None:
        # Held back by quiet hours: the tick at their end sends it.
        moments |= {
            desk.quiet.shift(m.astimezone(desk.tz))
            for m in moments
            if is_quiet(m, desk.quiet, desk.tz)
        }
    return sorted(m for m in moments if after < m <= until)


async def forget_bookings(tx: Tx, config: Config, clock: Clock, user_id: int) -> Effects:
    """/forgetme: their slots go to the neighbours waiting; a thing they still have stays on
    the keeper's list without them. Their rows are deleted by erase_person afterwards."""
    now = clock.now()
    effects = Effects()
    if not config.resources:
        await tx.keep_loans_anonymous(user_id, ANONYMOUS)
        return effects
    desk = BookingDesk(config, clock)
    for booking in await tx.bookings_of(user_id, now):
        if booking.status == BookingStatus.OUT:
            continue
        if await tx.change_booking(
            booking.id,
            BookingStatus.CANCELLED,
            now,
            only_from=[BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.OFFERED],
        ):
            spec = desk.known(booking.resource)
            if spec is not None:
                effects.extend(await desk.freed(tx, spec, booking.starts_at, booking.ends_at, now))
    await tx.keep_loans_anonymous(user_id, ANONYMOUS)
    return effects
