"""A building group around the real Application, for end-to-end stories.

Telegram is the in-memory TelegramWorld reached through PTB's request seam, so the real
Application, handlers, parser, ledger and SQLite storage run unchanged.
"""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update

from bot.app.application import build_application
from bot.app.upkeep import run_upkeep
from bot.core.clock import ManualClock
from bot.core.config import Config, parse_config
from bot.telegram_sim import polls
from bot.telegram_sim.local_request import InProcessRequest
from bot.telegram_sim.world import SimChat, SimMessage, SimUser, TelegramWorld
from storage.allocation_store import EntryExtras
from storage.records import Entry, Match
from tests import backends

BUILDING_CONFIG = """
[bot]
language = "en"
emergency_number = "120"
expiry_days = 7

[[communities]]
key = "sunny"
name = "Sunny Garden"

[[buildings]]
key = "b3"
name = "Building 3"
community = "sunny"
captains = [9001]

[[buildings]]
key = "b5"
name = "Building 5"
community = "sunny"
captains = [9002]

[[groups]]
chat_id = -1003
title = "Building 3"
building = "b3"

[[groups]]
chat_id = -1005
title = "Building 5"
building = "b5"
language = "zh"
"""

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def make_config(text: str = BUILDING_CONFIG, **bot_overrides: Any) -> Config:
    data = tomllib.loads(text)
    data.setdefault("bot", {}).update(bot_overrides)
    return parse_config(data)


class Building:
    """Residents, two building groups and the bot, ready to act."""

    # Telegram's flood limiter, as in production; off where its real-time waits test nothing.
    rate_limit = True

    def __init__(self, config: Config | None = None, database: str | None = None) -> None:
        self.config = config or make_config()
        self.clock = ManualClock(T0)
        self.world = TelegramWorld(clock=lambda: 0.0)
        self.world.tick(T0.timestamp())
        self.database = database or backends.default_database()
        self.alice = self.world.add_user(1001, "Alice", language_code="en")
        self.bob = self.world.add_user(1002, "Bob", language_code="en")
        self.carol = self.world.add_user(1003, "Carol", language_code="en")
        self.dave = self.world.add_user(1004, "Dave", language_code="zh")
        self.captain = self.world.add_user(9001, "Cathy", language_code="en")
        everyone = [self.alice, self.bob, self.carol, self.captain]
        self.g3 = self.world.add_group(-1003, "Building 3", members=everyone)
        self.g5 = self.world.add_group(-1005, "Building 5", members=[self.dave, self.bob])
        self.app: Any = None

    async def __aenter__(self) -> Building:
        self.app = build_application(
            self.config,
            token=self.world.bot_token,
            database=self.database,
            clock=self.clock,
            request=InProcessRequest(self.world),
            updates_request=InProcessRequest(self.world),
            with_job_queue=False,
            rate_limit=self.rate_limit,
        )
        await self.app.initialize()
        await self.app.post_init(self.app)
        self.world.drain_new_outbox()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    # --- acting -----------------------------------------------------------------------------

    def opened_bot(self, *users: SimUser) -> None:
        """These residents opened a private chat with the bot earlier."""
        for user in users:
            user.started_bot = True

    async def pump(self) -> None:
        while (raw := self.world.next_update()) is not None:
            await self.app.process_update(Update.de_json(raw, self.app.bot))

    async def say(
        self,
        user: SimUser,
        text: str,
        chat: SimChat | None = None,
        reply_to: SimMessage | None = None,
    ) -> SimMessage:
        message = self.world.send(user, chat or self.g3, text, reply_to=reply_to)
        await self.pump()
        return message

    async def send_photo(
        self,
        user: SimUser,
        caption: str,
        chat: SimChat | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """A resident posts a photo with a caption."""
        message = self.world.send_photo(user, chat or self.g3, caption=caption, thread_id=thread_id)
        await self.pump()
        return message

    def seed_lottery(self, seed: int) -> None:
        """Make the allocation lottery draw from a seeded random source."""
        self.app.bot_data.require().sharing.rng = random.Random(seed)

    async def dm(self, user: SimUser, text: str) -> SimMessage:
        return await self.say(user, text, chat=self.world.private_chat(user))

    async def start(self, user: SimUser, payload: str | None = None) -> None:
        self.world.start_bot(user, payload)
        await self.pump()

    async def press(self, user: SimUser, message: SimMessage, prefix: str) -> str:
        """Press the button whose callback data starts with `prefix` (e.g. 'y:')."""
        data = next(d for d in message.button_data() if d.startswith(prefix))
        query_id = self.world.press(user, message, data)
        await self.pump()
        return query_id

    async def vote(
        self, user: SimUser, message: SimMessage, options: list[int], *, forwarded: bool = False
    ) -> None:
        """A resident taps options of a native poll (`forwarded`: in a copy sent to them)."""
        polls.vote(self.world, user, message, options, forwarded=forwarded)
        await self.pump()

    async def later(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.world.tick(delta.total_seconds())
        await run_upkeep(self.app.bot_data.require(), self.app)

    # --- looking --------------------------------------------------------------------------

    def private(self, user: SimUser) -> list[SimMessage]:
        return self.world.bot_messages_in(user)

    def last_private(self, user: SimUser) -> SimMessage:
        messages = self.private(user)
        assert messages, f"{user.first_name} got no private message"
        return messages[-1]

    def group_posts(self, chat: SimChat | None = None) -> list[SimMessage]:
        return self.world.bot_messages_in(chat or self.g3)

    async def ledger(self) -> list[Entry]:
        async with self.app.bot_data.require().repo.transaction() as tx:
            return await tx.all_entries()

    async def extras(self, entry_id: int) -> EntryExtras:
        async with self.app.bot_data.require().repo.transaction() as tx:
            return await tx.entry_extras(entry_id)

    async def matches(self) -> list[Match]:
        async with self.app.bot_data.require().repo.transaction() as tx:
            return await tx.all_matches()
