"""Captains and admins: the day's and the week's bookings, blocking slots, the monthly use.

Answers go privately. Residents' names are shown to captains of the resource's buildings
only; an admin who is not one sees that a slot is booked, not by whom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from bot.core.bookings.desk import BookingDesk, BookingRefusal, clock_text, day_start, day_text
from bot.core.bookings.rules import Slot, Usage, slots_of_day, usage
from bot.core.bookings.spec import ResourceSpec
from bot.core.bookings.vocabulary import BookingAction, BookingStatus, booking_data
from bot.core.effects import Button, Effects, SendMessage
from bot.core.i18n import Lang, languages, say, text
from bot.core.sharing.model import Resident
from bot.core.stats_chart import can_draw_chinese
from storage.repository import Tx

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_NO_SHOW_BUTTONS = 8
REASON_LIMIT = 60
_BLOCK = re.compile(
    r"^(?P<key>[a-z0-9_]+)\s+(?P<day>\d{4}-\d{2}-\d{2})\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*(?P<reason>.*)$"
)
_UNBLOCK = re.compile(
    r"^(?P<key>[a-z0-9_]+)\s+(?P<day>\d{4}-\d{2}-\d{2})\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$"
)


@dataclass(frozen=True)
class UsageAnswer:
    """What `/bookings report` sends: the text (as effects) and the chart to render."""

    effects: Effects
    usages: list[Usage] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    title: str = ""
    caption: str = ""


def _scope(desk: BookingDesk, who: Resident) -> list[ResourceSpec]:
    """The resources this captain or admin looks after; refusal for anyone else."""
    if desk.config.is_admin(who.user_id, who.username):
        return list(desk.config.resources)
    mine = [r for r in desk.config.resources if desk.is_captain_for(who, r)]
    if not mine:
        raise BookingRefusal("bk_captains_only")
    return mine


async def overview(tx: Tx, desk: BookingDesk, who: Resident, now: datetime) -> Effects:
    """Today's and the coming week's bookings per resource, with no-show buttons for the
    bookings already under way today."""
    setting = desk.reader(who)
    resources = _scope(desk, who)
    if not resources:
        raise BookingRefusal("bk_none_configured")
    today = now.astimezone(desk.tz).date()
    start = day_start(today, desk.tz)
    held = await tx.held_between([r.key for r in resources], start, start + timedelta(days=7))
    lines = [say(setting, "bk_overview_header", day=lambda lang: day_text(lang, today))]
    buttons: list[tuple[Button, ...]] = []
    named: set[int] = set()
    for spec in resources:
        shows_names = desk.is_captain_for(who, spec)
        lines.append("")
        lines.append(say(setting, "bk_overview_resource", resource=spec.display_name))
        rows = [b for b in held if b.resource == spec.key]
        if not rows:
            lines.append(say(setting, "bk_overview_empty"))
        for booking in rows:
            local = booking.starts_at.astimezone(desk.tz)
            when = (
                f"{clock_text(booking.starts_at, desk.tz)}–{clock_text(booking.ends_at, desk.tz)}"
            )
            if local.date() != today:
                when = (
                    " / ".join(_short_day(lang, local.date()) for lang in languages(setting))
                    + " "
                    + when
                )
            # The overview is HTML: a name or reason typed by a person is text, never markup.
            if booking.status == BookingStatus.BLOCKED:
                who_text = "🔧 " + (booking.reason or "")
                shown = escape(who_text)
            elif shows_names and booking.user_id:
                who_text = await desk.name_of(tx, booking.user_id)
                shown = escape(who_text)
                named.add(booking.user_id)
            else:
                who_text = shown = say(setting, "bk_overview_booked")
            status = (
                ""
                if booking.status in (BookingStatus.CONFIRMED, BookingStatus.BLOCKED)
                else f" ({_status(setting, booking.status)})"
            )
            lines.append(f"• {when} {shown}{status}")
            if (
                booking.status == BookingStatus.CONFIRMED
                and booking.starts_at <= now < booking.ends_at
                and len(buttons) < MAX_NO_SHOW_BUTTONS
                and shows_names
            ):
                buttons.append(
                    (
                        Button(
                            " / ".join(
                                text(
                                    lang,
                                    "bk_btn_no_show_at",
                                    start=clock_text(booking.starts_at, desk.tz),
                                    name=who_text,
                                )
                                for lang in languages(setting)
                            ),
                            data=booking_data(BookingAction.NO_SHOW, id=booking.id),
                        ),
                    )
                )
    lines.append("")
    lines.append(say(setting, "bk_overview_help"))
    effects = Effects()
    effects.add(
        SendMessage(
            who.user_id, "\n".join(lines), buttons=tuple(buttons), about=tuple(sorted(named))
        )
    )
    return effects


def _short_day(lang: str, day: date) -> str:
    return f"{day.month}/{day.day} {(WEEKDAYS_ZH if lang == 'zh' else WEEKDAYS_EN)[day.weekday()]}"


def _status(setting: str, status: str) -> str:
    return " / ".join(text(lang, f"bk_status_{status}") for lang in languages(setting))


def _window(
    desk: BookingDesk, who: Resident, match: re.Match[str], usage: str
) -> tuple[ResourceSpec, date, datetime, datetime]:
    """The resource and the local [first, last) a block or unblock names; a captain's only."""
    spec = desk.resource(match["key"])
    if not desk.may_decide(who, spec):
        raise BookingRefusal("bk_captains_only")
    try:
        day = date.fromisoformat(match["day"])
        if not 2000 <= day.year <= 2100:
            raise ValueError(day)
        first = datetime.combine(day, datetime.min.time(), tzinfo=desk.tz).replace(
            hour=int(match["h1"]), minute=int(match["m1"])
        )
        last = datetime.combine(day, datetime.min.time(), tzinfo=desk.tz) + timedelta(
            hours=int(match["h2"]), minutes=int(match["m2"])
        )
    except ValueError:
        raise BookingRefusal(usage) from None
    if last <= first:
        last += timedelta(days=1)  # 22:00-06:00: through the night
    return spec, day, first, last


