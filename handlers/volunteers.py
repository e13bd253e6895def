"""/team, /teams, /duty, /duties, /points and the volunteers' buttons (vt:…): thin adapters to
bot/core/volunteers. The points export is sent from here: it is an upload."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InputFile, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.core.captains import Where
from bot.core.effects import EditMessage, Effects, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.sharing.model import Resident
from bot.core.volunteers.duty_text import DutyRefusal
from bot.core.volunteers.points import PointsAnswer, points_command
from bot.core.volunteers.roster import (
    add_team,
    building_chats,
    cancel_duty,
    give_up,
    join_team,
    list_duties,
    list_teams,
    mark_attendance,
    post_duty,
    sign_up,
    team_chats,
)
from bot.core.volunteers.vocabulary import CALLBACK_PATTERN, VolunteerAction, read_volunteer_press
from handlers.common import Context, refuse_command, resident, run_unit, services
from handlers.members import confirm_membership
from storage.repository import Tx

logger = logging.getLogger(__name__)

__all__ = [
    "CALLBACK_PATTERN",
    "duties_command",
    "duty_command",
    "on_button",
    "points_command_handler",
    "team_command",
    "teams_command",
]

Work = Callable[[Tx, Resident, Where, str], Awaitable[Effects]]


def _where(message: Message) -> Where:
    return Where(chat_id=message.chat_id, private=message.chat.type == "private")


async def _command(update: Update, context: Context, work: Work) -> None:
    """One command as a unit of work; a refusal is answered in one line where it was written."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who, where = resident(message.from_user, context), _where(message)
    args = " ".join(context.args or [])
    try:
        await run_unit(update, context, lambda tx: work(tx, who, where, args))
    except DutyRefusal as refusal:
        await _refuse(update, context, refusal)


async def _refuse(update: Update, context: Context, refusal: DutyRefusal) -> None:
    await refuse_command(update, context, refusal, "volunteers")


async def team_command(update: Update, context: Context) -> None:
    """/team add [building] NAME (captains)."""
    svc = services(context)

    async def work(tx: Tx, who: Resident, where: Where, args: str) -> Effects:
        action, _, rest = args.partition(" ")
        if action.lower() not in ("add", "添加", "新建"):
            raise DutyRefusal("vt_team_usage")
        return await add_team(tx, svc.config, svc.clock.now(), who, where, rest)

    await _command(update, context, work)


async def _find_home(update: Update, context: Context) -> None:
    """In private, a resident not seen in any group lately is looked up with Telegram (the
    first few configured groups), so one who only ever read the group still finds its teams."""
    message = update.effective_message
    if message is None or message.from_user is None or message.chat.type != "private":
        return
    svc = services(context)
    await confirm_membership(
        context, message.from_user.id, tuple(g.chat_id for g in svc.config.groups)
    )


async def teams_command(update: Update, context: Context) -> None:
    """/teams: the teams here (group) or with join/leave buttons (private)."""
    svc = services(context)
    await _find_home(update, context)
    await _command(
        update,
        context,
        lambda tx, who, where, _: list_teams(tx, svc.config, svc.clock.now(), who, where),
    )


async def duty_command(update: Update, context: Context) -> None:
    """/duty DATE START-END TITLE SLOTS [urgent] [@ place] | /duty cancel N (captains)."""
    svc = services(context)

    async def work(tx: Tx, who: Resident, where: Where, args: str) -> Effects:
        first, _, rest = args.partition(" ")
        if first.lower() in ("cancel", "取消"):
            return await cancel_duty(tx, svc.config, svc.clock.now(), who, where, rest)
        return await post_duty(tx, svc.config, svc.clock.now(), who, where, args)

    await _command(update, context, work)


async def duties_command(update: Update, context: Context) -> None:
    """/duties: coming shifts with sign-up buttons."""
    svc = services(context)
    await _find_home(update, context)
    await _command(
        update,
        context,
        lambda tx, who, where, _: list_duties(tx, svc.config, svc.clock.now(), who, where),
    )


async def points_command_handler(update: Update, context: Context) -> None:
    """/points [public on|off | export PERIOD | post]."""
    svc = services(context)
    answers: list[PointsAnswer] = []

    async def work(tx: Tx, who: Resident, where: Where, args: str) -> Effects:
        answer = await points_command(tx, svc.config, svc.clock.now(), who, where, args)
        answers.append(answer)
        return answer.effects

    await _command(update, context, work)
    message = update.effective_message
    if not answers or answers[-1].export is None or message is None:
        return
    export = answers[-1].export
    try:
        await context.bot.send_document(
            message.chat_id,
            InputFile(export.content, filename=export.filename),
            caption=export.caption,
        )
    except (Forbidden, BadRequest) as exc:
        logger.info("points export not delivered: %s", exc)


async def on_button(update: Update, context: Context) -> None:
    """Sign up / can't come (group post), join / leave (private list), came / didn't (captain)."""
    query = update.callback_query
    if query is None:
        return
    read = read_volunteer_press(query.data or "")
    if read is None or query.message is None:
        await query.answer()
        return
    action, ref = read
    svc = services(context)
    who = resident(query.from_user, context)
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if action in (VolunteerAction.SIGN_UP, VolunteerAction.JOIN):
        await _confirm_member(context, who.user_id, action, ref)
    toast: list[str] = []

    async def work(tx: Tx) -> Effects:
        now = svc.clock.now()
        effects = Effects()
        if action is VolunteerAction.SIGN_UP:
            effects, key = await sign_up(tx, svc.config, now, who, ref, chat_id, message_id)
        elif action is VolunteerAction.GIVE_UP:
            effects, key = await give_up(tx, svc.config, now, who, ref, chat_id, message_id)
        elif action in (VolunteerAction.JOIN, VolunteerAction.LEAVE):
            on = action is VolunteerAction.JOIN
            key = await join_team(tx, svc.config, now, who, ref, on)
            if key in ("vt_joined", "vt_left_team", "vt_joined_already"):
                # The private list again, with the button turned round.
                listing = await list_teams(tx, svc.config, now, who, Where(chat_id, True))
                effects.extend(_as_edit(listing, chat_id, message_id))
        else:
            came = action is VolunteerAction.CAME
            effects, key = await mark_attendance(
                tx, svc.config, now, who, ref, came, chat_id, message_id
            )
        toast.append(key)
        return effects

    await run_unit(update, context, work)
    setting = reader_language(who, svc.config.group_language(chat_id))
    await query.answer(say(setting, toast[0]) if toast else None)


def _as_edit(listing: Effects, chat_id: int, message_id: int) -> Effects:
    out = Effects()
    for effect in listing.items:
        if isinstance(effect, SendMessage):
            out.add(EditMessage(chat_id, message_id, text=effect.text, buttons=effect.buttons))
    return out


async def _confirm_member(
    context: Context, user_id: int, action: VolunteerAction, ref: int
) -> None:
    """Ask Telegram whether the resident is still in the building's groups, if not known
    today (someone who left loses the right to sign up within a day)."""
    svc = services(context)
    async with svc.repo.statements() as tx:
        if action is VolunteerAction.SIGN_UP:
            duty = await tx.duty(ref)
            chats = building_chats(svc.config, duty.building) if duty else ()
        else:
            team = await tx.team(ref)
            chats = team_chats(svc.config, team) if team else ()
    if chats:
        await confirm_membership(context, user_id, chats)
