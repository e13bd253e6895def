"""Long polling that confirms an update to Telegram only after it was applied.

PTB's Updater confirms a fetched batch (the next getUpdates carries offset = last + 1) while
the updates still wait in its in-memory queue, so a `kill -9` right then loses them: Telegram
has forgotten them and Jinlin never applied them. Here each update is processed (its effects
committed with its id in `processed_updates`) before the next getUpdates confirms it. After a
crash Telegram redelivers the unconfirmed tail of the batch; the ones already applied are
recognised by their id and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import uvloop
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.intake.life import AnyApp, live

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
IN_FLIGHT = 16  # updates of one batch processed at once
# With a sender process a unit never waits for the Bot API: a few in flight keep each turn of
# the event loop short, so the sender's answers are read (and the next sends made) promptly.
IN_FLIGHT_WITH_SENDER = 4

__all__ = ["AnyApp", "apply_updates", "poll", "run", "run_polling"]


async def poll(
    app: AnyApp,
    stop: asyncio.Event,
    *,
    timeout: int,
    allowed_updates: Sequence[str] | None = None,
) -> None:
    """Fetch, apply in order, then confirm; until `stop` is set. Network faults back off.

    The next batch is asked for as soon as the last update of this one has started, with the
    offset of its first update not yet applied: nothing unapplied is confirmed, Telegram
    prepares the batch while the tail is applied, and the tail it sends again is skipped.
    """
    offset: int | None = None
    backoff = 0.0
    seen = -1  # the highest update id handed to the Application
    ahead: asyncio.Future[tuple[Update, ...]] | None = None
    ahead_from: int | None = None

    def fetch_from(first: int | None) -> asyncio.Future[tuple[Update, ...]]:
        return asyncio.ensure_future(
            app.bot.get_updates(offset=first, timeout=timeout, allowed_updates=allowed_updates)
        )

    def ask_ahead(first: int) -> None:
        nonlocal ahead, ahead_from
        if not stop.is_set():
            ahead, ahead_from = fetch_from(first), first

    while not stop.is_set():
        if ahead is not None:
            fetch, asked_from, ahead = ahead, ahead_from, None
        else:
            fetch, asked_from = fetch_from(offset), offset
        stopping = asyncio.ensure_future(stop.wait())
        waiting: set[asyncio.Future[Any]] = {fetch, stopping}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            await _cancel(fetch)
            break
        try:
            batch = fetch.result()
        except InvalidToken:
            raise
        except TimedOut:
            continue  # an idle long poll the network gave up on: just ask again
        except (NetworkError, Conflict) as exc:
            backoff = min(max(backoff * 2, BACKOFF_FIRST_SECONDS), BACKOFF_MAX_SECONDS)
            logger.warning("getUpdates failed (%s); retrying in %.1fs", exc, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            continue
        backoff = 0.0
        if batch and asked_from is not None and batch[0].update_id < asked_from:
            # Telegram never sends an id below the offset asked for, unless its ids started
            # over (after a week without updates, at a random number): the old offset is then
            # "in the future" and it answers from the head of its queue. Everything handed to
            # the Application before is done by now, so the new ids are simply new.
            logger.warning(
                "Telegram restarted its update ids (%s after offset %s)",
                batch[0].update_id,
                asked_from,
            )
            seen = -1
        updates = [u for u in batch if u.update_id > seen]
        if updates:
            seen = updates[-1].update_id
        offset = await apply_updates(app, updates, stop, when_started=ask_ahead) or offset
    if ahead is not None:
        await _cancel(ahead)
    if offset is not None:
        # Confirm what was applied, so a clean restart does not even see it again.
        with contextlib.suppress(NetworkError):
            await app.bot.get_updates(offset=offset, timeout=0, allowed_updates=allowed_updates)


async def _cancel(fetch: asyncio.Future[tuple[Update, ...]]) -> None:
    fetch.cancel()
    with contextlib.suppress(asyncio.CancelledError, TelegramError):
        await fetch


async def apply_updates(
    app: AnyApp,
    updates: Sequence[Update],
    stop: asyncio.Event,
    *,
    when_started: Callable[[int], object] | None = None,
) -> int | None:
    """Process a batch, several updates in flight; returns the offset that confirms them.

    `when_started(first)` is called once every update has started, with the id of the first
    one not yet applied (everything before it is: it is an offset that confirms only those).

    Overlapping lets one update's database work proceed while another waits for the Bot
    API. Order is kept where it matters: a unit of work starts by taking the repository's
    lock, and asyncio hands locks out first come, first served, so transactions commit in
    update order and the outbox is sent in that order.
    """
    in_flight: set[asyncio.Future[bool]] = set()
    started: dict[int, asyncio.Future[bool]] = {}
    offset: int | None = None
    services = getattr(app.bot_data, "services", None)
    most = IN_FLIGHT_WITH_SENDER if services and services.delivery.sender else IN_FLIGHT
    faults = _Faults()
    for update in updates:
        if faults.active and in_flight:
            # The database is away: one update at a time until it is back, so the ones
            # after it do not all fail too, and the order of a chat's updates is kept.
            await asyncio.wait(in_flight)
            in_flight.clear()
        if len(in_flight) >= most:
            _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set() and faults.active:
            break
        task = asyncio.ensure_future(_apply_one(app, update, stop, faults))
        in_flight.add(task)
        started[update.update_id] = task
        offset = update.update_id + 1
        if stop.is_set():
            break
    if when_started is not None and offset is not None and not stop.is_set():
        when_started(min((i for i, t in started.items() if not t.done()), default=offset))
    if in_flight:
        await asyncio.wait(in_flight)
    # An update not applied when stopping is not confirmed, nor anything after it.
    return min((i for i, t in started.items() if not t.result()), default=offset)


class _Faults:
    """How many updates of a batch are waiting out a database fault right now."""

    def __init__(self) -> None:
        self.waiting = 0

    @property
    def active(self) -> bool:
        return self.waiting > 0


async def _apply_one(app: AnyApp, update: Update, stop: asyncio.Event, faults: _Faults) -> bool:
    """Process one update; after a passing database fault, again, with back-off.

    PTB hands a failing handler's exception to the error handler and returns: a bug is
    logged and the update is done with; a database fault (see handlers/errors.py) marks the
    update unapplied. False: `stop` came before it could be applied.
    """
    unapplied: set[int] | None = getattr(app.bot_data, "unapplied", None)
    backoff = 0.0
    try:
        while True:
            await app.process_update(update)
            if unapplied is None or update.update_id not in unapplied:
                return True
            unapplied.discard(update.update_id)
            if not backoff:
                faults.waiting += 1
            backoff = min(max(backoff * 2, BACKOFF_FIRST_SECONDS), BACKOFF_MAX_SECONDS)
            logger.warning(
                "update %s not applied (a passing fault); retrying in %.1fs",
                update.update_id,
                backoff,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            if stop.is_set():
                return False
    finally:
        if backoff:
            faults.waiting -= 1


async def run(app: AnyApp, *, timeout: int, allowed_updates: Sequence[str] | None = None) -> None:
    """The Application's whole life (init, post_init, jobs, polling, shutdown) until SIGTERM."""
    await live(
        app,
        lambda stop: poll(app, stop, timeout=timeout, allowed_updates=allowed_updates),
        # A webhook left over from webhook mode would make every getUpdates a 409.
        before_start=lambda: app.bot.delete_webhook(drop_pending_updates=False),
    )


def run_polling(app: AnyApp, *, timeout: int, allowed_updates: Sequence[str] | None) -> None:
    """Blocking entry point for `jinlin run`."""
    uvloop.run(run(app, timeout=timeout, allowed_updates=allowed_updates))
