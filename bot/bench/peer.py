"""The peer in `jinlin bench load` and `jinlin bench workers`: the simplest bot anyone deploys.

A bare python-telegram-bot bot as PTB's documentation writes one: `ApplicationBuilder()
.token(...).build()`, one `MessageHandler` that replies once to every text message,
`run_polling()` with the default request class (HTTPXRequest) and PTB's defaults otherwise
(updates handled one at a time). It runs against the same Bot API stand-in, in a process of
its own, with the same warm-up and the same backlog of mixed traffic as Jinlin, and is timed
the same way: from the backlog's first update to its last reply reaching Telegram.

It does far less per update (no parsing, no database) but answers every line, where Jinlin
answers only offers and requests; its rate is what "a bot on this machine" costs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections.abc import Sequence

from bot.bench.load import (
    CHATTER,
    TOKEN,
    TimedWorld,
    populate,
    send_mixed_traffic,
)

WARM_UP = 200


def _bare_bot(base_url: str) -> None:
    # As the documentation's first example, plus the stand-in's address (as Jinlin gets it).
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Got it")

    application = ApplicationBuilder().token(TOKEN).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, reply))
    application.run_polling()


async def _replies_reach(world: TimedWorld, count: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while len(world.answer_times) < count or world.pending_count():
        if time.perf_counter() > deadline:
            raise TimeoutError(
                f"bench peer: {len(world.answer_times)} of {count} replies, "
                f"{world.pending_count()} updates pending"
            )
        await asyncio.sleep(0.002)


async def measure_peer(
    groups: int, residents: int, items: Sequence[tuple], updates: int, seed: int = 0
) -> float:
    """The bare bot's updates/s on the same traffic, against its own stand-in."""
    from bot.telegram_sim.http_server import BotApiStandIn

    world, chats, people = populate(groups, residents)
    async with BotApiStandIn(world) as server:
        process = multiprocessing.get_context("spawn").Process(
            target=_bare_bot, args=(server.base_url,), daemon=True
        )
        process.start()
        try:
            rng = random.Random(seed)
            for n in range(WARM_UP):  # as Jinlin's: code paths and connections
                g = rng.randrange(groups)
                world.send(people[g][n % residents], chats[g], rng.choice(CHATTER))
            await _replies_reach(world, WARM_UP, 120)
            start = time.perf_counter()
            send_mixed_traffic(world, chats, people, items, updates)
            await _replies_reach(world, WARM_UP + updates, 600)
            return updates / (world.last_answer - start)
        finally:
            process.terminate()
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():
                process.kill()
