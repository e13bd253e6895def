"""Volunteer teams and duty rosters: /team, /teams, /duty, sign-up buttons, the waitlist,
reminders before a shift and the captain's one tap per volunteer after it.

Captains act only for their own buildings (`captain_scope`, as every captain's tool does);
residents join teams and sign up only where they are known members of a building group.
Sign-ups, reminders and attendance are private; a group sees a duty's counts, never names.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.captains import Where, captain_scope
from bot.core.config import Config
from bot.core.effects import Button, EditMessage, Effects, Fallback, SendMessage
from bot.core.events.captain import when_text
from bot.core.festivals import QuietHours
from bot.core.i18n import Lang, Markup, Reader, languages, reader_language, say, text
from bot.core.membership import FRESH
from bot.core.record_ids import record_id
from bot.core.redaction import redact
from bot.core.sharing.model import Resident, UserError
from bot.core.volunteers.duty_text import TITLE_LIMIT, DutyRefusal, parse_duty, shift_times
from bot.core.volunteers.points_rules import shift_points
from bot.core.volunteers.vocabulary import (
    PointsSource,
    SignupStatus,
    VolunteerAction,
    volunteer_data,
)
from storage.captains_store import ANONYMOUS
from storage.records import UserRecord
from storage.repository import Tx
from storage.volunteers_store import DutyRecord, NewDuty, NewPoints, Signup, TeamRecord

# The tick looks this far back for shifts to remind about or confirm (a long outage).
LOOK_BACK = timedelta(days=8)
LOOK_AHEAD = timedelta(days=3)
LIST_LIMIT = 12


def _scope(config: Config, who: Resident, where: Where) -> list[str]:
    try:
        return captain_scope(config, who, where)
    except UserError as error:
        raise DutyRefusal(error.key) from None


def _building_name(config: Config, key: str) -> str:
    spec = config.building(key)
    return spec.name if spec else key


def _choose(config: Config, where: Where, requested: str | None, mine: list[str]) -> str:
    """The building a captain's command is for: the one named, else the only one in scope
    (a building group's own; privately, the captain's only building)."""
    if requested is not None:
        if requested not in mine:
            raise DutyRefusal("vt_not_your_building", building=_building_name(config, requested))
        return requested
    if len(mine) == 1:
        return mine[0]
    raise DutyRefusal("vt_choose_building", example=mine[0], keys=", ".join(mine))


def reader(config: Config, who: Resident, where: Where) -> str:
    """The language a person reads here: theirs in private, the group's in a group."""
    if not where.private:
        return config.group_language(where.chat_id)
    return reader_language(who, config.bot.language)


def _user_setting(config: Config, reader: Reader, chat_id: int) -> str:
    return reader_language(reader, config.group_language(chat_id))


def zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.bot.timezone)


def quiet_hours(config: Config) -> QuietHours | None:
    spec = config.bot.quiet_hours
    return QuietHours(spec.start_time, spec.end_time) if spec is not None else None


def building_chats(config: Config, building: str) -> tuple[int, ...]:
    """The building's own groups, and its community's community-wide groups."""
    spec = config.building(building)
    community = spec.community if spec else None
    return tuple(
        g.chat_id
        for g in config.groups
        if g.building == building or (g.building is None and g.community == community)
    )


def community_of(config: Config, building: str) -> str | None:
    spec = config.building(building)
    return spec.community if spec else None


async def _save(tx: Tx, who: Resident, now: datetime) -> None:
    # The first name is what a captain's attendance list and ranking show.
    await tx.save_user(
        UserRecord(who.user_id, who.first_name, who.username, who.language_code), now
    )


async def resident_buildings(tx: Tx, config: Config, user_id: int, now: datetime) -> list[str]:
    """Buildings whose groups the resident was seen in lately (membership is proof)."""
    chats = set(await tx.member_chats(user_id, now - FRESH))
    found: list[str] = []
    for group in config.groups:
        if group.chat_id not in chats:
            continue
        keys = (
            [group.building]
            if group.building is not None
            else [b.key for b in config.buildings if b.community == group.community]
        )
        found.extend(k for k in keys if k not in found)
    return found


# --- teams ---------------------------------------------------------------------------------


def _team_scopes(config: Config, buildings: list[str]) -> list[str]:
    communities = sorted({c for b in buildings if (c := community_of(config, b)) is not None})
    return [f"b:{b}" for b in buildings] + [f"c:{c}" for c in communities]