def _slots_within(
    spec: ResourceSpec, desk: BookingDesk, day: date, first: datetime, last: datetime, now: datetime
) -> list[Slot]:
    """The slots still ahead that overlap [first, last) (a night span opened the day before)."""
    return [
        slot
        for slot in [
            *slots_of_day(spec, day - timedelta(days=1), desk.tz),
            *slots_of_day(spec, day, desk.tz),
        ]
        if slot.end > first and slot.start < last and slot.start > now
    ]


async def unblock(tx: Tx, desk: BookingDesk, who: Resident, args: str, now: datetime) -> Effects:
    """`/bookings unblock KEY YYYY-MM-DD HH:MM-HH:MM`: a captain's block lifted early (the
    repairs finished); the slots are free to book again. An event's reservation stays: it
    goes with the event (/event cancel)."""
    match = _UNBLOCK.match(args.strip())
    if match is None:
        raise BookingRefusal("bk_unblock_usage")
    spec, day, first, last = _window(desk, who, match, "bk_unblock_usage")
    freed = 0
    for slot in _slots_within(spec, desk, day, first, last, now):
        holder = await tx.slot_holder(spec.key, slot.start)
        if holder is None or holder.status != BookingStatus.BLOCKED or holder.event_key:
            continue
        if await tx.change_booking(
            holder.id,
            BookingStatus.CANCELLED,
            now,
            only_from=[BookingStatus.BLOCKED],
            decided_by=who.user_id,
        ):
            freed += 1
    if freed == 0:
        raise BookingRefusal("bk_unblock_nothing")
    await tx.add_audit(now, who.user_id, "bookings_unblock", target=spec.key, detail=match["day"])
    effects = Effects()
    effects.add(
        SendMessage(
            who.user_id,
            say(
                desk.reader(who),
                "bk_unblocked",
                n=freed,
                resource=spec.display_name,
                day=lambda lang: day_text(lang, day),
            ),
        )
    )
    return effects


