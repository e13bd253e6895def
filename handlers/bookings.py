"""/book, /mybookings, captains' /bookings and the `bk:` buttons: thin adapters to
bot/core/bookings."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.core.bookings.captain_view import UsageAnswer, block, month_report, overview, unblock
from bot.core.bookings.chart import render_usage_chart
from bot.core.bookings.desk import BookingDesk, BookingRefusal, Screen
from bot.core.bookings.vocabulary import (
    CALLBACK_PATTERN,
    BookingAction,
    BookingPress,
    read_booking_press,
)
from bot.core.effects import EditMessage, Effects, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.sharing.model import Resident
from handlers.buttons import drop_buttons
from handlers.common import Context, resident, run_unit, services
from handlers.members import confirm_membership
from storage.repository import Tx

logger = logging.getLogger(__name__)

__all__ = ["CALLBACK_PATTERN", "book_command", "bookings_command", "mybookings_command"]

# Presses that decide something: their buttons go once the press went through.
_DECIDING = {
    BookingAction.TAKE,
    BookingAction.DECLINE,
    BookingAction.APPROVE,
    BookingAction.REFUSE,
    BookingAction.HANDED_OUT,
    BookingAction.RETURNED,
    BookingAction.CHECK_IN,
}


def _desk(context: Context) -> BookingDesk:
    svc = services(context)
    return BookingDesk(svc.config, svc.clock)


async def _refuse(message: Message, context: Context, refusal: BookingRefusal) -> None:
    svc = services(context)
    user = message.from_user
    setting = reader_language(resident(user, context) if user else None, svc.config.bot.language)
    await message.reply_text(say(setting, refusal.key, **refusal.params), parse_mode=ParseMode.HTML)


async def _private_only(message: Message, context: Context) -> bool:
    if message.chat.type == "private":
        return True
    await _refuse(message, context, BookingRefusal("bk_private_only"))
    return False


async def book_command(update: Update, context: Context) -> None:
    """/book (privately): the places and things one may book, as buttons."""
    message = update.effective_message
    if message is None or message.from_user is None or not await _private_only(message, context):
        return
    who = resident(message.from_user, context)
    screen = _desk(context).resources_screen(who)

    async def work(tx: Tx) -> Effects:
        return Effects([SendMessage(who.user_id, screen.text, buttons=screen.buttons)])

    await run_unit(update, context, work)


async def mybookings_command(update: Update, context: Context) -> None:
    """/mybookings (privately): bookings, loans and waits, each with a cancel button."""
    message = update.effective_message
    if message is None or message.from_user is None or not await _private_only(message, context):
        return
    who = resident(message.from_user, context)
    desk = _desk(context)
    now = services(context).clock.now()
    await run_unit(update, context, lambda tx: desk.my_bookings(tx, who, now))


async def bookings_command(update: Update, context: Context) -> None:
    """/bookings [block … | unblock … | report [YYYY-MM]] for captains and admins, privately."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who = resident(message.from_user, context)
    desk = _desk(context)
    svc = services(context)
    now = svc.clock.now()
    action, _, rest = " ".join(context.args or []).partition(" ")
    answers: list[UsageAnswer] = []

    async def work(tx: Tx) -> Effects:
        if action.lower() == "block":
            return await block(tx, desk, who, rest, now)
        if action.lower() == "unblock":
            return await unblock(tx, desk, who, rest, now)
        if action.lower() == "report":
            answer = await month_report(tx, desk, who, rest, now)
            answers.append(answer)
            return answer.effects
        return await overview(tx, desk, who, now)

    try:
        effects = await run_unit(update, context, work, lengthy=True, sends_follow=True)
    except BookingRefusal as refusal:
        await _refuse(message, context, refusal)
        return
    if effects is None or not answers or not answers[0].usages:
        return
    answer = answers[0]
    png = await asyncio.to_thread(render_usage_chart, answer.usages, answer.names, answer.title)
    try:
        await context.bot.send_photo(who.user_id, png, caption=answer.caption)
    except (Forbidden, BadRequest) as exc:
        logger.info("booking chart not delivered: %s", exc)


async def on_button(update: Update, context: Context) -> None:
    """Every `bk:` button: paging through slots, booking, waiting, and the decisions."""
    query = update.callback_query
    if query is None:
        return
    press = read_booking_press(query.data or "")
    if press is None or query.message is None:
        # A malformed or forged button: the same polite word as a vanished slot.
        setting = reader_language(
            resident(query.from_user, context), services(context).config.bot.language
        )
        await query.answer(say(setting, "bk_unknown_resource"), show_alert=True)
        return
    svc = services(context)
    desk = _desk(context)
    who = resident(query.from_user, context)
    now = svc.clock.now()
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if press.resource is not None and press.action is not BookingAction.RESOURCES:
        spec = next((r for r in svc.config.resources if r.key == press.resource), None)
        if spec is not None:
            # Asked of Telegram before the unit: a neighbour who has not written lately.
            await confirm_membership(context, who.user_id, desk.eligible_chats(spec))

    async def work(tx: Tx) -> Effects:
        return await _act(tx, desk, who, press, now, chat_id, message_id)

    try:
        result = await run_unit(update, context, work)
    except BookingRefusal as refusal:
        setting = reader_language(who, svc.config.bot.language)
        await query.answer(say(setting, refusal.key, **refusal.params), show_alert=True)
        return
    await query.answer()
    if result is not None and press.action in _DECIDING:
        await drop_buttons(query)


async def _act(
    tx: Tx,
    desk: BookingDesk,
    who: Resident,
    press: BookingPress,
    now: datetime,
    chat_id: int,
    message_id: int,
) -> Effects:

    action = press.action
    if action is BookingAction.RESOURCES:
        return _shown(chat_id, message_id, desk.resources_screen(who))
    if action in (BookingAction.RESOURCE, BookingAction.DAY):
        screen = await desk.day_screen(tx, who, press.resource, press.day, now)
        return _shown(chat_id, message_id, screen)
    if action in (BookingAction.BOOK, BookingAction.WAIT):
        assert press.at is not None
        decide = desk.book if action is BookingAction.BOOK else desk.wait_for
        effects = await decide(tx, who, press.resource, press.at, now)
        # The day's buttons refreshed in place: the slot now shows as theirs, or taken.
        day = press.at.astimezone(desk.tz).date()
        effects.extend(
            _shown(chat_id, message_id, await desk.day_screen(tx, who, press.resource, day, now))
        )
        return effects
    assert press.id is not None
    by_id = {
        BookingAction.CANCEL: desk.cancel,
        BookingAction.TAKE: desk.take,
        BookingAction.DECLINE: desk.decline,
        BookingAction.HANDED_OUT: desk.handed_out,
        BookingAction.RETURNED: desk.returned,
        BookingAction.NO_SHOW: desk.no_show,
        BookingAction.CHECK_IN: desk.check_in,
    }
    if action is BookingAction.LEAVE:
        return await desk.leave_wait(tx, who, press.id)
    if action in (BookingAction.APPROVE, BookingAction.REFUSE):
        return await desk.decide(tx, who, press.id, action is BookingAction.APPROVE, now)
    return await by_id[action](tx, who, press.id, now)


def _shown(chat_id: int, message_id: int, screen: Screen) -> Effects:
    return Effects([EditMessage(chat_id, message_id, text=screen.text, buttons=screen.buttons)])