async def _config_teams(tx: Tx, config: Config, now: datetime) -> None:
    # Teams the admin listed are written on first use, so joining treats both kinds alike.
    for spec in config.volunteers.teams:
        await tx.ensure_team(spec.scope, spec.name, None, now)


async def add_team(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where, args: str
) -> Effects:
    """/team add [building] NAME: a captain starts a team for their building."""
    mine = _scope(config, who, where)
    words = args.split()
    requested = words.pop(0) if words and config.building(words[0]) is not None else None
    name = " ".join(words).strip()
    if not name:
        raise DutyRefusal("vt_team_usage")
    if len(name) > 40:
        raise DutyRefusal("duty_title_too_long", limit=40)
    building = _choose(config, where, requested, mine)
    team, created = await tx.ensure_team(f"b:{building}", name, who.user_id, now)
    key = "vt_team_added" if created else "vt_team_exists"
    effects = Effects()
    effects.add(
        SendMessage(
            where.chat_id,
            say(
                reader(config, who, where),
                key,
                name=team.name,
                building=_building_name(config, building),
            ),
        )
    )
    return effects


def team_chats(config: Config, team: TeamRecord) -> tuple[int, ...]:
    """The groups whose members may join a team: its building's, or its community's."""
    kind, _, key = team.scope.partition(":")
    keys = [key] if kind == "b" else [b.key for b in config.buildings if b.community == key]
    return tuple(dict.fromkeys(c for k in keys for c in building_chats(config, k)))


def _team_place(config: Config, team: TeamRecord) -> str:
    kind, _, key = team.scope.partition(":")
    if kind == "b":
        return _building_name(config, key)
    spec = next((c for c in config.communities if c.key == key), None)
    return spec.name if spec else key


async def list_teams(tx: Tx, config: Config, now: datetime, who: Resident, where: Where) -> Effects:
    """/teams: in a group the names (join privately); in private, join/leave buttons."""
    await _config_teams(tx, config, now)
    setting = reader(config, who, where)
    effects = Effects()
    if not where.private:
        group = config.group(where.chat_id)
        if group is None:
            return effects
        buildings = (
            [group.building]
            if group.building is not None
            else [b.key for b in config.buildings if b.community == group.community]
        )
        teams = await tx.teams_in(_team_scopes(config, buildings))
        names = ("、" if setting == "zh" else ", ").join(t.name for t in teams)
        key = "vt_teams_group" if teams else "vt_teams_none"
        effects.add(SendMessage(where.chat_id, say(setting, key, names=names)))
        return effects
    buildings = await resident_buildings(tx, config, who.user_id, now)
    mine = config.captain_buildings(who.user_id, who.username)
    buildings += [b for b in mine if b not in buildings]  # a captain's, lived in or not
    teams = await tx.teams_in(_team_scopes(config, buildings))
    if not teams:
        key = "vt_teams_none" if buildings else "vt_teams_no_building"
        effects.add(SendMessage(where.chat_id, say(setting, key, names="")))
        return effects
    joined = await tx.teams_of_member(who.user_id)
    lines, rows = [], []
    for team in teams[:LIST_LIMIT]:
        member = team.id in joined
        lines.append(
            say(
                setting,
                "vt_team_line_in" if member else "vt_team_line",
                name=team.name,
                place=_team_place(config, team),
                n=await tx.team_size(team.id),
            )
        )
        action = VolunteerAction.LEAVE if member else VolunteerAction.JOIN
        label = "vt_btn_leave" if member else "vt_btn_join"
        rows.append((_button(setting, label, volunteer_data(action, team.id), name=team.name),))
    body = say(setting, "vt_teams_header") + "\n" + "\n".join(lines)
    effects.add(SendMessage(where.chat_id, body, buttons=tuple(rows)))
    return effects


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


async def join_team(
    tx: Tx, config: Config, now: datetime, who: Resident, team_id: int, on: bool
) -> str:
    """Join or leave a team from its private button; returns the toast key."""
    team = await tx.team(team_id)
    if team is None:
        return "vt_gone"
    if on:
        chats = team_chats(config, team)
        if not await tx.member_since(who.user_id, chats, now - FRESH):
            return "vt_not_member_team"
        await _save(tx, who, now)
    changed = await tx.set_team_member(team.id, who.user_id, on, now)
    if on:
        return "vt_joined" if changed else "vt_joined_already"
    return "vt_left_team"


