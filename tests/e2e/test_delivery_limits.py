"""No message, however long or however refused, stops the messages after it.

A resident can make the bot write a very long message (twenty offers of 4,000-character
item names, then /mine; a long digest). The outbox row of such a message once killed the
sender process at every start (its socket read lines of at most 64 KiB), and nothing after
it was ever sent again. A message Telegram keeps refusing must be set aside the same way:
marked undeliverable, logged, the building's captains told, and the outbox moving on.

Delivery is driven directly against the HTTP Bot API stand-in on 127.0.0.1, with the real
sender process where the test says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError

from bot.core.clock import ManualClock
from bot.core.effects import Button, Effect, Fallback, SendMessage, decode, encode
from bot.delivery.outbox import CRASH_LIMIT, Delivery
from bot.delivery.sender_client import SenderCrashed, SenderProcess, SenderSettings
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimChat, SimUser, TelegramWorld
from storage.repository import Repository
from tests import backends
from tests.fake_bots import GenericSendMessage
from tests.harness import Building

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "123456789:AAF-jinlin_limits_token_0123456789abcdef"
GROUP = -1003


@pytest.fixture
def world() -> TelegramWorld:
    return TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")


@pytest.fixture
def bob(world: TelegramWorld) -> SimUser:
    bob = world.add_user(1002, "Bob", language_code="en")
    bob.started_bot = True
    return bob


@pytest.fixture
def group(world: TelegramWorld, bob: SimUser) -> SimChat:
    return world.add_group(GROUP, "Building 3", members=[bob])


@pytest.fixture
async def server(world: TelegramWorld) -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(world) as server:
        yield server


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await Repository.open(backends.database_for(tmp_path / "outbox.db"))
    yield repo
    await repo.close()


@pytest.fixture
async def bot(server: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        yield bot


async def enqueue(repo: Repository, *effects: SendMessage) -> None:
    async with repo.transaction() as tx:
        await tx.enqueue([encode(e) for e in effects], T)


async def unsent(repo: Repository) -> int:
    async with repo.statements() as tx:
        return len(await tx.unsent())


def long_listing(lines: int) -> str:
    """What /mine says for many long item names: one line per entry, each with markup."""
    name = "梯" * 1000
    return "\n".join(f"<b>#{n}</b> {name} · available" for n in range(lines))


async def flush_until_done(delivery: Delivery, bot: Bot, repo: Repository) -> None:
    """Flush as the bot would (its retries come after a back-off): until nothing is left."""
    for _ in range(40):
        await delivery.flush(bot)
        if not await unsent(repo):
            return
        await asyncio.sleep(0.25)
    raise AssertionError("the outbox never emptied")


async def test_a_message_over_64_kib_does_not_silence_the_sender_process(
    world: TelegramWorld, bob: SimUser, server: BotApiStandIn, repo: Repository, bot: Bot
):
    listing = long_listing(30)  # ~90 KB of UTF-8 in its outbox row
    assert len(encode(SendMessage(bob.id, listing)).encode()) > 64 * 1024
    await enqueue(repo, SendMessage(bob.id, listing), SendMessage(bob.id, "and after it"))
    sender = SenderProcess(SenderSettings(TOKEN, base_url=server.base_url, rate_limit=False))
    await sender.start()
    delivery = Delivery(repo, ManualClock(T))
    delivery.sender = sender
    try:
        await asyncio.wait_for(flush_until_done(delivery, bot, repo), 60)
    finally:
        await delivery.close()
        await sender.close()

    got = [m.content for m in world.bot_messages_in(bob)]
    assert got[-1] == "and after it"
    # The listing arrived whole, in parts Telegram accepts, each part whole entries.
    parts = got[:-1]
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == listing.replace("<b>", "").replace("</b>", "")


async def test_a_message_telegram_refuses_is_set_aside_and_the_captains_are_told():
    async with Building() as b:
        b.opened_bot(b.bob, b.captain)
        svc = b.app.bot_data.require()
        # Telegram takes no button whose data is over 64 bytes: this post can never go out.
        broken = SendMessage(b.g3.id, "📋 weekly digest", buttons=((Button("open", "x" * 80),),))
        await enqueue(svc.repo, broken, SendMessage(b.g3.id, "✅ Noted: ladder"))
        await b.say(b.bob, "I have a spare drill to lend")

        assert "✅ Noted: ladder" in [m.content for m in b.group_posts()]
        assert any("drill" in m.content for m in b.group_posts())  # later messages flow
        async with svc.repo.statements() as tx:
            [(_, reason)] = await tx.undeliverable()
            assert not await tx.unsent()
        assert "button_data_invalid" in reason.lower()
        told = b.last_private(b.captain).content
        assert "could not be delivered" in told and "Building 3" in told
        assert "weekly digest" not in told  # where and why, not what


class CrashingSender:
    """Stands in for a sender process that one message kills every time it is sent."""

    def __init__(self, deadly: str) -> None:
        self.deadly = deadly
        self.sent: list[str] = []

    async def perform(self, effect: Effect, raw: str | None = None) -> None:
        assert isinstance(effect, SendMessage)
        if effect.text == self.deadly:
            raise SenderCrashed(alone=True)
        self.sent.append(effect.text)


async def test_a_message_that_keeps_killing_the_sender_process_is_set_aside(repo: Repository):
    await enqueue(repo, SendMessage(1002, "before"), SendMessage(1002, "deadly"))
    await enqueue(repo, SendMessage(1002, "after"), SendMessage(1003, "elsewhere"))
    sender = CrashingSender("deadly")
    delivery = Delivery(repo, ManualClock(T))
    delivery.sender = sender

    class Named:
        username = "jinlin_test_bot"

    try:
        for _ in range(CRASH_LIMIT):
            await delivery.flush(Named())  # type: ignore[arg-type]
    finally:
        await delivery.close()
    assert sender.sent.count("before") == 1 and "after" in sender.sent
    async with repo.statements() as tx:
        [(_, reason)] = await tx.undeliverable()
        assert not await tx.unsent()
    assert "sender process died" in reason


class NudgeFaultTelegram(GenericSendMessage):
    """Carol never opened the bot (403); the group's first answer is a network fault."""

    username = "jinlin_test_bot"

    def __init__(self) -> None:
        self.group_faults = 1
        self.received: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: object) -> None:
        if chat_id == 1003:
            raise Forbidden("Forbidden: bot can't initiate conversation with a user")
        if chat_id == GROUP and self.group_faults:
            self.group_faults -= 1
            raise NetworkError("connection reset")
        self.received.append((chat_id, text))


