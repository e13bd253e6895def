"""Sends what the core decided, from the outbox, through the Bot API.

Private messages Telegram refuses (403: the resident never opened the bot, or blocked it)
are kept as pending notices and replaced by one short group line with a deep link; the
resident's /start then delivers them. Network faults leave the outbox row for the next flush.

Rows to different chats go out at once (up to SEND_CONCURRENCY); rows that share a chat go
one after another in outbox order, so a resident reads them in the order they were decided.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from prometheus_client import Counter
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.core.clock import Clock
from bot.core.effects import (
    Button,
    EditMessage,
    Effect,
    React,
    SendMessage,
    StopPoll,
    decode,
    encode,
)
from bot.core.message_parts import fit
from bot.core.posting_budget import GroupPostingBudget
from bot.core.redaction import redact, redact_log_line
from bot.delivery import bot_calls
from bot.delivery.sender_client import SenderCrashed
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
OUTBOX_BATCH = 100
OUTBOX_LEASE = timedelta(minutes=2)
# Sends to different chats in flight at once. A Bot API call is mostly waiting (~50 ms round
# trip to Telegram), so one at a time caps a district near 20 messages/s, under Telegram's
# own 30/s; 64 leave the rate limiter to pace a busy morning rather than round trips, and
# keep a sender process busy while the bot's loop is busy with updates (16 left half the
# answers of a `jinlin bench load` backlog trailing its updates). Each send in flight is a
# message a `kill -9` may repeat (sent, not yet marked), so this is also the crash bound: at
# most one per chat (what a resident sees), SEND_CONCURRENCY in all.
SEND_CONCURRENCY = 64
# How long a stopping bot lets a background flush finish (the outbox keeps the rest).
CLOSE_WAIT_SECONDS = 5.0
# On SQLite one process owns the file: a restarted bot takes back what its predecessor held.
SOLE_WORKER = "sole"
# A row that was the only call in flight when this many sender processes died is set aside:
# it is what kills them (one death may be bad luck: the machine, an upgrade).
CRASH_LIMIT = 3

# Who is told of a row set aside, and what: bot/core/undeliverable.py, wired by the application.
TellUndeliverable = Callable[[Tx, int, Effect, str], Awaitable[list[Effect]]]


class Sender(Protocol):
    """Makes Bot API calls elsewhere (bot/delivery/sender_client.py), raising PTB's own errors."""

    async def perform(self, effect: Effect, raw: str | None = None) -> None: ...