# --- duties --------------------------------------------------------------------------------


def _duty_when(duty: DutyRecord, lang: Lang, now: datetime, tz: ZoneInfo) -> str:
    starts = duty.starts_at.astimezone(tz)
    ends = duty.ends_at.astimezone(tz)
    return f"{when_text(starts, lang, with_time=True, now=now)}–{ends:%H:%M}"


def _duty_text(
    config: Config, duty: DutyRecord, setting: str, signed: int, waiting: int, now: datetime
) -> str:
    tz = zone(config)
    parts = []
    for lang in languages(setting):
        place = text(lang, "vt_duty_place", place=html.escape(duty.place)) if duty.place else ""
        parts.append(
            text(
                lang,
                "vt_duty_post_urgent" if duty.urgent else "vt_duty_post",
                id=duty.id,
                title=html.escape(duty.title),
                when=_duty_when(duty, lang, now, tz),
                place=place,
                building=html.escape(_building_name(config, duty.building)),
                signed=signed,
                slots=duty.slots,
                waiting=text(lang, "vt_duty_waiting", n=waiting) if waiting else "",
            )
        )
    return "\n".join(parts)


def _duty_buttons(setting: str, duty_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            _button(setting, "vt_btn_sign_up", volunteer_data(VolunteerAction.SIGN_UP, duty_id)),
            _button(setting, "vt_btn_give_up", volunteer_data(VolunteerAction.GIVE_UP, duty_id)),
        ),
    )


def _counts(signups: list[Signup]) -> tuple[int, int]:
    signed = sum(1 for s in signups if s.status == SignupStatus.SIGNED)
    return signed, sum(1 for s in signups if s.status == SignupStatus.WAITING)


async def post_duty(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where, args: str
) -> Effects:
    """/duty [building] DATE START-END TITLE SLOTS [urgent] [@ place]: post a shift."""
    mine = _scope(config, who, where)
    request = parse_duty(args, [b.key for b in config.buildings])
    building = _choose(config, where, request.building, mine)
    starts, ends = shift_times(request, now, zone(config))
    await _save(tx, who, now)  # the after-shift list speaks the captain's language
    here = not where.private and where.chat_id in building_chats(config, building)
    own = tuple(g.chat_id for g in config.groups if g.building == building)
    # From a private chat: the building's own groups, else its community's.
    chats = (where.chat_id,) if here else own or building_chats(config, building)
    if not chats:
        raise DutyRefusal("vt_no_group", building=_building_name(config, building))
    # The bot never repeats a room number or phone in a group, even a captain's.
    title, place = redact(request.title)[:TITLE_LIMIT], request.place and redact(request.place)
    hidden = title != request.title[:TITLE_LIMIT] or place != request.place
    duty = await tx.add_duty(
        NewDuty(
            building=building,
            title=title,
            place=place,
            starts_at=starts,
            ends_at=ends,
            slots=request.slots,
            urgent=request.urgent,
            chat_id=chats[0],
            created_by=who.user_id,
            created_at=now,
        )
    )
    effects = Effects()
    for chat_id in chats:
        setting = config.group_language(chat_id)
        effects.add(
            SendMessage(
                chat_id,
                _duty_text(config, duty, setting, 0, 0, now),
                buttons=_duty_buttons(setting, duty.id),
                thread_id=config.group_topic(chat_id),
            )
        )
    if where.private:
        effects.add(
            SendMessage(
                where.chat_id,
                say(reader(config, who, where), "vt_duty_posted", id=duty.id, title=duty.title),
            )
        )
    if hidden:
        effects.add(SendMessage(who.user_id, say(reader(config, who, where), "vt_duty_redacted")))
    return effects


async def _refresh_post(
    tx: Tx, config: Config, duty: DutyRecord, chat_id: int, message_id: int | None, now: datetime
) -> Effects:
    effects = Effects()
    if message_id is None or chat_id > 0:
        return effects
    signed, waiting = _counts(await tx.signups(duty.id))
    setting = config.group_language(chat_id)
    await tx.set_duty_message(duty.id, chat_id, message_id)
    effects.add(
        EditMessage(
            chat_id,
            message_id,
            text=_duty_text(config, duty, setting, signed, waiting, now),
            buttons=_duty_buttons(setting, duty.id),
        )
    )
    return effects