async def test_a_fault_on_the_group_nudge_keeps_the_message_once_and_the_nudge_comes(
    repo: Repository,
):
    nudge = Fallback(chat_id=GROUP, user_id=1003, text="Carol, open a chat with me", button="Open")
    await enqueue(repo, SendMessage(1003, "🤝 Can you lend Bob your ladder?", fallback=nudge))
    telegram = NudgeFaultTelegram()
    delivery = Delivery(repo, ManualClock(T))
    try:
        await delivery.flush(telegram)  # type: ignore[arg-type]
        await delivery.flush(telegram)  # type: ignore[arg-type]  # the retry
    finally:
        await delivery.close()
    assert telegram.received == [(GROUP, "Carol, open a chat with me")]
    async with repo.transaction() as tx:
        kept = await tx.take_pending_notices(1003, T)
        assert not await tx.unsent()
    assert [decode(n.effect).text for n in kept] == ["🤝 Can you lend Bob your ladder?"]  # type: ignore[union-attr]


async def test_markup_telegram_cannot_parse_goes_out_as_plain_text(
    world: TelegramWorld, bob: SimUser, repo: Repository, bot: Bot
):
    await enqueue(repo, SendMessage(bob.id, "<b>Ladder</b> <i>#3 & co"))  # an unclosed tag
    delivery = Delivery(repo, ManualClock(T))
    try:
        await delivery.flush(bot)
    finally:
        await delivery.close()
    assert [m.content for m in world.bot_messages_in(bob)] == ["Ladder #3 & co"]