def worker_name() -> str:
    """host:pid:random: unique among the workers sharing a database, readable in the outbox."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _utc_now() -> datetime:
    # Leases are between processes, maybe machines: real time, not the bot's injected clock.
    return datetime.now(UTC)


class SendCounters(Protocol):
    """What the outbox counts for /metrics (bot.app.monitoring.Metrics is one): delivery
    sits below the wiring, so it names what it needs rather than importing it."""

    sends: Counter
    send_failures: Counter


@dataclass(frozen=True)
class _Outgoing:
    id: int
    effect: Effect | None  # None: the row cannot be read as an effect
    raw: str  # the effect as the outbox holds it: the sender process reads it as it is

    @classmethod
    def of(cls, row: OutboxRow) -> _Outgoing:
        try:
            return cls(row.id, decode(row.effect), row.effect)
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls(row.id, None, row.effect)

    @property
    def chats(self) -> tuple[int, ...]:
        """Where it may post: its chat, and the group a refused private message nudges."""
        if self.effect is None:
            return (0,)
        if isinstance(self.effect, SendMessage) and self.effect.fallback is not None:
            return (self.effect.chat_id, self.effect.fallback.chat_id)
        return (self.effect.chat_id,)


@dataclass(frozen=True)
class _Stop:
    delay: float | None  # Telegram's retry_after; None: the usual back-off


@dataclass
class _Batch:
    handled: int = 0
    stop: _Stop | None = None
    failed: bool = False

    @property
    def halted(self) -> bool:
        return self.stop is not None or self.failed


def outbox_lanes(rows: Iterable[_Outgoing]) -> list[list[_Outgoing]]:
    """Rows that may post in a common chat, in outbox order; no two lanes share a chat."""
    items = list(rows)
    parent: dict[int, int] = {}

    def root(chat: int) -> int:
        while (up := parent.setdefault(chat, chat)) != chat:
            chat = up
        return chat

    for item in items:
        first, *rest = item.chats
        for chat in rest:
            parent[root(chat)] = root(first)
    lanes: dict[int, list[_Outgoing]] = {}
    for item in items:
        lanes.setdefault(root(item.chats[0]), []).append(item)
    return list(lanes.values())


class Delivery:
    """Flushes the outbox: one flush at a time per process, different chats at once, each
    chat in order; with several workers each row is sent by the one worker holding its
    lease."""

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
        self._renewing = asyncio.Lock()
        # Sent rows waiting for their UPDATE, written together (see _mark_sent).
        self._unmarked: set[int] = set()
        self._marking = asyncio.Lock()
        # Essential group posts (chat, when) not yet counted in the shared budget: counted by
        # the UPDATE that marks rows sent, not by a statement of their own before each send.
        self._uncounted: list[tuple[int, datetime]] = []
        # Flushes asked for, and the last of them a finished flush is known to have covered.
        self._asked = 0
        self._drained = 0
        self._retry: asyncio.Task[None] | None = None
        self._backoff = 0.0
        # Unsent rows may exist (after a start or a fault): callers with nothing new to send
        # skip the outbox query unless this is set (see handlers.common.run_unit).
        self.backlog = True
        # Set by the application when a sender process makes the Bot API calls.
        self.sender: Sender | None = None
        # Set by the application: sends and send failures counted for /metrics.
        self.metrics: SendCounters | None = None
        # Set by the application: who hears of a row set aside (the building's captains).
        self.tell_undeliverable: TellUndeliverable | None = None
        # After the sender process died: one send at a time, so a row that kills it is
        # known by being the only call in flight (until a flush goes through untroubled).
        self._careful = False
        self._pump: asyncio.Task[None] | None = None
        self._kicked = False

    async def flush(self, bot: Bot) -> int:
        """Send every unsent effect; returns how many this call handled.

        Call it after committing rows. With many units in flight their flushes queue here;
        one whose rows a flush that claimed after the call already sent returns at once
        (with 0) instead of asking the outbox again: one flush sends for all of them.
        Callers still wait for their rows to go out: that keeps tests deterministic and the
        bot from taking updates faster than it answers them, and sending in the background
        instead measured no faster in `jinlin bench load` (the process is CPU-bound there).
        """
        self._asked += 1
        asked = self._asked
        async with self._lock:
            if self._drained >= asked:
                return 0
            handled = 0
            while True:
                # Every flush asked for before this claim committed its rows first.
                seen = self._asked
                rows = await self._claim()
                if not rows:
                    break
                batch = await self._send_batch(bot, rows)
                handled += batch.handled
                if batch.stop is not None:
                    self._stalled(bot, batch.stop.delay)
                    return handled
            self._drained = seen
            self._backoff = 0.0
            self._careful = False
            self.backlog = False
            return handled

    def flush_soon(self, bot: Bot) -> None:
        """Flush in the background; for callers that need not wait for their rows to go out.

        With a sender process the calls run on another core, and a unit of work that waited
        for them would hold its place among the updates in flight while the core it needs is
        free (measured in `jinlin bench load`). The rows are committed: they go out in
        outbox order whoever waits.
        """
        self._kicked = True
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._pumping(bot))

    async def _pumping(self, bot: Bot) -> None:
        while self._kicked:
            self._kicked = False
            try:
                await self.flush(bot)
            except Exception:  # a background task has nobody to raise to: log it loudly
                logger.exception("sending from the outbox failed; retrying after a pause")
                self._stalled(bot)
                return

    async def _send_batch(self, bot: Bot, rows: list[OutboxRow]) -> _Batch:
        """Claimed rows out: each lane (rows sharing a chat) in order, lanes at once."""
        lanes = deque(outbox_lanes(_Outgoing.of(row) for row in rows))
        batch = _Batch()

        async def sender() -> None:
            try:
                while lanes and not batch.halted:
                    await self._send_lane(bot, lanes.popleft(), batch)
            except BaseException:
                batch.failed = True  # the others finish what is in flight, start nothing
                raise

        concurrency = 1 if self._careful else SEND_CONCURRENCY
        senders = [sender() for _ in range(min(concurrency, len(lanes)))]
        results = await asyncio.gather(*senders, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return batch

    async def _send_lane(self, bot: Bot, lane: list[_Outgoing], batch: _Batch) -> None:
        for item in lane:
            if batch.halted:
                return  # the rest of the lane stays claimed for the next flush, in order
            if not await self._still_held(item.id):
                continue  # our lease ran out and another worker took the row
            if item.effect is None:
                await self._set_aside(item, "the outbox row is not a message the bot can read")
                batch.handled += 1
                continue
            try:
                await self._send_row(bot, item, item.effect)
            except RetryAfter as exc:
                # Telegram asked us to slow down: keep the row, try again later; sends
                # already in flight to other chats finish, nothing new starts.
                logger.warning("flood control: retry in %ss", exc.retry_after)
                self._failed("flood")
                batch.stop = _Stop(_seconds(exc.retry_after))
                return
            except SenderCrashed as exc:
                logger.warning("the sender process died while sending outbox row %s", item.id)
                self._careful = True
                if not (exc.alone and await self._crashed_alone(item)):
                    batch.stop = batch.stop or _Stop(None)
                    return
            except BadRequest as exc:  # before NetworkError: PTB derives it from that
                # Telegram will never take this message: waiting would block the rows
                # after it forever.
                await self._set_aside(item, redact(str(exc)))
            except (TimedOut, NetworkError) as exc:
                logger.warning("network fault while sending, will retry: %s", exc)
                self._failed("network")
                batch.stop = batch.stop or _Stop(None)
                return
            except TelegramError as exc:
                await self._set_aside(item, redact(str(exc)))
            else:
                # Marked before the lane's next send: a crash repeats at most this message.
                await self._mark_sent(item.id)
                if self.metrics is not None:
                    self.metrics.sends.inc()
            batch.handled += 1

    async def _send_row(self, bot: Bot, item: _Outgoing, effect: Effect) -> None:
        """One row's message, in as many calls as Telegram's size limits need."""
        parts = fit(effect)
        if len(parts) > 1:
            logger.info("outbox row %s goes out in %s parts", item.id, len(parts))
        for part in parts:
            await self._send(bot, part, item.raw if part is effect else None, item.id)

    async def _crashed_alone(self, item: _Outgoing) -> bool:
        """Count a sender process death on a row; True once the row is set aside for it."""
        async with self._repo.transaction() as tx:
            crashes = await tx.count_crash(item.id)
        if crashes < CRASH_LIMIT:
            return False
        await self._set_aside(item, f"the sender process died sending it, {crashes} times")
        return True

    async def _set_aside(self, item: _Outgoing, reason: str) -> None:
        """Give up on a row for good: kept with why, logged, the building's captains told."""
        logger.error("outbox row %s is undeliverable and set aside: %s", item.id, reason)
        self._failed("undeliverable")
        now = self._clock.now()
        async with self._repo.transaction() as tx:
            await tx.set_aside(item.id, reason, now)
            if self.tell_undeliverable is not None and item.effect is not None:
                notices = await self.tell_undeliverable(tx, item.id, item.effect, reason)
                if notices:
                    await tx.enqueue([encode(n) for n in notices], now)
        self.backlog = True

    def _failed(self, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.send_failures.labels(reason).inc()

    async def _mark_sent(self, outbox_id: int) -> None:
        """Note a row sent. Sends that finish together share one UPDATE: the first to take
        the lock writes every id waiting, the others then find theirs written."""
        self._unmarked.add(outbox_id)
        async with self._marking:
            if outbox_id not in self._unmarked:
                return
            ids, self._unmarked = self._unmarked, set()
            posts, self._uncounted = self._uncounted, []
            try:
                async with self._repo.statements() as tx:
                    await tx.mark_sent(sorted(ids), self._clock.now(), posts=posts)
            except BaseException:
                self._unmarked |= ids  # their own callers try again
                self._uncounted[:0] = posts
                raise

    async def _claim(self) -> list[OutboxRow]:
        now = _utc_now()
        async with self._repo.statements() as tx:
            rows = await tx.claim_outbox(
                self.worker, now, now + self._lease, OUTBOX_BATCH, due_by=self._clock.now()
            )
        self._renewed_at = time.monotonic()
        self._held = {row.id for row in rows}
        return rows

    async def _still_held(self, outbox_id: int) -> bool:
        """Whether this worker still holds a row, renewing the lease once a quarter passed."""
        if self._renew_due():
            async with self._renewing:
                if self._renew_due():  # not already renewed by a lane sending alongside
                    now = _utc_now()
                    async with self._repo.statements() as tx:
                        self._held = await tx.renew_outbox_claims(self.worker, now + self._lease)
                    self._renewed_at = time.monotonic()
        return outbox_id in self._held

    def _renew_due(self) -> bool:
        return time.monotonic() - self._renewed_at > self._lease.total_seconds() / 4

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
        the rows this worker held back to the others. A background flush gets a few seconds
        to finish what it started."""
        if self._pump is not None and not self._pump.done():
            self._kicked = False
            try:
                await asyncio.wait_for(asyncio.shield(self._pump), CLOSE_WAIT_SECONDS)
            except TimeoutError:
                self._pump.cancel()
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._shared:
            async with self._lock, self._repo.statements() as tx:
                await tx.release_outbox_claims(self.worker)
                # Posts sent but not yet counted (a send whose row was set aside after it).
                posts, self._uncounted = self._uncounted, []
                await tx.mark_sent([], self._clock.now(), posts=posts)

    async def _send(
        self, bot: Bot, effect: Effect, raw: str | None = None, outbox_id: int | None = None
    ) -> None:
        try:
            await self._send_once(bot, effect, raw, outbox_id)
        except ChatMigrated as exc:
            # The group became a supergroup: same conversation, new id.
            logger.info("chat %s migrated to %s", effect.chat_id, exc.new_chat_id)
            await self._send_once(bot, replace(effect, chat_id=exc.new_chat_id), None, outbox_id)

    async def _send_once(
        self, bot: Bot, effect: Effect, raw: str | None = None, outbox_id: int | None = None
    ) -> None:
        try:
            if isinstance(effect, SendMessage) and await self._over_budget(effect):
                # The group heard enough from Jinlin this hour: acknowledge without words.
                if effect.reply_to is not None:
                    await self._perform(bot, React(effect.chat_id, effect.reply_to, QUIET_ACK))
                logger.info("group %s over its posting budget; optional post quiet", effect.chat_id)
            else:
                await self._perform(bot, effect, raw)
        except Forbidden:
            if isinstance(effect, SendMessage) and effect.chat_id < 0 and effect.fallback is None:
                raise  # a group that takes no post from the bot: its captains must hear
            await self._refused(bot, effect, outbox_id)
        except BadRequest as exc:
            if effect.chat_id > 0 and "chat not found" in str(exc).lower():
                # A person the bot has never met (e.g. a captain listed by id who never
                # opened it): Telegram says "chat not found" rather than 403. Same remedy.
                await self._refused(bot, effect, outbox_id)
                return
            if isinstance(effect, EditMessage | React | StopPoll):
                # The message is gone or already says it (a resident deleted it, an edit
                # that changes nothing, a poll already closed): nothing anyone needs to hear.
                logger.info(
                    "Telegram refused a change in %s: %s", effect.chat_id, redact_log_line(str(exc))
                )
                return
            raise  # a message Telegram will never take: the outbox sets it aside

    async def _perform(self, bot: Bot, effect: Effect, raw: str | None = None) -> None:
        """The Bot API call, made by the sender process when there is one. `raw` is
        `encode(effect)` when the outbox has it already."""
        if self.sender is not None:
            await self.sender.perform(effect, raw)
        else:
            await bot_calls.perform(bot, effect)

    async def _refused(self, bot: Bot, effect: Effect, outbox_id: int | None) -> None:
        """The person has not opened a chat with the bot: keep it for their /start.

        Kept and marked sent in one transaction: a fault or crash after it must not keep the
        message a second time when the row is tried again."""
        self._failed("refused")
        if isinstance(effect, SendMessage) and effect.fallback is not None:
            await self._fall_back(bot, effect, outbox_id)
            return
        if isinstance(effect, SendMessage) and effect.chat_id > 0:
            now = self._clock.now()
            async with self._repo.transaction() as tx:
                await tx.add_pending_notice(effect.chat_id, encode(effect), now)
                if outbox_id is not None:
                    await tx.mark_sent([outbox_id], now)
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
        if essential:
            # Counted, never refused, and reading nothing: it needs no statement of its own.
            # The UPDATE marking the row sent counts it (_mark_sent), a moment after the send;
            # the window is an hour, and other workers only read it for optional posts.
            self._uncounted.append((chat_id, now))
            return False

        async def count(tx: Tx) -> bool:
            # SERIALIZABLE (repo.run): two workers taking a group's last slot at once conflict,
            # and the one run again sees the budget spent.
            return await tx.count_group_post(
                chat_id, now, since=now - rule.window, limit=rule.limit
            )

        return not await self._repo.run(count)

    async def posts_used(self, chat_id: int) -> int:
        """Posts counted against a group's budget in the current window (logs and tests)."""
        now = self._clock.now()
        if not self._shared:
            return self.budget.used(chat_id, now)
        async with self._repo.statements() as tx:
            return await tx.group_posts_since(chat_id, now - self.budget.rule.window)

    async def _fall_back(self, bot: Bot, effect: SendMessage, outbox_id: int | None) -> None:
        fallback = effect.fallback
        assert fallback is not None
        link = f"https://t.me/{bot.username}?start={START_PAYLOAD}"
        nudge = SendMessage(
            fallback.chat_id,
            fallback.text,
            buttons=((Button(fallback.button, url=link),),),
            thread_id=fallback.thread_id,
            optional=fallback.optional,
        )
        now = self._clock.now()
        async with self._repo.transaction() as tx:
            first = await tx.add_pending_notice(fallback.user_id, encode(effect), now)
            # In the same transaction the row becomes the group nudge (in its place among
            # the group's messages), or is done: a fault on the nudge, or a crash, retries
            # the nudge and never keeps the private message twice.
            if outbox_id is not None and first:
                await tx.replace_outbox_effect(outbox_id, encode(nudge))
            elif outbox_id is not None:
                await tx.mark_sent([outbox_id], now)
        logger.info("user %s has not started the bot; message kept for /start", fallback.user_id)
        if not first:
            return  # one group nudge per resident is enough until they open the chat
        # Stands in for a private introduction: essential (unless the fallback says it is
        # optional), and it counts against the budget.
        await self._send_once(bot, nudge, None, outbox_id)


def _seconds(value: float | timedelta) -> float:
    """RetryAfter.retry_after is seconds or a timedelta depending on PTB's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
