"""/deliberate, /deliberations, the poll's answers and state, private ballots (dl:) and the
/start dl<id> link: thin adapters to bot.core.civic.deliberations."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputPollOption, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.civic.common import building_chats
from bot.core.civic.deliberations import DeliberationDesk, PollPlan
from bot.core.civic.rules import CivicRefusal
from bot.core.civic.vocabulary import BALLOT_START, read_ballot_press
from bot.core.effects import Effects, decode, encode
from bot.core.i18n import reader_language, say
from handlers.awards import refuse
from handlers.common import Context, resident, run_unit, services
from handlers.members import confirm_membership
from storage.repository import Tx

logger = logging.getLogger(__name__)


def desk(context: Context) -> DeliberationDesk:
    return DeliberationDesk(services(context).config)


async def deliberate_command(update: Update, context: Context) -> None:
    """/deliberate QUESTION | A | B --closes DATE TIME [--anonymous] (captains)."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    args = " ".join(context.args or [])
    chat_id = message.chat_id
    if not args.strip():
        await refuse(update, context, CivicRefusal("deliberate_usage"))
        return
    now = svc.clock.now()
    plans: list[PollPlan] = []

    async def work(tx: Tx) -> Effects:
        plans.append(await desk(context).open(tx, now, who, chat_id, args))
        return Effects()

    try:
        await run_unit(update, context, work)
    except CivicRefusal as refusal:
        await refuse(update, context, refusal)
        return
    if not plans:
        return  # a redelivered update: the poll went out the first time
    plan = plans[0]
    # Sent here rather than through the outbox: the poll's id, which Telegram gives only in
    # sendPoll's answer, is what its votes arrive with, and must be stored with it.
    try:
        poll_id, message_id = await _send(context, plan)
    except TelegramError as exc:
        logger.warning("deliberation #%s: Telegram refused the poll: %s", plan.deliberation_id, exc)
        await svc.repo.run(lambda tx: desk(context).failed(tx, plan))
        await refuse(update, context, CivicRefusal("deliberate_failed"))
        return

    async def posted(tx: Tx) -> Effects:
        effects = await desk(context).posted(tx, who, plan, poll_id, message_id, chat_id)
        if effects.items:
            await tx.enqueue([encode(e) for e in effects.items], svc.clock.now())
        return effects

    await svc.repo.run(posted)
    await svc.delivery.flush(context.bot)


async def _send(context: Context, plan: PollPlan) -> tuple[str | None, int]:
    """The group's post: a native poll under its introduction, or a secret ballot's link."""
    link = f"https://t.me/{context.bot.username}?start=dl{plan.deliberation_id}"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(plan.ballot_label, url=link)]])
    if plan.anonymous:
        # Telegram tells no bot who voted in an anonymous poll, so residents could not be
        # told from outsiders: a secret ballot is voted privately, and only totals are kept.
        sent = await context.bot.send_message(
            plan.chat_id,
            plan.intro,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=plan.thread_id,
        )
        return None, sent.message_id
    intro = await context.bot.send_message(
        plan.chat_id, plan.intro, parse_mode=ParseMode.HTML, message_thread_id=plan.thread_id
    )
    poll = await context.bot.send_poll(
        plan.chat_id,
        plan.question,
        [InputPollOption(o) for o in plan.options],
        is_anonymous=False,
        allows_multiple_answers=False,
        reply_markup=markup,
        reply_to_message_id=intro.message_id,
        message_thread_id=plan.thread_id,
    )
    assert poll.poll is not None
    return poll.poll.id, poll.message_id


async def deliberations_command(update: Update, context: Context) -> None:
    """/deliberations (past questions and results) and /deliberations follow N TEXT."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    who = resident(message.from_user, context)
    action, _, rest = " ".join(context.args or []).partition(" ")
    chat_id, message_id = message.chat_id, message.message_id
    now = services(context).clock.now()

    async def work(tx: Tx) -> Effects:
        if action.lower() in ("follow", "followup", "跟进", "后续"):
            return await desk(context).follow_up(tx, now, who, chat_id, message_id, rest)
        if action:
            raise CivicRefusal("follow_up_usage")
        return await desk(context).listing(tx, who, chat_id, message_id)

    try:
        await run_unit(update, context, work)
    except CivicRefusal as refusal:
        await refuse(update, context, refusal)


async def on_poll_answer(update: Update, context: Context) -> None:
    """A vote in the group's poll (non-anonymous: Telegram says who). Membership is asked
    of Telegram first when the database does not know it lately."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # a vote cast as a channel: not a resident
    svc = services(context)
    async with svc.repo.statements() as tx:
        deliberation = await tx.deliberation_by_poll(answer.poll_id)
    if deliberation is None:
        return
    await confirm_membership(
        context, answer.user.id, building_chats(svc.config, deliberation.building)
    )
    user_id, options, poll_id = answer.user.id, tuple(answer.option_ids), answer.poll_id
    now = svc.clock.now()

    async def work(tx: Tx) -> Effects:
        await desk(context).poll_answer(tx, now, poll_id, user_id, options)
        return Effects()

    await run_unit(update, context, work)


async def on_poll(update: Update, context: Context) -> None:
    """The poll's new state: Telegram's own count, shown beside the counted result."""
    poll = update.poll
    if poll is None:
        return
    poll_id, total = poll.id, poll.total_voter_count

    async def work(tx: Tx) -> Effects:
        await desk(context).poll_state(tx, poll_id, total)
        return Effects()

    await run_unit(update, context, work)


async def start_ballot(update: Update, context: Context) -> None:
    """/start dl<id>: the private ballot of a deliberation."""
    message = update.effective_message
    if message is None or message.from_user is None or message.chat.type != "private":
        return
    found = BALLOT_START.match(context.args[0] if context.args else "")
    if found is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    deliberation_id = int(found[1])
    async with svc.repo.statements() as tx:
        deliberation = await tx.deliberation(deliberation_id)
    if deliberation is not None:
        await confirm_membership(
            context, who.user_id, building_chats(svc.config, deliberation.building)
        )
    now = svc.clock.now()

    async def work(tx: Tx) -> Effects:
        # Opening the chat through the link is a /start too: the resident is remembered as
        # reachable and what waited for them goes out (the ballot takes the welcome's place).
        _, pending = await svc.sharing.start(tx, who)
        effects = await desk(context).ballot(tx, now, who, deliberation_id)
        for raw in pending:
            try:
                effects.add(decode(raw))
            except (ValueError, TypeError, KeyError):
                logger.error("a waiting message for %s could not be read; dropped", who.user_id)
        return effects

    await run_unit(update, context, work)


async def on_ballot_button(update: Update, context: Context) -> None:
    """dl:v:<id>:<option>: a private vote; the toast says whether it counts."""
    query = update.callback_query
    if query is None:
        return
    press = read_ballot_press(query.data or "")
    if press is None:
        await query.answer()
        return
    svc = services(context)
    who = resident(query.from_user, context)
    async with svc.repo.statements() as tx:
        deliberation = await tx.deliberation(press.deliberation_id)
    if deliberation is not None:
        await confirm_membership(
            context, who.user_id, building_chats(svc.config, deliberation.building)
        )
    now = svc.clock.now()
    toast: list[str] = []

    async def work(tx: Tx) -> Effects:
        toast.append(await desk(context).cast(tx, now, who, press.deliberation_id, press.option))
        return Effects()

    await run_unit(update, context, work)
    setting = reader_language(who, svc.config.bot.language)
    await query.answer(say(setting, toast[0]) if toast else None)
