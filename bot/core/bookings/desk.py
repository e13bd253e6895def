"""Residents booking shared spaces and borrowing things; keepers and captains deciding.

Every decision reads and writes through the repository's Tx and returns Effects. A slot is
held by one row at most (a unique index), so two residents pressing the same slot at once
cannot both get it: one insert wins, the other is told and offered the waitlist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.bookings.rules import (
    Slot,
    bookable_days,
    is_quiet,
    may_book_on,
    slot_at,
    slots_of_day,
    week_of,
    within_weekly_limit,
)
from bot.core.bookings.spec import ResourceSpec
from bot.core.bookings.vocabulary import BookingAction, BookingStatus, booking_data
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Button, Effects, SendMessage
from bot.core.festivals import QuietHours
from bot.core.i18n import Lang, languages, reader_language, say, text
from bot.core.membership import is_member
from bot.core.sharing.model import Resident
from storage.bookings_store import BookingRecord, OverWeeklyLimit
from storage.records import UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

Keyboard = tuple[tuple[Button, ...], ...]
SLOTS_PER_ROW = 3
MAX_SLOT_BUTTONS = 24
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WAITING = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.OFFERED)


class BookingRefusal(Exception):
    """A press or command that changes nothing; `key` is a text in texts_bookings.toml."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Screen:
    """What a navigation press shows: new text and buttons in place of the old ones."""

    text: str
    buttons: Keyboard


def day_text(lang: Lang, day: date) -> str:
    """ "12月7日（周一）" / "Mon 7 Dec"."""
    if lang == "zh":
        return f"{day.month}月{day.day}日（周{WEEKDAYS_ZH[day.weekday()]}）"
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"