async def sign_up(
    tx: Tx, config: Config, now: datetime, who: Resident, duty_id: int, chat_id: int,
    message_id: int | None,
) -> tuple[Effects, str]:  # fmt: skip
    """The sign-up button: a slot if one is free, else the waitlist; (effects, toast key)."""
    duty = await tx.duty(duty_id)
    if duty is None:
        return Effects(), "vt_gone"
    if duty.cancelled_at is not None:
        return Effects(), "vt_duty_gone"
    if duty.starts_at <= now:
        return Effects(), "vt_duty_started"
    if not await tx.member_since(who.user_id, building_chats(config, duty.building), now - FRESH):
        return Effects(), "vt_not_member"
    signups = await tx.signups(duty.id)
    mine = next((s for s in signups if s.user_id == who.user_id), None)
    if mine is not None:
        key = "vt_signed_already" if mine.status == SignupStatus.SIGNED else "vt_waiting_already"
        return Effects(), key
    await _save(tx, who, now)
    signed, _ = _counts(signups)
    status = SignupStatus.SIGNED if signed < duty.slots else SignupStatus.WAITING
    await tx.put_signup(duty.id, who.user_id, status, now)
    effects = await _refresh_post(tx, config, duty, chat_id, message_id, now)
    return effects, "vt_signed" if status == SignupStatus.SIGNED else "vt_waitlisted"


async def give_up(
    tx: Tx, config: Config, now: datetime, who: Resident, duty_id: int, chat_id: int,
    message_id: int | None,
) -> tuple[Effects, str]:  # fmt: skip
    """ "I can't come": the place goes to the first on the waitlist, who is told privately."""
    duty = await tx.duty(duty_id)
    if duty is None:
        return Effects(), "vt_gone"
    if duty.cancelled_at is not None:
        return Effects(), "vt_duty_gone"
    if duty.starts_at <= now:
        return Effects(), "vt_duty_started"
    signups = await tx.signups(duty.id)
    mine = next((s for s in signups if s.user_id == who.user_id), None)
    if mine is None:
        return Effects(), "vt_not_signed"
    await tx.set_signup_status(mine.id, SignupStatus.LEFT)
    effects = Effects()
    if mine.status == SignupStatus.SIGNED:
        first = next((s for s in signups if s.status == SignupStatus.WAITING), None)
        if first is not None:
            await tx.set_signup_status(first.id, SignupStatus.SIGNED)
            effects.add(_tell(config, duty, first, "vt_moved_up", now))
    effects.extend(await _refresh_post(tx, config, duty, chat_id, message_id, now))
    return effects, "vt_gave_up"


async def leave_all_duties(tx: Tx, config: Config, user_id: int, now: datetime) -> Effects:
    """A resident leaving Jinlin (/forgetme) frees their places on coming duties."""
    effects = Effects()
    for duty in await tx.duties_signed_by(user_id, now):
        locked = await tx.duty(duty.id)
        if locked is None:
            continue
        signups = await tx.signups(duty.id)
        mine = next((s for s in signups if s.user_id == user_id), None)
        if mine is None:
            continue
        await tx.set_signup_status(mine.id, SignupStatus.LEFT)
        if mine.status == SignupStatus.SIGNED:
            first = next((s for s in signups if s.status == SignupStatus.WAITING), None)
            if first is not None:
                await tx.set_signup_status(first.id, SignupStatus.SIGNED)
                effects.add(_tell(config, duty, first, "vt_moved_up", now))
    return effects


def _tell(
    config: Config, duty: DutyRecord, signup: Signup, key: str, now: datetime, **params: object
) -> SendMessage:
    """A private word about a duty; a resident who never opened the bot is nudged in the group
    (named, as every such nudge is, so they know it is theirs; the words stay private)."""
    setting = _user_setting(config, signup, duty.chat_id)
    tz = zone(config)
    body = say(
        setting,
        key,
        id=duty.id,
        title=duty.title,
        when=lambda lang: _duty_when(duty, lang, now, tz),
        place=duty.place or "",
        **params,
    )
    group_setting = config.group_language(duty.chat_id)
    name = html.escape(redact(signup.first_name or "?"))
    mention = Markup(f'<a href="tg://user?id={signup.user_id}">{name}</a>')
    return SendMessage(
        signup.user_id,
        body,
        fallback=Fallback(
            chat_id=duty.chat_id,
            user_id=signup.user_id,
            text=say(group_setting, "vt_private_fallback", name=mention, title=duty.title),
            button=" / ".join(text(lang, "btn_open_private") for lang in languages(group_setting)),
            thread_id=config.group_topic(duty.chat_id),
        ),
    )