async def block(tx: Tx, desk: BookingDesk, who: Resident, args: str, now: datetime) -> Effects:
    """`/bookings block KEY YYYY-MM-DD HH:MM-HH:MM REASON`: nobody may book those slots;
    residents holding one are told why, and waiting neighbours are dropped from its list."""
    match = _BLOCK.match(args.strip())
    if match is None:
        raise BookingRefusal("bk_block_usage")
    spec, day, first, last = _window(desk, who, match, "bk_block_usage")
    reason = match["reason"].strip()[:REASON_LIMIT] or "—"
    setting = desk.reader(who)
    effects = Effects()
    blocked = 0
    displaced = 0
    for slot in _slots_within(spec, desk, day, first, last, now):
        holder = await tx.slot_holder(spec.key, slot.start)
        if holder is not None and holder.status == BookingStatus.BLOCKED:
            continue
        if holder is not None and holder.user_id:
            if not await tx.change_booking(
                holder.id,
                BookingStatus.CANCELLED,
                now,
                only_from=[BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.OFFERED],
                decided_by=who.user_id,
            ):
                continue
            lang = await desk.lang_of(tx, holder.user_id)
            effects.add(
                SendMessage(
                    holder.user_id,
                    say(
                        lang,
                        "bk_cancelled_by_block",
                        reason=reason,
                        **desk.slot_words(spec, slot.start, slot.end),
                    ),
                )
            )
            displaced += 1
        await tx.drop_waits(spec.key, slot.start)
        if await tx.hold_slot(
            spec.key,
            slot.start,
            slot.end,
            BookingStatus.BLOCKED,
            now,
            reason=reason,
            blocked_by=who.user_id,
        ):
            blocked += 1
    if blocked == 0:
        raise BookingRefusal("bk_block_nothing")
    await tx.add_audit(
        now, who.user_id, "bookings_block", target=spec.key, detail=f"{match['day']} {reason}"
    )
    effects.add(
        SendMessage(
            who.user_id,
            say(
                setting,
                "bk_blocked",
                n=blocked,
                displaced=displaced,
                resource=spec.display_name,
                day=lambda lang: day_text(lang, day),
                reason=reason,
            ),
        )
    )
    return effects


async def month_report(
    tx: Tx, desk: BookingDesk, who: Resident, args: str, now: datetime
) -> UsageAnswer:
    """`/bookings report [YYYY-MM]`: hours used per resource and the busiest times."""
    resources = _scope(desk, who)
    setting = desk.reader(who)
    local = now.astimezone(desk.tz)
    wanted = args.strip()
    if wanted:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", wanted)
        if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise BookingRefusal("bk_report_usage")
        year, month = int(match[1]), int(match[2])
    else:
        year, month = local.year, local.month
    start = datetime(year, month, 1, tzinfo=desk.tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=desk.tz)
    keys = {r.key for r in resources}
    rows = [b for b in await tx.used_between(start, end) if b.resource in keys]
    usages = usage(((b.resource, b.starts_at, b.ends_at) for b in rows), desk.tz)
    lang = languages(setting)[0]
    names = {r.key: r.display_name(lang) for r in resources}
    lines = [say(setting, "bk_report_header", month=f"{year}-{month:02d}")]
    if not usages:
        lines.append(say(setting, "bk_report_empty"))
    for item in usages:
        busiest = ", ".join(
            f"{_weekday(setting, wd)} {hour:02d}:00 ×{n}" for wd, hour, n in item.busiest
        )
        lines.append(
            say(
                setting,
                "bk_report_line",
                resource=names[item.resource],
                hours=f"{item.hours:g}",
                n=item.bookings,
                busiest=busiest or "—",
            )
        )
    effects = Effects()
    effects.add(SendMessage(who.user_id, "\n".join(lines)))
    caption = text(lang, "bk_report_chart_title", month=f"{year}-{month:02d}")
    chart_lang: Lang = lang
    if not can_draw_chinese():
        # Without a CJK font Chinese would render as boxes: English labels on the chart.
        chart_lang = "en"
    chart_names = {r.key: r.display_name(chart_lang) for r in resources}
    title = text(chart_lang, "bk_report_chart_title", month=f"{year}-{month:02d}")
    return UsageAnswer(effects, usages, chart_names, title, caption)


def _weekday(setting: str, weekday: int) -> str:
    return "/".join(
        (WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN)[weekday] for lang in languages(setting)
    )
