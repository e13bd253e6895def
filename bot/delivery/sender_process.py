"""The sender: a child process that makes the outbox's Bot API calls for the bot.

Building a request, the HTTP round trip and reading Telegram's answer back into PTB objects
cost the bot's process more CPU than deciding what to send (measured in `jinlin bench
load`). Here they run beside it, on another core. The bot keeps everything else — the
outbox, what was sent, what a 403 or a flood wait means (bot/delivery/outbox.py) — and this
process only calls, through python-telegram-bot, and reports each call's outcome.

The link is one Unix socket of newline-delimited JSON (bot/delivery/sender_client.py is the
other end): first {"token", "base_url", ...} → {"ready": true, "username"}; then any number of
calls in flight, {"id", "effect": {as in the outbox}} → {"id", "ok", ...}
(bot/delivery/send_outcomes.py), and {"id", "permit": {"endpoint", "chat_id"}} → {"id", "ok":
true} once this process's flood limiter has a slot for a call the bot makes itself (one budget
for both). When the bot's end closes — a clean stop or the bot killed — the calls in flight
finish and the process exits; signals meant for the bot (Ctrl-C, systemd's SIGTERM to the
group) are left to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import sys
from typing import Any

import uvloop
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.core.effects import from_data
from bot.core.log_redaction import setup_logging
from bot.delivery import bot_calls
from bot.delivery.aiohttp_request import AiohttpRequest
from bot.delivery.send_outcomes import LINE_LIMIT, outcome_of

logger = logging.getLogger("bot.sender")

# Calls in flight when the bot goes away get this long to finish before the process exits.
FINISH_SECONDS = 10.0


async def serve(sock: socket.socket) -> int:
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=LINE_LIMIT)
    hello = json.loads(await reader.readline() or b"{}")
    if "token" not in hello:
        return 2
    setup_logging(hello.get("log_level", "INFO"))
    bot = _bot(hello)
    try:
        await bot.initialize()
    except TelegramError as exc:
        _write(writer, {"ready": False, "error": outcome_of(exc)})
        await writer.drain()
        return 1
    _write(writer, {"ready": True, "username": bot.username})
    calls: set[asyncio.Task[None]] = set()
    try:
        while line := await reader.readline():
            request = json.loads(line)
            answer = _permit if "permit" in request else _call
            task = asyncio.create_task(answer(bot, request, writer))
            calls.add(task)
            task.add_done_callback(calls.discard)
        if calls:
            await asyncio.wait(calls, timeout=FINISH_SECONDS)
    finally:
        for task in calls:
            task.cancel()
        await bot.shutdown()
        writer.close()
    return 0


def _bot(hello: dict[str, Any]) -> ExtBot[Any]:
    limiter = AIORateLimiter(max_retries=int(hello["max_retries"])) if hello["rate_limit"] else None
    return ExtBot(
        hello["token"],
        base_url=hello.get("base_url") or "https://api.telegram.org/bot",
        base_file_url=hello.get("base_file_url") or "https://api.telegram.org/file/bot",
        request=AiohttpRequest(proxy=hello.get("proxy")),
        rate_limiter=limiter,
    )


async def _call(bot: ExtBot[Any], request: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    error: BaseException | None = None
    try:
        await bot_calls.perform(bot, from_data(request["effect"]))
    except Exception as exc:  # every outcome goes back to the bot, which decides
        error = exc
        if not isinstance(exc, TelegramError):
            logger.exception("sending failed inside the sender process")
    if not writer.is_closing():
        _write(writer, {"id": request["id"], **outcome_of(error)})


async def _permit(bot: ExtBot[Any], request: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    """Wait for a slot in this process's flood budget; the bot then makes its call itself."""
    limiter = bot.rate_limiter
    if limiter is not None:
        slot = request["permit"]
        await limiter.process_request(
            callback=_nothing,
            args=(),
            kwargs={},
            endpoint=str(slot["endpoint"]),
            data={"chat_id": slot["chat_id"]},
            rate_limit_args=None,
        )
    if not writer.is_closing():
        _write(writer, {"id": request["id"], "ok": True})


async def _nothing() -> bool:
    return True


def _write(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def main(argv: list[str]) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # the bot stops us by closing the socket
    setup_logging()
    sock = socket.socket(fileno=int(argv[0]))
    return uvloop.run(serve(sock))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
