"""The sender process: the outbox's Bot API calls made by a child, against the stand-in.

What the bot must be able to rely on: a call made through the child lands in Telegram as
if the bot made it; Telegram's refusals come back as the same PTB errors (so a 403 still
becomes a pending notice, a 429 a pause); a child that dies is started again and its calls
fail as network faults (so their rows stay in the outbox); and the child never outlives the
bot, even one killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.core.effects import Button, EditMessage, React, SendMessage
from bot.delivery import sender_client
from bot.delivery.sender_client import SenderProcess, SenderSettings
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimChat, SimUser, TelegramWorld

pytestmark = pytest.mark.no_storage  # the child only makes calls; the outbox is the bot's

TOKEN = "123456789:AAF-jinlin_sender_token_0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world() -> TelegramWorld:
    return TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")


@pytest.fixture
def bob(world: TelegramWorld) -> SimUser:
    bob = world.add_user(1002, "Bob", language_code="en")
    bob.started_bot = True
    return bob


@pytest.fixture
def carol(world: TelegramWorld) -> SimUser:
    return world.add_user(1003, "Carol", language_code="en")  # never opened the bot


@pytest.fixture
def group(world: TelegramWorld, bob: SimUser, carol: SimUser) -> SimChat:
    return world.add_group(-100300, "3号楼邻里群", members=[bob, carol])


@pytest.fixture
async def server(world: TelegramWorld) -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(world) as server:
        yield server


@pytest.fixture
async def sender(server: BotApiStandIn) -> AsyncIterator[SenderProcess]:
    sender = SenderProcess(SenderSettings(TOKEN, base_url=server.base_url, rate_limit=False))
    await sender.start()
    yield sender
    await sender.close()


def texts_to(world: TelegramWorld, chat_id: int) -> list[str | None]:
    return [m.plain_text for m in world.outbox if m.chat_id == chat_id and m.kind == "send"]


async def test_calls_made_by_the_child_land_in_telegram_as_the_bot_made_them(
    world: TelegramWorld, group: SimChat, bob: SimUser, sender: SenderProcess
):
    assert sender.username == "jinlin_test_bot"
    line = world.send(bob, group, "I have a spare ladder")
    await sender.perform(
        SendMessage(group.id, "✅ Noted: <b>ladder</b>", reply_to=line.message_id, optional=True)
    )
    await sender.perform(SendMessage(bob.id, "Carol asks for it", buttons=((Button("OK", "a"),),)))
    await sender.perform(React(group.id, line.message_id, "👌"))
    ask = world.bot_messages_in(bob)[-1]
    await sender.perform(EditMessage(bob.id, ask.message_id, text="Given ✅"))

    ack = world.bot_messages_in(group)[-1]
    assert ack.text == "✅ Noted: ladder"
    assert ack.reply_to is not None and ack.reply_to.message_id == line.message_id
    assert [e["type"] for e in ack.entities] == ["bold"]  # sent as HTML
    assert world.bot_messages_in(bob)[-1].text == "Given ✅"
    assert [m.kind for m in world.outbox] == ["send", "send", "reaction", "edit"]


async def test_telegrams_refusals_come_back_as_ptbs_own_errors(
    world: TelegramWorld, group: SimChat, carol: SimUser, sender: SenderProcess
):
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await sender.perform(SendMessage(carol.id, "a private ask"))  # → pending notice
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await sender.perform(SendMessage(424242, "nobody"))
    world.simulate_flood(retry_after=7, methods=["sendMessage"])
    with pytest.raises(RetryAfter) as flood:
        await sender.perform(SendMessage(group.id, "busy morning"))
    retry = flood.value.retry_after
    assert (retry.total_seconds() if isinstance(retry, timedelta) else retry) == 7
    await sender.perform(SendMessage(group.id, "after the pause"))  # the child goes on
    assert texts_to(world, group.id) == ["after the pause"]


async def test_a_child_that_dies_is_started_again_and_its_calls_fail_as_network_faults(
    world: TelegramWorld, group: SimChat, bob: SimUser, sender: SenderProcess, monkeypatch
):
    first = sender.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    for _ in range(200):
        if not sender.alive:
            break
        await asyncio.sleep(0.01)
    # Right after a start it waits before starting again: a network fault, retried later.
    with pytest.raises(NetworkError):
        await sender.perform(SendMessage(bob.id, "too soon"))
    monkeypatch.setattr(sender_client, "RESTART_PAUSE_SECONDS", 0.0)
    await sender.perform(SendMessage(bob.id, "after the restart"))
    assert sender.pid not in (None, first)
    assert texts_to(world, bob.id) == ["after the restart"]


async def test_the_child_stops_when_the_bot_stops(sender: SenderProcess, bob: SimUser):
    await sender.perform(SendMessage(bob.id, "one"))
    pid = sender.pid
    assert pid is not None and _running(pid)
    await sender.close()
    assert not _running(pid)


_ORPHANED_BOT = """
import asyncio, sys
from bot.delivery.sender_client import SenderProcess, SenderSettings

async def main():
    sender = SenderProcess(SenderSettings(sys.argv[1], base_url=sys.argv[2], rate_limit=False))
    await sender.start()
    print(sender.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_the_child_exits_when_the_bot_is_killed(server: BotApiStandIn):
    bot = subprocess.Popen(
        [sys.executable, "-c", _ORPHANED_BOT, TOKEN, server.base_url],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        assert bot.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(bot.stdout.readline), 60)
        child = int(line)
        assert _running(child)
        bot.kill()  # SIGKILL: no clean-up runs in the bot
        deadline = time.monotonic() + 20
        while _running(child) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not _running(child), "the sender process outlived the bot"
    finally:
        bot.kill()
        bot.wait()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever adopts it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
