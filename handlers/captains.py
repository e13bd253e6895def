"""Floor captains' commands and buttons, and residents' /report, /myreports, /thanks.

Thin adapters: the rules live in bot/core/captains.py, bot/core/reports.py,
bot/core/stats_report.py and bot/core/thanks.py. Announcements and the /stats chart are sent
from here because they need what Telegram returns (the message id to pin) or an upload.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.app.services import Services
from bot.core.captains import CaptainDesk, Where, reader_setting
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import say
from bot.core.reports import ReportDesk, status_from_code
from bot.core.sharing.service import Resident, UserError
from bot.core.stats_chart import render_weekly_chart
from bot.core.stats_report import StatsAnswer, StatsDesk
from bot.core.thanks import ThanksDesk
from bot.delivery.bot_calls import keyboard
from handlers.buttons import drop_buttons
from handlers.common import Context, explain, resident, run_unit, services
from storage.repository import Tx

logger = logging.getLogger(__name__)

# cl:<page> ledger page; rs:<report>:<o|p|r> report status; tp:<building>:<YYYY-MM> thanks.
CALLBACK_PATTERN = r"^(cl|rs|tp):"
_LEDGER = re.compile(r"^cl:(\d{1,4})$")
_STATUS = re.compile(r"^rs:(\d{1,12}):([opr])$")
_THANKS = re.compile(r"^tp:([A-Za-z0-9_\-]+):(\d{4}-\d{2})$")

Work = Callable[[Tx, Services, Resident, Where, str], Awaitable[Effects]]


def _where(message: Message) -> Where:
    return Where(chat_id=message.chat_id, private=message.chat.type == "private")


def _args(context: Context) -> str:
    return " ".join(context.args or [])


async def _command(
    update: Update,
    context: Context,
    work: Work,
    *,
    lengthy: bool = False,
    sends_follow: bool = False,
) -> Effects | None:
    """Run one command as a unit of work; a caller's mistake is answered where they wrote.

    `lengthy`: a report that scans the building's history (see Repository.transaction).
    """
    message = update.effective_message
    if message is None or message.from_user is None:
        return None
    svc = services(context)
    who, where, args = resident(message.from_user, context), _where(message), _args(context)
    try:
        return await run_unit(
            update,
            context,
            lambda tx: work(tx, svc, who, where, args),
            lengthy=lengthy,
            sends_follow=sends_follow,
        )
    except UserError as error:
        await message.reply_text(
            explain(error, message.from_user, message.chat_id, svc), parse_mode=ParseMode.HTML
        )
        return None


# --- captains ---------------------------------------------------------------------------


async def ledger_command(update: Update, context: Context) -> None:
    """/ledger: open offers and requests of the captain's building(s), paged."""
    await _command(
        update,
        context,
        lambda tx, svc, who, where, _: CaptainDesk(svc.config, svc.clock, svc.sharing).ledger(
            tx, who, where
        ),
    )


async def remove_command(update: Update, context: Context) -> None:
    """/remove <id> [reason]: take an entry down; the author is told privately."""
    await _command(
        update,
        context,
        lambda tx, svc, who, where, args: CaptainDesk(svc.config, svc.clock, svc.sharing).remove(
            tx, who, where, args
        ),
    )


async def announce_command(update: Update, context: Context) -> None:
    """/announce [pin] <text>: post to the captain's building group(s)."""

    async def work(tx: Tx, svc: Services, who: Resident, where: Where, args: str) -> Effects:
        desk = CaptainDesk(svc.config, svc.clock, svc.sharing)
        receipt, posts = await desk.announce(tx, who, where, args)
        # Through the outbox like every message: a crash or a flood wait delays a post but
        # never loses it, and one Telegram refuses reaches the captains as undeliverable.
        effects = Effects()
        for post in posts:
            topic = svc.config.group_topic(post.chat_id)
            effects.add(SendMessage(post.chat_id, post.text, thread_id=topic, pin=post.pin))
        effects.extend(receipt)
        return effects

    await _command(update, context, work)


async def reports_command(update: Update, context: Context) -> None:
    """/reports: unresolved reports of the captain's building(s) with status buttons."""
    await _command(
        update,
        context,
        lambda tx, svc, who, where, _: ReportDesk(svc.config, svc.clock).open_reports(
            tx, who, where
        ),
    )