async def cancel_duty(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where, args: str
) -> Effects:
    """/duty cancel N: the captain calls a shift off; everyone signed up is told privately."""
    number = record_id(args)
    if number is None:
        raise DutyRefusal("duty_usage")
    mine = _scope(config, who, where)
    duty = await tx.duty(number)
    if duty is None:
        raise DutyRefusal("vt_duty_unknown", id=args.strip().lstrip("#")[:12])
    if duty.building not in mine:
        raise DutyRefusal("vt_not_your_building", building=_building_name(config, duty.building))
    if not await tx.cancel_duty(duty.id, who.user_id, now):
        raise DutyRefusal("vt_duty_already_cancelled", id=duty.id)
    effects = Effects()
    for signup in await tx.signups(duty.id):
        effects.add(_tell(config, duty, signup, "vt_cancelled_private", now))
    setting = reader(config, who, where)
    effects.add(
        SendMessage(where.chat_id, say(setting, "vt_cancelled_done", id=duty.id, title=duty.title))
    )
    if duty.message_id is not None:
        # The post neighbours last pressed loses its buttons and says so.
        group_setting = config.group_language(duty.chat_id)
        effects.add(
            EditMessage(
                duty.chat_id,
                duty.message_id,
                text=say(group_setting, "vt_cancelled_post", id=duty.id, title=duty.title),
            )
        )
    elif where.private:
        # Nobody pressed the post yet (its id is unknown): the group is told in a line.
        group_setting = config.group_language(duty.chat_id)
        effects.add(
            SendMessage(
                duty.chat_id,
                say(group_setting, "vt_cancelled_post", id=duty.id, title=duty.title),
                thread_id=config.group_topic(duty.chat_id),
            )
        )
    return effects


async def list_duties(
    tx: Tx, config: Config, now: datetime, who: Resident, where: Where
) -> Effects:
    """/duties: the coming shifts of this group's building, or of the resident's buildings."""
    if where.private:
        buildings = await resident_buildings(tx, config, who.user_id, now)
        mine = config.captain_buildings(who.user_id, who.username)
        buildings += [b for b in mine if b not in buildings]  # a captain's, lived in or not
    else:
        group = config.group(where.chat_id)
        buildings = (
            []
            if group is None
            else [group.building]
            if group.building is not None
            else [b.key for b in config.buildings if b.community == group.community]
        )
    setting = reader(config, who, where)
    effects = Effects()
    duties = (await tx.upcoming_duties(buildings, now))[:LIST_LIMIT]
    if not duties:
        effects.add(SendMessage(where.chat_id, say(setting, "vt_duties_none")))
        return effects
    for duty in duties:
        signups = await tx.signups(duty.id)
        signed, waiting = _counts(signups)
        body = _duty_text(config, duty, setting, signed, waiting, now)
        if (
            where.private
            and signups
            and config.is_captain(who.user_id, who.username, duty.building)
        ):
            # Names only to the building's captains, privately: they plan the shift.
            body += "\n" + _names_line(setting, signups)
        effects.add(SendMessage(where.chat_id, body, buttons=_duty_buttons(setting, duty.id)))
    return effects


def _names_line(setting: str, signups: list[Signup]) -> str:
    def names(status: SignupStatus, lang: Lang) -> str:
        found = [s.first_name or str(s.user_id) for s in signups if s.status == status]
        return ("、" if lang == "zh" else ", ").join(found) or "—"

    return say(
        setting,
        "vt_duty_names",
        signed=lambda lang: names(SignupStatus.SIGNED, lang),
        waiting=lambda lang: names(SignupStatus.WAITING, lang),
    )


# --- time passing: reminders and the captain's confirmation ---------------------------------


@dataclass(frozen=True)
class DueReminder:
    kind: str  # "evening" or "before": part of the stored "sent" mark
    at: datetime


