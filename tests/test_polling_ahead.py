"""Long polling asks for the next batch early, yet never confirms an update not yet applied.

Telegram forgets every update below a getUpdates offset. bot/polling.py asks for the next
batch while the tail of the current one is still being applied, with the offset of the first
update not yet applied; Telegram then sends that tail again, and it must be skipped rather
than applied twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.aiohttp_request import AiohttpRequest
from bot.polling import poll
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import JSON, TelegramWorld

pytestmark = pytest.mark.no_storage  # a bare Application: no repository

TOKEN = "123456789:AAF-jinlin_polling_token_0123456789abcdef"


class OffsetsSeen(TelegramWorld):
    """Telegram, noting when each getUpdates offset (a confirmation) reached it."""

    def __init__(self, first_update_id: int = 1) -> None:
        super().__init__(bot_token=TOKEN, first_update_id=first_update_id)
        self.confirmed: list[tuple[float, int]] = []

    async def handle_async(self, method: str, params: Mapping[str, Any]) -> tuple[int, JSON]:
        if method.lower() == "getupdates" and params.get("offset"):
            self.confirmed.append((time.perf_counter(), int(params["offset"])))
        return await super().handle_async(method, params)


async def test_the_next_batch_comes_early_but_only_applied_updates_are_confirmed():
    world = OffsetsSeen()
    alice = world.add_user(1001, "Alice")
    group = world.add_group(-1003, "Building 3", members=[alice])
    for n in range(250):  # three batches of up to 100
        world.send(alice, group, f"line {n}")
    ids = [u["update_id"] for u in world.pending_updates()]
    handled: list[int] = []
    started: dict[int, float] = {}
    applied: dict[int, float] = {}

    async def handler(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update.update_id)
        started[update.update_id] = time.perf_counter()
        if update.update_id % 7 == 0:
            await asyncio.sleep(0.02)  # a slow unit: the tail is still running when we ask
        applied[update.update_id] = time.perf_counter()

    async with BotApiStandIn(world) as server:
        app = (
            Application.builder()
            .token(TOKEN)
            .base_url(server.base_url)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .job_queue(None)
            .build()
        )
        app.add_handler(MessageHandler(filters.ALL, handler))
        stop = asyncio.Event()
        async with app:
            polling = asyncio.create_task(poll(app, stop, timeout=1))
            deadline = time.monotonic() + 30
            while len(applied) < len(ids) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(polling, 10)

    assert sorted(handled) == ids and len(handled) == len(set(handled))  # each exactly once
    assert not world.pending_updates()  # all confirmed in the end
    early = 0
    for when, offset in world.confirmed:
        below = [i for i in ids if i < offset]
        assert all(applied[i] <= when for i in below), f"offset {offset} confirmed unapplied"
        # Asked while an update it will send again was still being applied here.
        early += any(started[i] < when < applied[i] for i in ids if i >= offset)
    assert early, "the next batch was never asked for while a batch was still being applied"


async def test_updates_after_telegram_restarts_its_ids_are_applied_while_running():
    """After a quiet week Telegram numbers updates afresh, often lower than the last one seen."""
    world = OffsetsSeen(first_update_id=735_000_100)
    alice = world.add_user(1001, "Alice")
    group = world.add_group(-1003, "Building 3", members=[alice])
    world.send(alice, group, "before the quiet week")
    handled: list[str] = []

    async def handler(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        handled.append(update.effective_message.text or "")

    async with BotApiStandIn(world) as server:
        app = (
            Application.builder()
            .token(TOKEN)
            .base_url(server.base_url)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .job_queue(None)
            .build()
        )
        app.add_handler(MessageHandler(filters.ALL, handler))
        stop = asyncio.Event()
        async with app:
            polling = asyncio.create_task(poll(app, stop, timeout=1))
            deadline = time.monotonic() + 10
            while not (handled and world.long_poll_waiting) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            world.restart_update_ids(first=212_000_000)
            world.send(alice, group, "after the quiet week")
            world.send(alice, group, "and once more")
            while len(handled) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            calls_while_idle = len(world.confirmed)
            await asyncio.sleep(0.3)
            calls_after_idle = len(world.confirmed)
            stop.set()
            await asyncio.wait_for(polling, 10)

    assert handled == ["before the quiet week", "after the quiet week", "and once more"]
    assert not world.pending_updates()  # the new ones were confirmed too
    # Nothing is left to fetch, so the bot long-polls quietly instead of asking in a loop.
    assert calls_after_idle - calls_while_idle <= 2