def clock_text(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


class BookingDesk:
    """The booking decisions, built per call from the live config and the clock."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.tz = ZoneInfo(config.bot.timezone)
        spec = config.bot.quiet_hours
        self.quiet = QuietHours(spec.start_time, spec.end_time) if spec is not None else None

    # --- who and where ----------------------------------------------------------------

    def resource(self, key: str | None) -> ResourceSpec:
        found = next((r for r in self.config.resources if r.key == key), None)
        if found is None:
            raise BookingRefusal("bk_unknown_resource")
        return found

    def eligible_buildings(self, spec: ResourceSpec) -> list[str]:
        if spec.buildings:
            return list(spec.buildings)
        return [b.key for b in self.config.buildings if b.community == spec.community]

    def eligible_chats(self, spec: ResourceSpec) -> tuple[int, ...]:
        """The groups whose members may book: the buildings' groups and community groups."""
        buildings = set(self.eligible_buildings(spec))
        communities = {b.community for b in self.config.buildings if b.key in buildings} | (
            {spec.community} if spec.community else set()
        )
        chats = []
        for group in self.config.groups:
            if group.building in buildings or (
                group.building is None and self.config.community_of_group(group) in communities
            ):
                chats.append(group.chat_id)
        return tuple(chats)

    def captains_of(self, spec: ResourceSpec) -> list[int]:
        found: list[int] = []
        for key in self.eligible_buildings(spec):
            for person in self.config.captains_of(key):
                if isinstance(person, int) and person not in found:
                    found.append(person)
        return found

    def is_captain_for(self, who: Resident, spec: ResourceSpec) -> bool:
        mine = self.config.captain_buildings(who.user_id, who.username)
        return bool(set(mine) & set(self.eligible_buildings(spec)))

    def may_decide(self, who: Resident, spec: ResourceSpec) -> bool:
        """Captains of the resource's buildings and admins approve, block and mark."""
        return self.is_captain_for(who, spec) or self.config.is_admin(who.user_id, who.username)

    async def may_use(self, tx: Tx, who: Resident, spec: ResourceSpec, now: datetime) -> bool:
        """A neighbour known to be in one of the resource's groups (or who looks after it)."""
        if self.may_decide(who, spec) or spec.keeper == who.user_id:
            return True
        if await is_member(tx, who.user_id, self.eligible_chats(spec), now):
            return True
        return await self.in_team(tx, who.user_id, spec)

    async def in_team(self, tx: Tx, user_id: int, spec: ResourceSpec) -> bool:
        """A member of one of the resource's volunteer teams. Teams are matched by name among
        those of the resource's communities (community-wide or of any of their buildings), so
        a namesake team in another community does not count."""
        if not spec.teams:
            return False
        communities = {
            b.community for b in self.config.buildings if b.key in self.eligible_buildings(spec)
        } | ({spec.community} if spec.community else set())
        scopes = [f"c:{c}" for c in sorted(c for c in communities if c)] + [
            f"b:{b.key}" for b in self.config.buildings if b.community in communities
        ]
        wanted = {t.id for t in await tx.teams_in(scopes) if t.name in spec.teams}
        return bool(wanted & await tx.teams_of_member(user_id))

    async def lang_of(self, tx: Tx, user_id: int) -> str:
        user = await tx.user(user_id)
        return reader_language(user, self.config.bot.language)

    def reader(self, who: Resident) -> str:
        return reader_language(who, self.config.bot.language)

    async def name_of(self, tx: Tx, user_id: int | None) -> str:
        if not user_id:
            return "—"
        user = await tx.user(user_id)
        return user.first_name if user and user.first_name else str(user_id)

    def slot_words(self, spec: ResourceSpec, start: datetime, end: datetime) -> dict[str, Any]:
        """The params every booking text names: resource, day, times and place."""
        tz = self.tz
        return {
            "resource": spec.display_name,
            "day": lambda lang: day_text(lang, start.astimezone(tz).date()),
            "start": clock_text(start, tz),
            "end": clock_text(end, tz),
            "where": lambda lang: spec.display_where(lang) or "—",
        }

    def button(self, setting: str, key: str, data: str, **params: Any) -> Button:
        label = " / ".join(text(lang, key, **params) for lang in languages(setting))
        return Button(label, data=data)

    async def _remember(self, tx: Tx, who: Resident, now: datetime) -> None:
        await tx.save_user(
            UserRecord(who.user_id, who.first_name, who.username, who.language_code, True), now
        )

    # --- /book: resources, days, slots -----------------------------------------------

    def resources_screen(self, who: Resident) -> Screen:
        setting = self.reader(who)
        if not self.config.resources:
            return Screen(say(setting, "bk_none_configured"), ())
        rows = []
        for spec in self.config.resources:
            icon = "🏠" if spec.kind == "space" else "🧰"
            label = " / ".join(spec.display_name(lang) for lang in languages(setting))
            rows.append(
                (
                    Button(
                        f"{icon} {label}",
                        data=booking_data(BookingAction.RESOURCE, resource=spec.key),
                    ),
                )
            )
        return Screen(say(setting, "bk_choose_resource"), tuple(rows))

    async def day_screen(
        self, tx: Tx, who: Resident, key: str | None, day: date | None, now: datetime
    ) -> Screen:
        """The free slots of one day as buttons, taken ones to wait for, and paging."""
        spec = self.resource(key)
        if not await self.may_use(tx, who, spec, now):
            raise BookingRefusal("bk_not_for_you", resource=spec.display_name)
        setting = self.reader(who)
        days = bookable_days(spec, now.astimezone(self.tz).date())
        day = day if day in days else days[0]
        opening = slots_of_day(spec, day, self.tz)
        slots = [s for s in opening if s.start > now]
        held = {
            b.starts_at: b
            for b in await tx.held_between(
                [spec.key], day_start(day, self.tz), day_start(day, self.tz) + timedelta(days=2)
            )
        }
        buttons: list[Button] = []
        mine: list[str] = []
        closed: list[str] = []
        for slot in slots[:MAX_SLOT_BUTTONS]:
            at = clock_text(slot.start, self.tz)
            holder = held.get(slot.start)
            if holder is None:
                data = booking_data(BookingAction.BOOK, resource=spec.key, at=slot.start)
                buttons.append(Button(f"🟢 {at}", data=data))
            elif holder.user_id == who.user_id:
                mine.append(at)
            elif holder.status == BookingStatus.BLOCKED:
                closed.append(f"{at} {holder.reason or ''}".strip())
            else:
                data = booking_data(BookingAction.WAIT, resource=spec.key, at=slot.start)
                buttons.append(Button(f"⏳ {at}", data=data))
        lines = [
            say(
                setting,
                "bk_day_header",
                resource=spec.display_name,
                day=lambda lang: day_text(lang, day),
                where=lambda lang: spec.display_where(lang) or "—",
                slot=spec.slot_minutes,
            )
        ]
        if not opening:
            lines.append(say(setting, "bk_day_closed"))
        elif not slots:
            lines.append(say(setting, "bk_day_over"))
        elif buttons:
            lines.append(say(setting, "bk_day_legend"))
        else:
            lines.append(say(setting, "bk_day_full"))
        if mine:
            lines.append(say(setting, "bk_day_mine", times=", ".join(mine)))
        if closed:
            lines.append(say(setting, "bk_day_blocked", times="; ".join(closed)))
        if spec.weekly_hours is not None:
            lines.append(say(setting, "bk_day_limit", hours=f"{spec.weekly_hours:g}"))
        rows = [
            tuple(buttons[i : i + SLOTS_PER_ROW]) for i in range(0, len(buttons), SLOTS_PER_ROW)
        ]
        paging: list[Button] = []
        index = days.index(day)
        if index > 0:
            paging.append(
                Button(
                    "◀ " + day_label(setting, days[index - 1]),
                    data=booking_data(BookingAction.DAY, resource=spec.key, day=days[index - 1]),
                )
            )
        if index + 1 < len(days):
            paging.append(
                Button(
                    day_label(setting, days[index + 1]) + " ▶",
                    data=booking_data(BookingAction.DAY, resource=spec.key, day=days[index + 1]),
                )
            )
        if paging:
            rows.append(tuple(paging))
        rows.append(
            (self.button(setting, "bk_btn_resources", booking_data(BookingAction.RESOURCES)),)
        )
        return Screen("\n".join(lines), tuple(rows))

    async def book(
        self, tx: Tx, who: Resident, key: str | None, at: datetime | None, now: datetime
    ) -> Effects:
        """Take a free slot: confirmed (or asked of a captain), or told it was just taken."""
        spec = self.resource(key)
        slot = slot_at(spec, at, self.tz) if at is not None else None
        if slot is None:
            raise BookingRefusal("bk_not_a_slot")
        if not may_book_on(spec, slot, now, self.tz):
            raise BookingRefusal(
                "bk_too_late" if slot.start <= now else "bk_too_far", days=spec.ahead_days
            )
        if not await self.may_use(tx, who, spec, now):
            raise BookingRefusal("bk_not_for_you", resource=spec.display_name)
        await self._check_limit(tx, who.user_id, spec, slot)
        await self._remember(tx, who, now)
        setting = self.reader(who)
        status = BookingStatus.PENDING if spec.approval else BookingStatus.CONFIRMED
        if spec.weekly_hours is None:
            booking_id = await tx.hold_slot(
                spec.key, slot.start, slot.end, status, now, user_id=who.user_id
            )
        else:
            try:
                booking_id = await tx.hold_slot_within(
                    spec.key,
                    slot.start,
                    slot.end,
                    status,
                    now,
                    user_id=who.user_id,
                    week=week_of(slot.start, self.tz),
                    limit_minutes=round(spec.weekly_hours * 60),
                )
            except OverWeeklyLimit as over:  # another press of theirs got in first
                raise BookingRefusal(
                    "bk_over_limit",
                    hours=f"{spec.weekly_hours:g}",
                    used=f"{over.used_minutes / 60:g}",
                ) from over
        effects = Effects()
        words = self.slot_words(spec, slot.start, slot.end)
        if booking_id is None:
            logger.info(
                "slot %s %s taken before %s could book it", spec.key, slot.start, who.user_id
            )
            wait = self.button(
                setting,
                "bk_btn_wait",
                booking_data(BookingAction.WAIT, resource=spec.key, at=slot.start),
            )
            effects.add(
                SendMessage(who.user_id, say(setting, "bk_lost", **words), buttons=((wait,),))
            )
            return effects
        effects.extend(
            await self._confirmed_or_asked(tx, spec, booking_id, who.user_id, slot, status)
        )
        return effects

    async def _confirmed_or_asked(
        self, tx: Tx, spec: ResourceSpec, booking_id: int, user_id: int, slot: Slot, status: str
    ) -> Effects:
        effects = Effects()
        setting = await self.lang_of(tx, user_id)
        words = self.slot_words(spec, slot.start, slot.end)
        cancel = self.button(
            setting, "bk_btn_cancel", booking_data(BookingAction.CANCEL, id=booking_id)
        )
        if status == BookingStatus.CONFIRMED:
            key = "bk_booked_thing" if spec.kind == "thing" else "bk_booked"
            effects.add(SendMessage(user_id, say(setting, key, **words), buttons=((cancel,),)))
            return effects
        effects.add(
            SendMessage(user_id, say(setting, "bk_asked_captain", **words), buttons=((cancel,),))
        )
        name = await self.name_of(tx, user_id)
        for captain in self.captains_of(spec):
            lang = await self.lang_of(tx, captain)
            effects.add(
                SendMessage(
                    captain,
                    say(lang, "bk_approve_question", name=name, **words),
                    buttons=(
                        (
                            self.button(
                                lang,
                                "bk_btn_approve",
                                booking_data(BookingAction.APPROVE, id=booking_id),
                            ),
                            self.button(
                                lang,
                                "bk_btn_refuse",
                                booking_data(BookingAction.REFUSE, id=booking_id),
                            ),
                        ),
                    ),
                    about=(user_id,),
                )
            )
        return effects

    async def _check_limit(
        self, tx: Tx, user_id: int, spec: ResourceSpec, slot: Slot, *, held: int = 0
    ) -> None:
        """The per-resident weekly limit; `held`: minutes of this very slot already counted."""
        if spec.weekly_hours is None:
            return
        start, end = week_of(slot.start, self.tz)
        used = await tx.minutes_used(user_id, spec.key, start, end) - held
        if not within_weekly_limit(spec, used, slot):
            raise BookingRefusal(
                "bk_over_limit", hours=f"{spec.weekly_hours:g}", used=f"{used / 60:g}"
            )

    async def wait_for(
        self, tx: Tx, who: Resident, key: str | None, at: datetime | None, now: datetime
    ) -> Effects:
        """Join a taken slot's waitlist: the first waiting is offered it when it is freed."""
        spec = self.resource(key)
        slot = slot_at(spec, at, self.tz) if at is not None else None
        if slot is None or slot.start <= now:
            raise BookingRefusal("bk_not_a_slot")
        if not await self.may_use(tx, who, spec, now):
            raise BookingRefusal("bk_not_for_you", resource=spec.display_name)
        await self._remember(tx, who, now)
        setting = self.reader(who)
        words = self.slot_words(spec, slot.start, slot.end)
        holder = await tx.slot_holder(spec.key, slot.start)
        effects = Effects()
        if holder is None:
            # Freed while they looked: book it straight away instead.
            return await self.book(tx, who, key, at, now)
        if holder.user_id == who.user_id:
            raise BookingRefusal("bk_already_yours")
        if holder.status == BookingStatus.BLOCKED:
            raise BookingRefusal("bk_blocked_slot", reason=holder.reason or "")
        if not await tx.add_wait(spec.key, slot.start, who.user_id, now):
            raise BookingRefusal("bk_already_waiting")
        effects.add(SendMessage(who.user_id, say(setting, "bk_waiting", **words)))
        return effects

    async def freed(
        self, tx: Tx, spec: ResourceSpec, start: datetime, end: datetime, now: datetime
    ) -> Effects:
        """A slot came free: offer it to the first neighbour waiting, for a short while."""
        effects = Effects()
        if end <= now:
            return effects
        waiting = await tx.first_waiting(spec.key, start)
        if waiting is None:
            return effects
        await tx.remove_wait(waiting.id)
        opens = now
        if self.quiet is not None and is_quiet(now, self.quiet, self.tz):
            # Nobody should have to wake up to claim it: the time runs from the morning.
            opens = self.quiet.shift(now.astimezone(self.tz))
        expires = min(opens + timedelta(minutes=spec.offer_minutes), end)
        booking_id = await tx.hold_slot(
            spec.key,
            start,
            end,
            BookingStatus.OFFERED,
            now,
            user_id=waiting.user_id,
            offer_expires_at=expires,
        )
        if booking_id is None:  # held again in this very transaction: nothing to offer
            return effects
        setting = await self.lang_of(tx, waiting.user_id)
        words = self.slot_words(spec, start, end)
        effects.add(
            SendMessage(
                waiting.user_id,
                say(setting, "bk_offer", until=clock_text(expires, self.tz), **words),
                buttons=(
                    (
                        self.button(
                            setting, "bk_btn_take", booking_data(BookingAction.TAKE, id=booking_id)
                        ),
                        self.button(
                            setting,
                            "bk_btn_decline",
                            booking_data(BookingAction.DECLINE, id=booking_id),
                        ),
                    ),
                ),
            )
        )
        logger.info("offered freed slot %s %s to the first waiting", spec.key, start)
        return effects

    async def _theirs(
        self,
        tx: Tx,
        who: Resident,
        booking_id: int,
        refusal: str,
        status: BookingStatus | None = None,
    ) -> BookingRecord:
        """The resident's own booking (in `status`, when given), or the refusal `refusal`:
        a button pressed by someone else, or after the booking moved on, changes nothing."""
        booking = await tx.booking(booking_id)
        if (
            booking is None
            or booking.user_id != who.user_id
            or (status is not None and booking.status != status)
        ):
            raise BookingRefusal(refusal)
        return booking

    async def take(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        """The neighbour offered a freed slot takes it (within the time limit)."""
        booking = await self._theirs(tx, who, booking_id, "bk_offer_gone", BookingStatus.OFFERED)
        if booking.offer_expires_at is not None and booking.offer_expires_at <= now:
            raise BookingRefusal("bk_offer_gone")
        spec = self.resource(booking.resource)
        slot = Slot(booking.starts_at, booking.ends_at)
        try:
            await self._check_limit(tx, who.user_id, spec, slot, held=slot.minutes)
        except BookingRefusal:
            await tx.change_booking(
                booking_id, BookingStatus.CANCELLED, now, only_from=[BookingStatus.OFFERED]
            )
            effects = await self.freed(tx, spec, slot.start, slot.end, now)
            effects.add(
                SendMessage(
                    who.user_id,
                    say(self.reader(who), "bk_offer_over_limit", hours=f"{spec.weekly_hours:g}"),
                )
            )
            return effects
        status = BookingStatus.PENDING if spec.approval else BookingStatus.CONFIRMED
        if not await tx.change_booking(booking_id, status, now, only_from=[BookingStatus.OFFERED]):
            raise BookingRefusal("bk_offer_gone")
        return await self._confirmed_or_asked(tx, spec, booking_id, who.user_id, slot, status)

    async def decline(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        booking = await self._theirs(tx, who, booking_id, "bk_offer_gone")
        if not await tx.change_booking(
            booking_id, BookingStatus.CANCELLED, now, only_from=[BookingStatus.OFFERED]
        ):
            raise BookingRefusal("bk_offer_gone")
        spec = self.resource(booking.resource)
        effects = await self.freed(tx, spec, booking.starts_at, booking.ends_at, now)
        effects.add(SendMessage(who.user_id, say(self.reader(who), "bk_declined")))
        return effects

    # --- /mybookings --------------------------------------------------------------------

    async def my_bookings(self, tx: Tx, who: Resident, now: datetime) -> Effects:
        setting = self.reader(who)
        bookings = await tx.bookings_of(who.user_id, now)
        waits = await tx.waits_of(who.user_id, now)
        effects = Effects()
        if not bookings and not waits:
            effects.add(SendMessage(who.user_id, say(setting, "bk_mine_none")))
            return effects
        lines = [say(setting, "bk_mine_header")]
        rows: list[tuple[Button, ...]] = []
        for n, booking in enumerate(bookings, 1):
            spec = self.known(booking.resource)
            if spec is None:
                continue
            words = self.slot_words(spec, booking.starts_at, booking.ends_at)
            lines.append(f"{n}. " + say(setting, f"bk_mine_{booking.status}", **words))
            if booking.status in WAITING:
                rows.append(
                    (
                        self.button(
                            setting,
                            "bk_btn_cancel_n",
                            booking_data(BookingAction.CANCEL, id=booking.id),
                            n=n,
                        ),
                    )
                )
        for wait in waits:
            spec = self.known(wait.resource)
            if spec is None:
                continue
            end = wait.starts_at + timedelta(minutes=spec.slot_minutes)
            lines.append(
                "• " + say(setting, "bk_mine_waiting", **self.slot_words(spec, wait.starts_at, end))
            )
            rows.append(
                (
                    self.button(
                        setting,
                        "bk_btn_leave",
                        booking_data(BookingAction.LEAVE, id=wait.id),
                        start=clock_text(wait.starts_at, self.tz),
                    ),
                )
            )
        effects.add(SendMessage(who.user_id, "\n".join(lines), buttons=tuple(rows)))
        return effects

    def known(self, key: str) -> ResourceSpec | None:
        return next((r for r in self.config.resources if r.key == key), None)

    async def cancel(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        """A resident cancels their booking; the slot goes to the first neighbour waiting."""
        booking = await self._theirs(tx, who, booking_id, "bk_cancel_gone")
        if not await tx.change_booking(booking_id, BookingStatus.CANCELLED, now, only_from=WAITING):
            raise BookingRefusal("bk_cancel_gone")
        spec = self.known(booking.resource)
        effects = Effects()
        if spec is None:
            return effects
        effects.add(
            SendMessage(
                who.user_id,
                say(
                    self.reader(who),
                    "bk_cancelled",
                    **self.slot_words(spec, booking.starts_at, booking.ends_at),
                ),
            )
        )
        effects.extend(await self.freed(tx, spec, booking.starts_at, booking.ends_at, now))
        return effects

    async def leave_wait(self, tx: Tx, who: Resident, wait_id: int) -> Effects:
        wait = await tx.wait(wait_id)
        if wait is None or wait.user_id != who.user_id or not await tx.remove_wait(wait_id):
            raise BookingRefusal("bk_cancel_gone")
        effects = Effects()
        effects.add(SendMessage(who.user_id, say(self.reader(who), "bk_left_wait")))
        return effects

    # --- captains approve, keepers hand out and take back, no-shows -------------------

    async def decide(
        self, tx: Tx, who: Resident, booking_id: int, approve: bool, now: datetime
    ) -> Effects:
        booking = await tx.booking(booking_id)
        spec = self.known(booking.resource) if booking else None
        if booking is None or spec is None or booking.user_id is None:
            raise BookingRefusal("bk_decided_already")
        if not self.may_decide(who, spec):
            raise BookingRefusal("bk_captains_only")
        to = BookingStatus.CONFIRMED if approve else BookingStatus.REFUSED
        if not await tx.change_booking(
            booking_id, to, now, only_from=[BookingStatus.PENDING], decided_by=who.user_id
        ):
            raise BookingRefusal("bk_decided_already")
        effects = Effects()
        setting = await self.lang_of(tx, booking.user_id)
        words = self.slot_words(spec, booking.starts_at, booking.ends_at)
        effects.add(
            SendMessage(
                booking.user_id, say(setting, "bk_approved" if approve else "bk_refused", **words)
            )
        )
        effects.add(SendMessage(who.user_id, say(self.reader(who), "bk_decision_noted")))
        if not approve:
            effects.extend(await self.freed(tx, spec, booking.starts_at, booking.ends_at, now))
        return effects

    async def handed_out(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        """The keeper gave the thing to the borrower: the loan is out until the slot ends."""
        booking, spec = await self._kept(tx, who, booking_id)
        if not await tx.change_booking(
            booking_id,
            BookingStatus.OUT,
            now,
            only_from=[BookingStatus.CONFIRMED],
            decided_by=who.user_id,
        ):
            raise BookingRefusal("bk_decided_already")
        assert booking.user_id is not None
        effects = Effects()
        words = self.slot_words(spec, booking.starts_at, booking.ends_at)
        setting = await self.lang_of(tx, booking.user_id)
        effects.add(SendMessage(booking.user_id, say(setting, "bk_loan_out", **words)))
        lang = self.reader(who)
        name = await self.name_of(tx, booking.user_id)
        effects.add(
            SendMessage(
                who.user_id,
                say(lang, "bk_keeper_out", name=name, **words),
                buttons=(
                    (
                        self.button(
                            lang,
                            "bk_btn_returned",
                            booking_data(BookingAction.RETURNED, id=booking_id),
                        ),
                    ),
                ),
                about=(booking.user_id,),
            )
        )
        return effects

    async def returned(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        booking, spec = await self._kept(tx, who, booking_id)
        if not await tx.change_booking(
            booking_id,
            BookingStatus.RETURNED,
            now,
            only_from=[BookingStatus.OUT],
            decided_by=who.user_id,
        ):
            raise BookingRefusal("bk_decided_already")
        effects = Effects()
        words = self.slot_words(spec, booking.starts_at, booking.ends_at)
        late = now - booking.ends_at
        lang = self.reader(who)
        if late > timedelta(minutes=15):
            hours = f"{late.total_seconds() / 3600:.1f}"
            effects.add(
                SendMessage(who.user_id, say(lang, "bk_keeper_returned_late", hours=hours, **words))
            )
        else:
            effects.add(SendMessage(who.user_id, say(lang, "bk_keeper_returned", **words)))
        if booking.user_id:
            setting = await self.lang_of(tx, booking.user_id)
            effects.add(SendMessage(booking.user_id, say(setting, "bk_loan_returned", **words)))
        return effects

    async def _kept(
        self, tx: Tx, who: Resident, booking_id: int
    ) -> tuple[BookingRecord, ResourceSpec]:
        booking = await tx.booking(booking_id)
        spec = self.known(booking.resource) if booking else None
        if booking is None or spec is None:
            raise BookingRefusal("bk_decided_already")
        if spec.keeper != who.user_id and not self.may_decide(who, spec):
            raise BookingRefusal("bk_keeper_only")
        return booking, spec

    async def no_show(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        """The keeper or a captain says nobody came: the slot is released and it counts in
        the resident's no-show record, as a missed hand-over does."""
        booking, spec = await self._kept(tx, who, booking_id)
        if booking.starts_at > now:
            raise BookingRefusal("bk_not_started")
        if booking.user_id is None or not await tx.change_booking(
            booking_id,
            BookingStatus.NO_SHOW,
            now,
            only_from=[BookingStatus.CONFIRMED],
            decided_by=who.user_id,
        ):
            raise BookingRefusal("bk_decided_already")
        await tx.add_booking_no_show(
            booking_id,
            booking.user_id,
            await self.building_of(tx, booking.user_id, spec),
            who.user_id,
            now,
        )
        effects = Effects()
        words = self.slot_words(spec, booking.starts_at, booking.ends_at)
        setting = await self.lang_of(tx, booking.user_id)
        effects.add(SendMessage(booking.user_id, say(setting, "bk_no_show_told", **words)))
        effects.add(SendMessage(who.user_id, say(self.reader(who), "bk_no_show_noted")))
        effects.extend(await self.freed(tx, spec, booking.starts_at, booking.ends_at, now))
        return effects

    async def check_in(self, tx: Tx, who: Resident, booking_id: int, now: datetime) -> Effects:
        """The resident taps "I'm here": the slot stays theirs (no release at the grace end)."""
        booking = await self._theirs(
            tx, who, booking_id, "bk_checkin_gone", BookingStatus.CONFIRMED
        )
        if booking.ends_at <= now:
            raise BookingRefusal("bk_checkin_gone")
        spec = self.resource(booking.resource)
        if booking.starts_at > now:
            raise BookingRefusal("bk_checkin_early")
        await tx.stamp_once(booking_id, "checked_in_at", now)  # a second tap changes nothing
        effects = Effects()
        words = self.slot_words(spec, booking.starts_at, booking.ends_at)
        effects.add(SendMessage(who.user_id, say(self.reader(who), "bk_checked_in", **words)))
        return effects

    async def building_of(self, tx: Tx, user_id: int, spec: ResourceSpec) -> str | None:
        """The resident's home building (their group's), else the resource's first."""
        user = await tx.user(user_id)
        group = self.config.group(user.home_chat_id) if user and user.home_chat_id else None
        if group is not None and group.building:
            return group.building
        buildings = self.eligible_buildings(spec)
        return buildings[0] if buildings else None


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def day_label(setting: str, day: date) -> str:
    return " / ".join(day_text(lang, day) for lang in languages(setting))


__all__ = ["BookingDesk", "BookingRefusal", "Screen", "day_text"]
