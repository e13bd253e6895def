"""Sends what the core decided, from the outbox, through the Bot API.

Private messages Telegram refuses (403: the resident never opened the bot, or blocked it)
are kept as pending notices and replaced by one short group line with a deep link; the
resident's /start then delivers them. Network faults leave the outbox row for the next flush.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReactionTypeEmoji
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.clock import Clock
from bot.effects import Button, EditMessage, Effect, React, SendMessage, decode, encode
from bot.posting_budget import GroupPostingBudget
from bot.redaction import redact
from storage.records import OutboxRow
from storage.repository import Repository, Tx

logger = logging.getLogger(__name__)

# The deep link's payload; /start with any payload delivers the resident's pending notices.
START_PAYLOAD = "go"
# The quiet acknowledgement when the group's posting budget is spent.
QUIET_ACK = "👌"
# Back-off between flush attempts after a network fault or 5xx: 0.5 s doubling to 60 s.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 60.0
# Outbox rows a worker takes at a time, and for how long. The lease is renewed before a
# send once a quarter of it has passed, so a send only repeats if one Bot API call (with
# its flood-control waits) outlives three quarters of it; a worker that dies holding rows
# leaves them to the others when the lease ends.
OUTBOX_BATCH = 20
OUTBOX_LEASE = timedelta(minutes=2)
# On SQLite one process owns the file: a restarted bot takes back what its predecessor held.
SOLE_WORKER = "sole"


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Our buttons as Telegram's inline keyboard."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
            for row in rows
        ]
    )


def worker_name() -> str:
    """host:pid:random: unique among the workers sharing a database, readable in the outbox."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _utc_now() -> datetime:
    # Leases are between processes, maybe machines: real time, not the bot's injected clock.
    return datetime.now(UTC)