def reminder_plan(
    starts: datetime, created: datetime | None, evening: str, hours_before: int,
    tz: ZoneInfo, quiet: QuietHours | None,
) -> list[DueReminder]:  # fmt: skip
    """When a shift's volunteers are reminded: the evening before and some hours before.

    One inside quiet hours moves to their end; one that would then come at or after the
    start, or before the duty was posted, is dropped (the other one still tells them).
    """
    local = starts.astimezone(tz)
    wanted: list[DueReminder] = []
    if evening:
        hour, minute = (int(p) for p in evening.split(":"))
        day: date = local.date() - timedelta(days=1)
        wanted.append(DueReminder("evening", datetime.combine(day, time(hour, minute), tzinfo=tz)))
    if hours_before:
        wanted.append(DueReminder("before", local - timedelta(hours=hours_before)))
    out: list[DueReminder] = []
    for reminder in wanted:
        at = quiet.shift(reminder.at) if quiet is not None else reminder.at
        if at >= starts or (created is not None and at < created):
            continue
        if any(abs(at - kept.at) < timedelta(minutes=30) for kept in out):
            continue  # two reminders at once would read as one sent twice
        out.append(DueReminder(reminder.kind, at))
    return out


async def duty_tick(tx: Tx, config: Config, now: datetime) -> Effects:
    """Reminders due now, the captain's after-shift list, hand-over points; each once only
    (a "sent" mark is stored with the message in one transaction, so restarts repeat none)."""
    effects = Effects()
    tz, quiet = zone(config), quiet_hours(config)
    if quiet is not None and quiet.contains(now.astimezone(tz).time()):
        return effects  # private words wait for the morning too
    settings = config.volunteers
    grace = timedelta(hours=config.bot.reminder_grace_hours)
    for duty in await tx.duties_between(now - LOOK_BACK, now + LOOK_AHEAD):
        signed = [s for s in await tx.signups(duty.id) if s.status == SignupStatus.SIGNED]
        if duty.starts_at > now:
            plan = reminder_plan(
                duty.starts_at, duty.created_at, settings.remind_evening_before,
                settings.remind_hours_before, tz, quiet,
            )  # fmt: skip
            for reminder in plan:
                if reminder.at > now or now - reminder.at > grace:
                    continue  # not yet, or missed while the bot was down: not news any more
                for signup in signed:
                    if signup.joined_at > reminder.at:
                        continue  # signed up after it was due: the sign-up was the news
                    mark = f"duty_{duty.id}_{reminder.kind}"
                    if await tx.record_reminder(mark, signup.user_id, reminder.at, now):
                        effects.add(
                            _tell(config, duty, signup, "vt_reminder", now)
                        )  # fmt: skip
        elif duty.ends_at <= now and signed:
            mark = f"duty_{duty.id}_attendance"
            for sheet in await attendance_sheets(tx, config, duty, now):
                if await tx.record_reminder(mark, sheet.chat_id, duty.ends_at, now):
                    effects.add(sheet)
    effects.extend(await award_handovers(tx, config, now))
    return effects


def _attendance_body(
    config: Config, duty: DutyRecord, setting: str, signed: list[Signup], now: datetime
) -> str:
    tz = zone(config)
    lines = [
        say(setting, "vt_attendance_header", id=duty.id, title=duty.title,
            when=lambda lang: _duty_when(duty, lang, now, tz))
    ]  # fmt: skip
    for signup in signed:
        if signup.attended is not None:
            key = "vt_attendance_came" if signup.attended else "vt_attendance_absent"
            lines.append(say(setting, key, name=signup.first_name or str(signup.user_id)))
    return "\n".join(lines)


def _data(action: VolunteerAction, signup: Signup) -> str:
    return volunteer_data(action, signup.id)


def _attendance_buttons(setting: str, signed: list[Signup]) -> tuple[tuple[Button, ...], ...]:
    rows = []
    for signup in signed:
        if signup.attended is None:
            name = signup.first_name or str(signup.user_id)
            rows.append(
                (
                    _button(setting, "vt_btn_came", _data(VolunteerAction.CAME, signup), name=name),
                    _button(
                        setting, "vt_btn_absent", _data(VolunteerAction.ABSENT, signup), name=name
                    ),
                )
            )
    return tuple(rows)


