"""One flood budget for the bot, however many processes make its calls.

Telegram counts about thirty messages a second per bot, not per process. With
`[telegram] sender_process = true` the child sends the outbox while the bot's own process
still answers some things directly (a refusal, /help, a captain's button edit): together
they must stay inside the one budget, or Telegram answers 429 and holds every message back.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.constants import FloodLimit

from bot.aiohttp_request import AiohttpRequest
from bot.application import build_application
from bot.effects import SendMessage
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from tests.harness import BUILDING_CONFIG, make_config

pytestmark = pytest.mark.sqlite_only(reason="the sender process is for SQLite deployments")

TOKEN = "123456789:AAF-jinlin_flood_token_0123456789abcdef"
EACH = 60  # messages from each process; one budget needs (2 * EACH - 30) / 30 s at least


async def test_the_sender_process_and_the_bot_share_one_flood_budget(tmp_path):
    world = TelegramWorld(bot_token=TOKEN)
    bob = world.add_user(1002, "Bob", language_code="en")
    bob.started_bot = True
    async with BotApiStandIn(world) as server:
        config = make_config(BUILDING_CONFIG + f'[telegram]\nbase_url = "{server.base_url}"\n')
        app = build_application(
            config,
            token=TOKEN,
            database=str(tmp_path / "jinlin.sqlite3"),
            request=AiohttpRequest(),
            updates_request=AiohttpRequest(connection_pool_size=1),
            with_job_queue=False,
            sender_process=True,
        )
        await app.initialize()
        await app.post_init(app)
        try:
            sender = app.bot_data.require().delivery.sender
            assert sender is not None and sender.alive
            world.drain_new_outbox()
            began = time.monotonic()
            await asyncio.gather(
                *(sender.perform(SendMessage(bob.id, f"from the outbox {n}")) for n in range(EACH)),
                *(app.bot.send_message(bob.id, f"a direct answer {n}") for n in range(EACH)),
            )
            took = time.monotonic() - began
        finally:
            await app.post_shutdown(app)
            await app.shutdown()

    texts = [m.plain_text or "" for m in world.outbox if m.chat_id == bob.id]
    assert len(texts) == 2 * EACH  # everything arrived, nothing twice
    # Both processes together, not each on its own, stay at ~30 a second.
    least = (2 * EACH - FloodLimit.MESSAGES_PER_SECOND) / FloodLimit.MESSAGES_PER_SECOND
    assert took >= 0.85 * least, f"{2 * EACH} messages in {took:.2f}s: two budgets"
