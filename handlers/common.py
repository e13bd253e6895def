"""The unit of work every handler shares: claim the update, run the core, send."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from telegram import Update, User
from telegram.constants import ParseMode
from telegram.ext import CallbackContext, ExtBot

from bot.app.services import BotData, Services
from bot.core.effects import Effects, encode
from bot.core.i18n import reader_language, say, script_of_text
from bot.core.quiet_nudges import hold_nudges_for
from bot.core.sharing.service import Resident, UserError
from storage.repository import Tx

logger = logging.getLogger(__name__)

Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]


class _AppliedBefore(Exception):
    """A redelivered update: its unit of work is undone, nothing is sent again."""


def services(context: Context) -> Services:
    return context.bot_data.require()


def resident(user: User, context: Context, *, writing: str | None = None) -> Resident:
    """Who acted, with their stored reading language; `writing`: the text they just wrote,
    whose script (simplified or traditional Chinese) counts from this message on."""
    return reader(user, services(context), writing=writing)


def reader(user: User, svc: Services, *, writing: str | None = None) -> Resident:
    """`resident` for code that holds the services rather than a context."""
    reading = svc.repo.reading(user.id)
    script = script_of_text(writing) if writing else None
    return Resident(
        user_id=user.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
        language=reading.language,
        script=script or reading.script,
    )


async def run_unit(
    update: Update,
    context: Context,
    work: Callable[[Tx], Awaitable[Effects]],
    *,
    lengthy: bool = False,
    sends_follow: bool = False,
    claim_last: bool = False,
) -> Effects | None:
    """Apply one update exactly once: claim its id, run `work`, store effects, then send.

    Returns None when the update was seen before (a redelivery), so callers stay quiet.
    A UserError rolls the transaction back and is re-raised for the caller to explain.
    `lengthy`: the work scans many rows (captains' reports); see Repository.transaction.
    `sends_follow`: the caller sends more itself afterwards; the unit's messages go first.
    `claim_last`: claim at the end, where on PostgreSQL the claim carries the messages in one
    statement (a round trip fewer). Only for work whose every effect is in the transaction
    and what it returns: a redelivery runs it again before it is found out and rolled back,
    so a caller reading state the work set aside (a poll to post, a file to send) would act
    on it twice.
    """
    svc = services(context)

    def outgoing(effects: Effects, now: datetime) -> list[str]:
        """The unit's messages as the outbox keeps them (nudges held in quiet hours)."""
        if not effects.items:
            return []  # most group chatter
        return [
            encode(e) for e in hold_nudges_for(svc.config, effects, now, unprompted=False).items
        ]

    async def first(tx: Tx) -> Effects | None:
        if not await tx.claim_update(update.update_id, svc.clock.now()):
            return None
        effects = await work(tx)
        now = svc.clock.now()
        if queued := outgoing(effects, now):
            await tx.enqueue(queued, now)
        return effects

    async def last(tx: Tx) -> Effects:
        try:
            effects = await work(tx)
        except Exception:
            # A redelivery finds the world its first run changed ("that entry is already
            # closed"): it must stay as quiet as one that runs through.
            if await tx.applied_before(update.update_id, svc.clock.now()):
                raise _AppliedBefore from None
            raise
        now = svc.clock.now()
        if not await tx.claim_update(update.update_id, now, effects=outgoing(effects, now)):
            raise _AppliedBefore  # the work is rolled back: it was done the first time
        return effects

    # Run again from scratch if another worker's transaction conflicted (PostgreSQL only).
    try:
        effects = await svc.repo.run(last if claim_last else first, lengthy=lengthy)
    except _AppliedBefore:
        effects = None
    if effects is None:
        logger.info("update %s already applied; ignoring redelivery", update.update_id)
        return None
    if effects.items or svc.delivery.backlog:
        # Most group chatter changes nothing to send: no outbox round trip for it.
        if svc.delivery.sender is not None and not sends_follow:
            svc.delivery.flush_soon(context.bot)  # another process sends: don't queue for it
        else:
            await svc.delivery.flush(context.bot)
    return effects


def explain(error: UserError, user: User | None, chat_id: int | None, svc: Services) -> str:
    """A user mistake in the reader's language."""
    setting = svc.config.group_language(chat_id) if chat_id else svc.config.bot.language
    return say(reader_language(reader(user, svc) if user else None, setting), error.key)


class Refusal(Protocol):
    """A command's refusal from the core: a text key and its params."""

    key: str
    params: dict[str, Any]


async def refuse_command(update: Update, context: Context, refusal: Refusal, what: str) -> None:
    """Answer a refused command where it was typed: in a group in the group's language(s),
    privately in the reader's. `what` names the feature in the log line."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    setting: str = svc.config.group_language(message.chat_id)
    if message.chat.type == "private" and message.from_user:
        setting = reader_language(reader(message.from_user, svc), svc.config.bot.language)
    logger.info("%s command refused: %s", what, refusal.key)
    await message.reply_text(say(setting, refusal.key, **refusal.params), parse_mode=ParseMode.HTML)
