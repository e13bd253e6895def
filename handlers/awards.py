"""/nominate, /awards, the nomination's reason in private, and the gn: buttons: thin adapters
to bot.core.civic.awards."""

from __future__ import annotations

import logging
import re

from telegram import Update

from bot.core.civic.awards import DRAFT_LIFE, AwardsDesk, Nominee
from bot.core.civic.common import building_chats, building_of_chat
from bot.core.civic.rules import CivicRefusal
from bot.core.civic.vocabulary import AwardAction, read_award_press
from bot.core.effects import Effects
from bot.core.i18n import reader_language, say
from handlers import matching
from handlers.buttons import drop_buttons
from handlers.common import Context, refuse_command, resident, run_unit, services
from handlers.members import confirm_membership
from storage.repository import Tx

logger = logging.getLogger(__name__)

_USERNAME = re.compile(r"^@([A-Za-z0-9_]{4,32})$")


def desk(context: Context) -> AwardsDesk:
    return AwardsDesk(services(context).config)


async def nominate_command(update: Update, context: Context) -> None:
    """/nominate as a reply to a neighbour's group message, or /nominate @username [reason]."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    args = list(context.args or [])
    reply = message.reply_to_message
    nominee: Nominee | None = None
    if args and (found := _USERNAME.match(args[0])):
        nominee = Nominee(username=found[1])
        args = args[1:]
    elif reply is not None and reply.from_user is not None and message.chat.type != "private":
        author = reply.from_user
        nominee = Nominee(author.id, author.first_name or "", author.is_bot)
    if nominee is None:
        await refuse(update, context, CivicRefusal("nominate_usage"))
        return
    chat_id, message_id = message.chat_id, message.message_id
    building = building_of_chat(svc.config, chat_id)
    if building is not None:
        await confirm_membership(context, who.user_id, building_chats(svc.config, building))
    elif svc.config.groups:
        # Privately: the nominee's building is known only inside the unit; the resident's
        # own home group is what shows they are a neighbour.
        async with svc.repo.statements() as tx:
            user = await tx.user(who.user_id)
        home = (
            building_of_chat(svc.config, user.home_chat_id) if user and user.home_chat_id else None
        )
        if home is not None:
            await confirm_membership(context, who.user_id, building_chats(svc.config, home))
    reason = " ".join(args)
    now = svc.clock.now()

    async def work(tx: Tx) -> Effects:
        assert nominee is not None
        return await desk(context).nominate(tx, now, who, chat_id, message_id, nominee, reason)

    try:
        await run_unit(update, context, work)
    except CivicRefusal as refusal:
        await refuse(update, context, refusal)


async def on_private_text(update: Update, context: Context) -> None:
    """A private message while a nomination waits for its reason: that is the reason.

    Registered in place of the sharing handler's private text (PTB runs one handler per
    group): when no nomination is being written, the message goes on to it untouched.
    """
    message = update.effective_message
    if message is None or message.from_user is None or not message.text:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    now = svc.clock.now()
    async with svc.repo.statements() as tx:
        draft = await tx.draft_of(who.user_id, now - DRAFT_LIFE)
    if draft is None:
        await matching.on_private_text(update, context)
        return
    text = message.text

    async def work(tx: Tx) -> Effects:
        effects = await desk(context).reason(tx, now, who, text)
        return effects if effects is not None else Effects()

    try:
        await run_unit(update, context, work)
    except CivicRefusal as refusal:
        await refuse(update, context, refusal)


async def awards_command(update: Update, context: Context) -> None:
    """/awards (past results; a captain privately also sees the nominations) and
    /awards announce PERIOD (captains)."""
    message = update.effective_message
    if message is None or message.from_user is None:
        return
    svc = services(context)
    who = resident(message.from_user, context)
    action, _, rest = " ".join(context.args or []).partition(" ")
    chat_id, message_id = message.chat_id, message.message_id
    now = svc.clock.now()

    async def work(tx: Tx) -> Effects:
        if action.lower() == "announce":
            return await desk(context).announce(tx, now, who, chat_id, message_id, rest)
        if action:
            raise CivicRefusal("awards_usage")
        return await desk(context).listing(tx, who, chat_id, message_id)

    try:
        await run_unit(update, context, work)
    except CivicRefusal as refusal:
        await refuse(update, context, refusal)


async def on_button(update: Update, context: Context) -> None:
    """gn: presses: a captain's review, the nominee's consent, the nominator's choices."""
    query = update.callback_query
    if query is None:
        return
    press = read_award_press(query.data or "")
    if press is None or query.message is None:
        await query.answer()
        return
    svc = services(context)
    who = resident(query.from_user, context)
    now = svc.clock.now()
    chat_id, message_id = query.message.chat.id, query.message.message_id
    toast: list[str] = []

    async def work(tx: Tx) -> Effects:
        awards = desk(context)
        effects = Effects()
        if press.action in (AwardAction.ACCEPT, AwardAction.DECLINE):
            effects, key = await awards.review(
                tx, now, who, press.target, press.action == AwardAction.ACCEPT, chat_id, message_id
            )
        elif press.action in (AwardAction.AGREE, AwardAction.REFUSE):
            key = await awards.consent(
                tx, now, who, press.target, press.action == AwardAction.AGREE
            )
        elif press.action == AwardAction.REVEAL:
            key = await awards.reveal(tx, who, press.target)
        else:
            key = await awards.cancel_draft(tx, who, press.target)
        toast.append(key)
        return effects

    await run_unit(update, context, work)
    setting = reader_language(who, svc.config.bot.language)
    await query.answer(say(setting, toast[0]) if toast else None, show_alert=False)
    if toast and toast[0] in (
        "award_agreed",
        "award_refused",
        "nominate_cancelled",
        "nominate_revealed",
    ):
        await drop_buttons(query)


async def refuse(update: Update, context: Context, refusal: CivicRefusal) -> None:
    await refuse_command(update, context, refusal, "civic")
