"""Bot API calls over aiohttp, against the Bot API stand-in on 127.0.0.1.

The request class only moves bytes; what these check is what the bot notices through the
normal `telegram.Bot` path: messages and photos arrive as sent, Telegram's refusals come
back as PTB's exceptions, and a silent or absent server is a TimedOut or a NetworkError
whose message does not carry the token.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TimedOut

from bot.core.config import parse_config
from bot.delivery.aiohttp_request import AiohttpRequest
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimChat, SimUser, TelegramWorld

pytestmark = pytest.mark.no_storage  # HTTP only: the database is never opened

# Shaped like a real token, so a leak would be recognisable.
TOKEN = "123456789:AAF-jinlin_test_token_0123456789abcdef"
SECRET = TOKEN.split(":")[1]


@pytest.fixture
def world() -> TelegramWorld:
    return TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")


@pytest.fixture
def alice(world: TelegramWorld) -> SimUser:
    return world.add_user(1001, "Alice", language_code="zh")


@pytest.fixture
def group(world: TelegramWorld, alice: SimUser) -> SimChat:
    return world.add_group(-100300, "3号楼邻里群", members=[alice])


@pytest.fixture
async def server(world: TelegramWorld) -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(world) as server:
        yield server


def bot_at(base_url: str, request: AiohttpRequest | None = None, **file_url: str) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        request=request or AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        **file_url,
    )


@pytest.fixture
async def bot(server: BotApiStandIn) -> AsyncIterator[Bot]:
    async with bot_at(server.base_url, base_file_url=server.base_file_url) as bot:
        yield bot


async def test_messages_and_updates_travel_over_kept_alive_connections(
    world: TelegramWorld, alice: SimUser, group: SimChat, server: BotApiStandIn, bot: Bot
) -> None:
    world.send(alice, group, "谁家有梯子？")
    (update,) = await bot.get_updates(timeout=0)
    ask = InlineKeyboardMarkup([[InlineKeyboardButton("我有 / I have one", callback_data="y:7")]])
    for n in range(3):
        await bot.send_message(
            group.id,
            f"<b>梯子</b> &amp; 电钻 #{n}",
            parse_mode="HTML",
            reply_to_message_id=update.message.message_id,
            reply_markup=ask,
        )

    assert update.message.text == "谁家有梯子？"
    posts = [m for m in world.outbox if m.chat_id == group.id]
    assert [p.plain_text for p in posts] == ["梯子 & 电钻 #0", "梯子 & 电钻 #1", "梯子 & 电钻 #2"]
    assert posts[0].reply_to_message_id == update.message.message_id
    assert posts[0].reply_markup == ask.to_dict()
    # getMe, getUpdates and three sends: one connection for each request object.
    assert server.requests_served == 5
    assert server.connections_accepted == 2


async def test_telegram_refusals_reach_ptb_as_its_exceptions(
    world: TelegramWorld, alice: SimUser, group: SimChat, bot: Bot
) -> None:
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(alice.id, "你好")
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(group.id, "<b>退烧药", parse_mode="HTML")
    new_id = world.migrate_to_supergroup(group)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "还在吗")

    assert migrated.value.new_chat_id == new_id
    assert [call.error_code for call in world.failed_calls] == [403, 400, 400]


async def test_photo_and_document_uploads(world: TelegramWorld, group: SimChat, bot: Bot) -> None:
    content = b"\x89PNG\r\n\x1a\n\x00--boundary-like--\r\n\xff"
    photo = await bot.send_photo(
        group.id, photo=content, caption="<i>闲置婴儿车</i>", parse_mode="HTML"
    )
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    notice = await bot.send_document(
        group.id, InputFile(b"%PDF-1.4 ...", filename="三号楼 通知.pdf")
    )

    assert bytes(downloaded) == content
    assert photo.caption == "闲置婴儿车"
    assert notice.document is not None and notice.document.file_name == "三号楼 通知.pdf"
    assert [m.photo for m in world.outbox if m.photo] == [photo.photo[-1].file_id]


async def test_closed_request_refuses_and_opens_again(server: BotApiStandIn) -> None:
    request = AiohttpRequest()
    async with bot_at(server.base_url, request) as bot:
        await bot.get_me()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{server.base_url}{TOKEN}/getMe", "POST")
    async with bot_at(server.base_url, request) as bot:
        assert (await bot.get_me()).username == "jinlin_test_bot"


@dataclass
class SilentServer:
    """A Bot API address that accepts connections and reads, but never answers."""

    base_url: str
    asked: asyncio.Event


@pytest.fixture
async def silent_server() -> AsyncIterator[SilentServer]:
    asked = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(65536):
            asked.set()

    listener = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield SilentServer(f"http://127.0.0.1:{port}/bot", asked)
    finally:
        for writer in writers:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_a_server_that_never_answers_is_timed_out(silent_server: SilentServer) -> None:
    bot = bot_at(silent_server.base_url, AiohttpRequest(read_timeout=0.05))

    with pytest.raises(TimedOut) as raised:
        await bot.initialize()  # getMe

    assert SECRET not in str(raised.value)


async def test_a_full_connection_pool_is_timed_out_without_the_token(
    silent_server: SilentServer,
) -> None:
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.05, connect_timeout=0.05)
    await request.initialize()
    url = f"{silent_server.base_url}{TOKEN}/getMe"
    try:
        stuck = asyncio.create_task(request.do_request(url, "POST", read_timeout=None))
        await asyncio.wait_for(silent_server.asked.wait(), 10)  # it holds the only connection
        with pytest.raises(TimedOut) as raised:
            await request.do_request(url, "POST")
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
    finally:
        await request.shutdown()

    assert SECRET not in str(raised.value)


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed now: connecting is refused at once.
    bot = bot_at(f"http://127.0.0.1:{port}/bot")

    with pytest.raises(NetworkError) as raised:
        await bot.initialize()

    assert not isinstance(raised.value, TimedOut)
    assert "Cannot connect" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_the_application_talks_http_through_aiohttp(tmp_path: Path) -> None:
    from bot.app.application import build_application

    config = parse_config({"telegram": {"base_url": "http://127.0.0.1:9/bot"}})
    app = build_application(
        config, token=TOKEN, database=str(tmp_path / "db.sqlite3"), with_job_queue=False
    )

    assert isinstance(app.bot.request, AiohttpRequest)
