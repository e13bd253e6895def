"""Telegram's flood limits shared by every worker on one PostgreSQL database.

PTB's AIORateLimiter counts in this process only: N workers would send N times ~30
messages a second. SharedRateLimiter keeps its 429 handling (wait `retry_after`, try again)
but takes each call's slots from the database first: one per second overall (at most 30)
and one per minute per group (at most 20), each one atomic upsert on `rate_windows`. A full
window waits for the next one. If the database does not answer, the call falls back to
this process's own limits rather than not being sent.

Windows are fixed (they start on the second / the minute), so at a window's edge up to
twice the limit can pass within a moment; a 429 that this lets through is retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter

from bot.sender_client import SenderProcess
from storage.workers_store import RateWindows, SharedStateUnavailable

logger = logging.getLogger(__name__)

Result = Any  # bool | JSONDict | list[JSONDict], as the Bot API callback returns
# Forgotten by upkeep after this long: nothing looks further back than a minute.
WINDOW_RETENTION_SECONDS = 3600


class SharedRateLimiter(AIORateLimiter):
    """AIORateLimiter whose windows are counted in the shared database."""

    def __init__(
        self,
        url: str,
        *,
        overall_max_rate: int = FloodLimit.MESSAGES_PER_SECOND,
        overall_time_period: int = 1,
        group_max_rate: int = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: int = 60,
        max_retries: int = 0,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=overall_time_period,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=max_retries,
        )
        self._url = url
        self._overall = (overall_max_rate, overall_time_period)
        self._group = (group_max_rate, group_time_period)
        self._now = now
        self._windows: RateWindows | None = None

    async def initialize(self) -> None:
        """Open the limiter's own connections (Bot.initialize calls this)."""
        if self._windows is None:
            self._windows = await RateWindows.open(self._url)

    async def shutdown(self) -> None:
        if self._windows is not None:
            await self._windows.close()
            self._windows = None

    async def _run_request(
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        # Same decisions as AIORateLimiter._run_request (which process_request's retry loop
        # calls): the overall limit for calls to a chat, the group limit for groups.
        if allow_paid_broadcast or self._windows is None:
            return await super()._run_request(
                chat, group, allow_paid_broadcast, callback, args, kwargs
            )
        try:
            if group and self._group[0]:
                await self._take(f"chat:{group}", *self._group)
            if chat and self._overall[0]:
                await self._take("all", *self._overall)
        except SharedStateUnavailable as exc:
            logger.warning("shared rate limit unavailable, limiting this worker alone: %s", exc)
            return await super()._run_request(
                chat, group, allow_paid_broadcast, callback, args, kwargs
            )
        await self._retry_after_event.wait()
        return await callback(*args, **kwargs)

    async def _take(self, scope: str, limit: int, period: int) -> None:
        """One slot in the scope's current window, waiting for the next window while full."""
        assert self._windows is not None
        while True:
            now = self._now()
            start = int(now // period) * period
            if await self._windows.take(scope, start, limit):
                return
            # Spread the waiters of a full window a little, so they do not all ask at once.
            await asyncio.sleep(max(start + period - now, 0.0) + random.uniform(0, 0.05))


class SenderRateLimiter(AIORateLimiter):
    """AIORateLimiter that also takes each call's slot from the sender process's limiter.

    With `[telegram] sender_process = true` the child sends the outbox under its own
    AIORateLimiter, while this process still makes some calls itself (a refusal, /help, a
    captain's button edit). Telegram counts them together, so each of these first asks the
    child for a slot in its budget: one budget, kept where the bulk of the sending happens,
    at the cost of a local socket round trip on the rarer direct calls. While the child is
    away (restarting) this process limits itself alone, as before.
    """

    def __init__(self, *, max_retries: int = 0) -> None:
        super().__init__(max_retries=max_retries)
        self.sender: SenderProcess | None = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        sender, chat_id = self.sender, data.get("chat_id")
        if sender is None or chat_id is None or data.get("allow_paid_broadcast"):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def within_the_senders_budget(*call_args: Any, **call_kwargs: Any) -> Result:
            try:
                await sender.permit(endpoint, chat_id)
            except NetworkError as exc:
                logger.info("sender process away (%s): this call is limited here alone", exc)
            return await callback(*call_args, **call_kwargs)

        # A 429 still goes through AIORateLimiter's retry loop, asking for a new slot.
        return await super().process_request(
            within_the_senders_budget, args, kwargs, endpoint, data, rate_limit_args
        )