async def attendance_sheets(
    tx: Tx, config: Config, duty: DutyRecord, now: datetime
) -> list[SendMessage]:
    """The private list after a shift, one tap per volunteer: to the captain who posted it,
    or (if they left Jinlin) to the building's captains."""
    captains = [duty.created_by] if duty.created_by != ANONYMOUS else []
    captains = captains or [c for c in config.captains_of(duty.building) if isinstance(c, int)]
    signed = [s for s in await tx.signups(duty.id) if s.status == SignupStatus.SIGNED]
    sheets = []
    for captain_id in captains:
        captain = await tx.user(captain_id)
        setting = reader_language(captain, config.group_language(duty.chat_id))
        sheets.append(
            SendMessage(
                captain_id,
                _attendance_body(config, duty, setting, signed, now),
                buttons=_attendance_buttons(setting, signed),
            )
        )
    return sheets


async def mark_attendance(
    tx: Tx, config: Config, now: datetime, who: Resident, signup_id: int, came: bool,
    chat_id: int, message_id: int | None,
) -> tuple[Effects, str]:  # fmt: skip
    """The captain's tap: came (points by the community's rule) or did not; (effects, toast)."""
    signup = await tx.signup(signup_id)
    duty = await tx.duty(signup.duty_id) if signup is not None else None
    if signup is None or duty is None:
        return Effects(), "vt_gone"
    if not config.is_captain(who.user_id, who.username, duty.building):
        return Effects(), "vt_not_your_duty"
    if duty.ends_at > now:
        return Effects(), "vt_not_over"
    effects = Effects()
    if not await tx.decide_attendance(signup.id, came, who.user_id, now):
        return effects, "vt_decided_already"
    if came:
        community = community_of(config, duty.building)
        minutes = int((duty.ends_at - duty.starts_at).total_seconds() // 60)
        points = shift_points(config.volunteers.rule_for(community), minutes, duty.urgent)
        await tx.award_points(
            NewPoints(
                user_id=signup.user_id,
                building=duty.building,
                community=community,
                source=PointsSource.DUTY,
                ref_id=duty.id,
                title=duty.title,
                minutes=minutes,
                points=points,
                earned_on=duty.starts_at.astimezone(zone(config)).date(),
                awarded_at=now,
                awarded_by=who.user_id,
            )
        )
        note = _tell(config, duty, signup, "vt_points_earned", now, points=points)
        effects.add(note)
    if message_id is not None:
        setting = reader_language(who, config.group_language(duty.chat_id))
        signed = [s for s in await tx.signups(duty.id) if s.status == SignupStatus.SIGNED]
        effects.add(
            EditMessage(
                chat_id,
                message_id,
                text=_attendance_body(config, duty, setting, signed, now),
                buttons=_attendance_buttons(setting, signed),
            )
        )
    return effects, "vt_marked_came" if came else "vt_marked_absent"


async def award_handovers(tx: Tx, config: Config, now: datetime) -> Effects:
    """Points for completed hand-overs of shared items, where the admin's rule gives any."""
    rules = [config.volunteers.points, *config.volunteers.community_points.values()]
    if not any(rule.per_handover for rule in rules):
        return Effects()
    tz = zone(config)
    for done in await tx.handed_over_since(now - LOOK_BACK):
        points = config.volunteers.rule_for(done.community).per_handover
        if points:
            await tx.award_points(
                NewPoints(
                    user_id=done.giver_id,
                    building=done.building,
                    community=done.community,
                    source=PointsSource.HANDOVER,
                    ref_id=done.match_id,
                    title=done.item,
                    minutes=0,
                    points=points,
                    earned_on=done.on.astimezone(tz).date(),
                    awarded_at=now,
                    awarded_by=None,
                )
            )
    return Effects()


async def duty_moments(tx: Tx, config: Config, after: datetime, until: datetime) -> list[datetime]:
    """When duty reminders and after-shift lists fall due in (after, until]: where the
    console's clock jump stops, as the real bot's minute tick would find them."""
    tz, quiet = zone(config), quiet_hours(config)
    settings = config.volunteers
    moments: set[datetime] = set()
    for duty in await tx.duties_between(after - LOOK_BACK, until + LOOK_AHEAD):
        plan = reminder_plan(
            duty.starts_at, duty.created_at, settings.remind_evening_before,
            settings.remind_hours_before, tz, quiet,
        )  # fmt: skip
        for at in [r.at for r in plan] + [duty.ends_at]:
            if quiet is not None and quiet.contains(at.astimezone(tz).time()):
                at = quiet.shift(at)
            if after < at <= until:
                moments.add(at)
    return sorted(moments)