class Delivery:
    """Flushes the outbox in order; one flush at a time per process, and with several
    workers each row is sent by the one worker holding its lease."""

    def __init__(
        self,
        repo: Repository,
        clock: Clock,
        budget: GroupPostingBudget | None = None,
        *,
        worker: str | None = None,
        lease: timedelta = OUTBOX_LEASE,
    ) -> None:
        self._repo = repo
        self._clock = clock
        self._lock = asyncio.Lock()
        self.budget = budget or GroupPostingBudget()
        # With several workers the budget is counted in the database, or each would give a
        # group a budget of its own.
        self._shared = repo.backend.shares_database
        self.worker = worker or (worker_name() if self._shared else SOLE_WORKER)
        self._lease = lease
        self._renewed_at = 0.0
        self._held: set[int] = set()
        self._retry: asyncio.Task[None] | None = None
        self._backoff = 0.0
        # Unsent rows may exist (after a start or a fault): callers with nothing new to send
        # skip the outbox query unless this is set (see handlers.common.run_unit).
        self.backlog = True

    async def flush(self, bot: Bot) -> int:
        """Send every unsent effect; returns how many were handled."""
        handled = 0
        async with self._lock:
            rows = await self._claim()
            while rows:
                for row in rows:
                    if not await self._still_held(row.id):
                        continue  # our lease ran out and another worker took the row
                    try:
                        await self._send(bot, decode(row.effect))
                    except RetryAfter as exc:
                        # Telegram asked us to slow down: keep the row, try again later.
                        logger.warning("flood control: retry in %ss", exc.retry_after)
                        self._stalled(bot, _seconds(exc.retry_after))
                        return handled
                    except (TimedOut, NetworkError) as exc:
                        logger.warning("network fault while sending, will retry: %s", exc)
                        self._stalled(bot)
                        return handled
                    except TelegramError as exc:
                        # Anything else Telegram says no to would block the queue forever.
                        logger.error("dropping an undeliverable message: %s", redact(str(exc)))
                    async with self._repo.statements() as tx:
                        await tx.mark_sent(row.id, self._clock.now())
                    handled += 1
                rows = await self._claim()
            self._backoff = 0.0
            self.backlog = False
            return handled

    async def _claim(self) -> list[OutboxRow]:
        now = _utc_now()
        async with self._repo.statements() as tx:
            rows = await tx.claim_outbox(self.worker, now, now + self._lease, OUTBOX_BATCH)
        self._renewed_at = time.monotonic()
        self._held = {row.id for row in rows}
        return rows

    async def _still_held(self, outbox_id: int) -> bool:
        """Whether this worker still holds a row, renewing the lease once a quarter passed."""
        if time.monotonic() - self._renewed_at > self._lease.total_seconds() / 4:
            now = _utc_now()
            async with self._repo.statements() as tx:
                self._held = await tx.renew_outbox_claims(self.worker, now + self._lease)
            self._renewed_at = time.monotonic()
        return outbox_id in self._held

    def _stalled(self, bot: Bot, delay: float | None = None) -> None:
        self.backlog = True
        self._retry_later(bot, delay)

    def _retry_later(self, bot: Bot, delay: float | None = None) -> None:
        """Flush again after a back-off, so a fault heals without waiting for the next update."""
        if self._retry is not None and not self._retry.done():
            return
        self._backoff = min(max(self._backoff * 2, RETRY_FIRST_SECONDS), RETRY_MAX_SECONDS)
        wait = self._backoff if delay is None else delay
        self._retry = asyncio.get_running_loop().create_task(self._flush_after(bot, wait))

    async def _flush_after(self, bot: Bot, wait: float) -> None:
        await asyncio.sleep(wait)
        self._retry = None
        try:
            await self.flush(bot)
        except Exception:  # a background task has nobody to raise to: log it loudly
            logger.exception("retrying the outbox failed; the next update or upkeep retries")

    async def close(self) -> None:
        """Stop a pending retry (on shutdown; the outbox keeps what was not sent) and give
        the rows this worker held back to the others."""
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._shared:
            async with self._lock, self._repo.statements() as tx:
                await tx.release_outbox_claims(self.worker)

    async def send_now(self, bot: Bot, effect: Effect) -> None:
        """Send one effect that needs no outbox (e.g. re-delivering a pending notice)."""
        await self._send(bot, effect)

    async def _send(self, bot: Bot, effect: Effect) -> None:
        try:
            await self._send_once(bot, effect)
        except ChatMigrated as exc:
            # The group became a supergroup: same conversation, new id.
            logger.info("chat %s migrated to %s", effect.chat_id, exc.new_chat_id)
            await self._send_once(bot, replace(effect, chat_id=exc.new_chat_id))

    async def _send_once(self, bot: Bot, effect: Effect) -> None:
        try:
            if isinstance(effect, React):
                await bot.set_message_reaction(
                    effect.chat_id, effect.message_id, [ReactionTypeEmoji(effect.emoji)]
                )
            elif isinstance(effect, EditMessage):
                await self._edit_message(bot, effect)
            elif await self._over_budget(effect):
                # The group heard enough from Jinlin this hour: acknowledge without words.
                if effect.reply_to is not None:
                    await bot.set_message_reaction(
                        effect.chat_id, effect.reply_to, [ReactionTypeEmoji(QUIET_ACK)]
                    )
                logger.info("group %s over its posting budget; optional post quiet", effect.chat_id)
            else:
                await self._send_message(bot, effect)
        except Forbidden:
            await self._refused(bot, effect)
        except BadRequest as exc:
            if effect.chat_id > 0 and "chat not found" in str(exc).lower():
                # A person the bot has never met (e.g. a captain listed by id who never
                # opened it): Telegram says "chat not found" rather than 403. Same remedy.
                await self._refused(bot, effect)
                return
            # A message Telegram will never accept (deleted chat, bad markup): log, move on.
            logger.error("Telegram refused a message to %s: %s", effect.chat_id, redact(str(exc)))

    async def _refused(self, bot: Bot, effect: Effect) -> None:
        """The person has not opened a chat with the bot: keep it for their /start."""
        if isinstance(effect, SendMessage) and effect.fallback is not None:
            await self._fall_back(bot, effect)
            return
        if isinstance(effect, SendMessage) and effect.chat_id > 0:
            async with self._repo.transaction() as tx:
                await tx.add_pending_notice(effect.chat_id, encode(effect), self._clock.now())
            logger.info("user %s has not opened the bot; message kept for /start", effect.chat_id)
            return
        logger.info("chat %s refused a message; dropped", effect.chat_id)

    async def _over_budget(self, effect: SendMessage) -> bool:
        if effect.chat_id >= 0:  # private chats: introductions are never dropped
            return False
        now = self._clock.now()
        return await self._budget_decision(effect.chat_id, essential=not effect.optional, now=now)

    async def _budget_decision(self, chat_id: int, *, essential: bool, now: datetime) -> bool:
        if not self._shared:
            return self.budget.decide(chat_id, now, essential=essential) == "quiet"
        rule = self.budget.rule

        async def count(tx: Tx) -> bool:
            limit = None if essential else rule.limit
            return await tx.count_group_post(chat_id, now, since=now - rule.window, limit=limit)

        return not await self._repo.run(count)

    async def posts_used(self, chat_id: int) -> int:
        """Posts counted against a group's budget in the current window (logs and tests)."""
        now = self._clock.now()
        if not self._shared:
            return self.budget.used(chat_id, now)
        async with self._repo.statements() as tx:
            return await tx.group_posts_since(chat_id, now - self.budget.rule.window)

    async def _send_message(self, bot: Bot, effect: SendMessage) -> None:
        markup = keyboard(effect.buttons)
        if effect.photo:
            await bot.send_photo(
                effect.chat_id,
                effect.photo,
                caption=effect.text[:1024],
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                message_thread_id=effect.thread_id,
            )
            return
        await bot.send_message(
            effect.chat_id,
            effect.text[:4096],
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_to_message_id=effect.reply_to,
            message_thread_id=effect.thread_id,
            allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )

    async def _edit_message(self, bot: Bot, effect: EditMessage) -> None:
        # An unchanged edit is a BadRequest ("message is not modified"): logged, harmless.
        if effect.text is None:
            await bot.edit_message_reply_markup(
                effect.chat_id, effect.message_id, reply_markup=keyboard(effect.buttons)
            )
            return
        await bot.edit_message_text(
            effect.text[:4096],
            effect.chat_id,
            effect.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(effect.buttons),
            disable_web_page_preview=True,
        )

    async def _fall_back(self, bot: Bot, effect: SendMessage) -> None:
        fallback = effect.fallback
        assert fallback is not None
        async with self._repo.transaction() as tx:
            first = await tx.add_pending_notice(fallback.user_id, encode(effect), self._clock.now())
        logger.info("user %s has not started the bot; message kept for /start", fallback.user_id)
        if not first:
            return  # one group nudge per resident is enough until they open the chat
        # Stands in for a private introduction: essential, but it counts against the budget.
        await self._budget_decision(fallback.chat_id, essential=True, now=self._clock.now())
        link = f"https://t.me/{bot.username}?start={START_PAYLOAD}"
        await bot.send_message(
            fallback.chat_id,
            fallback.text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(((Button(fallback.button, url=link),),)),
            message_thread_id=fallback.thread_id,
            disable_web_page_preview=True,
        )


def _seconds(value: float | timedelta) -> float:
    """RetryAfter.retry_after is seconds or a timedelta depending on PTB's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