async def stats_command(update: Update, context: Context) -> None:
    """/stats [YYYY-MM]: the month in numbers, then a chart of the last 8 weeks."""
    answers: list[StatsAnswer] = []

    async def work(tx: Tx, svc: Services, who: Resident, where: Where, args: str) -> Effects:
        answer = await StatsDesk(svc.config, svc.clock).stats(tx, who, where, args)
        answers.append(answer)
        return answer.effects

    message = update.effective_message
    effects = await _command(update, context, work, lengthy=True, sends_follow=True)
    if effects is None or not answers or message is None:
        return
    answer = answers[0]
    png = await asyncio.to_thread(render_weekly_chart, answer.series, answer.labels)
    assert message.from_user is not None
    try:
        await context.bot.send_photo(message.from_user.id, png, caption=answer.caption)
    except (Forbidden, BadRequest) as exc:
        logger.info("stats chart not delivered: %s", exc)


# --- residents ----------------------------------------------------------------------------


async def report_command(update: Update, context: Context) -> None:
    """/report <text>: a small building request, sent to the building's captains."""
    message = update.effective_message
    message_id = message.message_id if message else None
    await _command(
        update,
        context,
        lambda tx, svc, who, where, args: ReportDesk(svc.config, svc.clock).file(
            tx, who, where, args, message_id
        ),
    )


async def myreports_command(update: Update, context: Context) -> None:
    """/myreports: the resident's reports and where they stand."""
    await _command(
        update,
        context,
        lambda tx, svc, who, where, _: ReportDesk(svc.config, svc.clock).mine(tx, who, where),
    )


async def thanks_command(update: Update, context: Context) -> None:
    """/thanks [on|off] for residents; /thanks post [YYYY-MM] for captains."""
    await _command(
        update,
        context,
        lambda tx, svc, who, where, args: ThanksDesk(svc.config, svc.clock).toggle(
            tx, who, where, args
        ),
    )


# --- buttons ------------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> None:
    """Ledger pages, report status changes and the month-end thank-you prompt."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    who = resident(query.from_user, context)
    data = query.data
    chat_id = query.message.chat.id if query.message else None
    try:
        if (page := _LEDGER.match(data)) is not None:
            await _ledger_page(update, context, svc, who, int(page[1]))
        elif (status := _STATUS.match(data)) is not None:
            await _report_status(update, context, svc, who, int(status[1]), status[2])
        elif (thanks := _THANKS.match(data)) is not None:
            await _thanks_post(update, context, svc, who, thanks[1], thanks[2])
        else:
            await query.answer()
    except UserError as error:
        await query.answer(explain(error, query.from_user, chat_id, svc), show_alert=True)


async def _ledger_page(
    update: Update, context: Context, svc: Services, who: Resident, page: int
) -> None:
    query = update.callback_query
    assert query is not None
    buildings = svc.config.captain_buildings(who.user_id, who.username)
    if not buildings:
        raise UserError("not_captain")
    async with svc.repo.transaction() as tx:
        desk = CaptainDesk(svc.config, svc.clock, svc.sharing)
        text, buttons = await desk.ledger_page(tx, who, buildings, page)
    await query.answer()
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
        )
    except BadRequest as exc:  # "message is not modified": pressed twice
        logger.debug("ledger page unchanged: %s", exc)


async def _report_status(
    update: Update, context: Context, svc: Services, who: Resident, report_id: int, code: str
) -> None:
    query = update.callback_query
    assert query is not None
    status = status_from_code(code)
    assert status is not None
    cards: list[tuple[str, tuple]] = []

    async def work(tx: Tx) -> Effects:
        effects, card, buttons = await ReportDesk(svc.config, svc.clock).set_status(
            tx, who, report_id, status
        )
        cards.append((card, buttons))
        return effects

    if await run_unit(update, context, work) is None:
        await query.answer()
        return
    await query.answer(say(reader_setting(svc.config, who), f"report_status_{status}"))
    card, buttons = cards[0]
    if query.message is not None and query.message.chat.type == "private" and _is_card(query):
        try:
            await query.edit_message_text(
                card, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
            )
        except BadRequest as exc:
            logger.debug("report card unchanged: %s", exc)


def _is_card(query: object) -> bool:
    # The per-report card is edited in place; the /reports list (many reports) is left as is.
    message = getattr(query, "message", None)
    markup = getattr(message, "reply_markup", None)
    rows = markup.inline_keyboard if markup is not None else ()
    return len(rows) <= 1


async def _thanks_post(
    update: Update, context: Context, svc: Services, who: Resident, building: str, month: str
) -> None:
    query = update.callback_query
    assert query is not None

    async def work(tx: Tx) -> Effects:
        if not svc.config.is_captain(who.user_id, who.username):
            raise UserError("not_captain")
        if not svc.config.is_captain(who.user_id, who.username, building):
            raise UserError("other_building")
        desk = ThanksDesk(svc.config, svc.clock)
        return await desk.post_building(
            tx, who.user_id, building, month, reader_setting(svc.config, who)
        )

    await run_unit(update, context, work)
    await query.answer()
    await drop_buttons(query)
