"""A server that reaches Telegram only through a proxy: `[telegram] proxy` takes SOCKS5 and
HTTP proxies, credentials included, and the bot's Bot API calls really go through them.

The proxies here are small loopback ones written for the test; the Bot API is the stand-in.
"""

from __future__ import annotations

import asyncio
import base64
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram import Bot

from bot.core.config import ConfigError
from bot.delivery.aiohttp_request import AiohttpRequest
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from tests.harness import make_config

pytestmark = pytest.mark.no_storage

TOKEN = "123456789:AAF-jinlin_test_token_0123456789abcdef"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class Proxy:
    """What the proxy saw: the destinations asked for and the credentials offered."""

    def __init__(self) -> None:
        self.destinations: list[tuple[str, int]] = []
        self.credentials: list[str] = []
        self.port = 0


async def _relay(
    client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, host: str, port: int
) -> None:
    upstream_r, upstream_w = await asyncio.open_connection(host, port)
    await asyncio.gather(_pipe(client_r, upstream_w), _pipe(upstream_r, client_w))


@asynccontextmanager
async def socks5_proxy(user: str, password: str) -> AsyncIterator[Proxy]:
    """RFC 1928 CONNECT with RFC 1929 username/password, enough for one client."""
    seen = Proxy()

    async def serve(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        _, n = await r.readexactly(2)
        methods = await r.readexactly(n)
        assert 2 in methods, "the client offered no username/password"
        w.write(b"\x05\x02")
        _, ulen = await r.readexactly(2)
        name = (await r.readexactly(ulen)).decode()
        plen = (await r.readexactly(1))[0]
        secret = (await r.readexactly(plen)).decode()
        seen.credentials.append(f"{name}:{secret}")
        ok = (name, secret) == (user, password)
        w.write(b"\x01\x00" if ok else b"\x01\x01")
        if not ok:
            w.close()
            return
        _, _, _, kind = await r.readexactly(4)
        if kind == 3:  # a host name: the proxy resolves it
            host = (await r.readexactly((await r.readexactly(1))[0])).decode()
        else:
            host = ".".join(str(b) for b in await r.readexactly(4))
        (port,) = struct.unpack("!H", await r.readexactly(2))
        seen.destinations.append((host, port))
        w.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
        await _relay(r, w, "127.0.0.1" if host == "localhost" else host, port)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    seen.port = server.sockets[0].getsockname()[1]
    async with server:
        yield seen


@asynccontextmanager
async def http_proxy() -> AsyncIterator[Proxy]:
    """A forward proxy: absolute-form request lines, rewritten and relayed to the origin."""
    seen = Proxy()

    async def serve(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        head = (await r.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *headers = head.split("\r\n")
        method, target, version = request_line.split(" ")
        rest = target.removeprefix("http://")
        origin, _, path = rest.partition("/")
        host, _, port = origin.partition(":")
        seen.destinations.append((host, int(port or 80)))
        kept = []
        for header in headers:
            if header.lower().startswith("proxy-authorization: basic "):
                seen.credentials.append(base64.b64decode(header.split()[-1]).decode())
            elif header:
                kept.append(header)
        upstream_r, upstream_w = await asyncio.open_connection(host, int(port or 80))
        upstream_w.write(
            (f"{method} /{path} {version}\r\n" + "\r\n".join(kept) + "\r\n\r\n").encode("latin-1")
        )
        await asyncio.gather(_pipe(r, upstream_w), _pipe(upstream_r, w))

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    seen.port = server.sockets[0].getsockname()[1]
    async with server:
        yield seen


async def _get_me_through(proxy_url: str, server: BotApiStandIn) -> str | None:
    bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(proxy=proxy_url))
    async with bot:
        return (await bot.get_me()).username


async def test_bot_api_calls_go_through_a_socks5_proxy_with_a_password():
    world = TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")
    async with BotApiStandIn(world) as server, socks5_proxy("jinlin", "s3cret") as proxy:
        url = f"socks5://jinlin:s3cret@127.0.0.1:{proxy.port}"
        assert await _get_me_through(url, server) == "jinlin_test_bot"
        assert proxy.credentials == ["jinlin:s3cret"]
        assert proxy.destinations == [("127.0.0.1", server.port)]


async def test_socks5h_lets_the_proxy_resolve_the_host_name():
    world = TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")
    async with BotApiStandIn(world) as server, socks5_proxy("u", "p") as proxy:
        url = f"socks5h://u:p@127.0.0.1:{proxy.port}"
        bot = Bot(
            TOKEN,
            base_url=f"http://localhost:{server.port}/bot",
            request=AiohttpRequest(proxy=url),
        )
        async with bot:
            assert (await bot.get_me()).username == "jinlin_test_bot"
        assert proxy.destinations == [("localhost", server.port)]


async def test_bot_api_calls_go_through_an_http_proxy_with_basic_auth():
    world = TelegramWorld(bot_token=TOKEN, bot_username="jinlin_test_bot")
    async with BotApiStandIn(world) as server, http_proxy() as proxy:
        url = f"http://ops:pa55@127.0.0.1:{proxy.port}"
        assert await _get_me_through(url, server) == "jinlin_test_bot"
        assert proxy.credentials == ["ops:pa55"]
        assert proxy.destinations == [("127.0.0.1", server.port)]


def test_the_proxy_key_takes_socks_and_http_urls_and_refuses_others(monkeypatch):
    monkeypatch.delenv("JINLIN_PROXY", raising=False)
    config = make_config()
    assert config.telegram.proxy_url() is None
    for url in ("socks5://u:p@10.0.0.1:1080", "socks5h://proxy:1080", "http://proxy:3128"):
        data = make_config().model_dump()
        data["telegram"]["proxy"] = url
        assert type(config).model_validate(data).telegram.proxy_url() == url
    monkeypatch.setenv("JINLIN_PROXY", "socks5://env:1080")
    assert config.telegram.proxy_url() == "socks5://env:1080"
    import tomllib

    from bot.core.config import parse_config

    with pytest.raises(ConfigError) as error:
        parse_config(tomllib.loads('[telegram]\nproxy = "ftp://proxy:21"\n'))
    assert "telegram.proxy" in str(error.value) and "socks5" in str(error.value)
