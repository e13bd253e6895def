"""The webhook's HTTP side: check the secret, store the update, answer 200 at once.

Telegram forgets an update as soon as its POST gets a 2xx, and retries (and so delivers
twice) on anything else or on a slow answer. So the update is written to the `inbox` table
before the answer, and applied afterwards by an InboxWorker: an acknowledged update
survives a crash, and the answer never waits for the bot's own work. A duplicate delivery
is one row (INSERT OR IGNORE on the update id). An update the database could not take (a
lost connection, a full disk) is answered 503, never 2xx, so Telegram sends it again.

Behind a reverse proxy (nginx terminates HTTPS); listens on loopback by default.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from storage.driver import is_passing_fault
from storage.repository import Repository

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few KB (a long message with entities); 1 MiB is far beyond any.
MAX_BODY_BYTES = 1024 * 1024
# How long storing one update may take before Telegram is told to send it again: a lost
# PostgreSQL connection would otherwise hold the answer for asyncpg's 60 s connect timeout.
STORE_SECONDS = 5.0
# Let in-flight requests finish their insert on shutdown, but not hold the process for long.
SHUTDOWN_SECONDS = 10.0
# Rows stored by one statement at most (see _Storing._next_batch).
STORE_BATCH_ROWS = 1000
STORE_BATCH_BYTES = 32 * 1024 * 1024
# The inbox's ids are 64-bit (Telegram's are far smaller): past that no database holds one.
_LARGEST_ID = 2**63 - 1
# Each kind of refused request is logged at most once in this many seconds (_RefusalLog).
REFUSAL_LOG_SECONDS = 60.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Update kinds whose object names the chat it happened in.
_IN_A_CHAT = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
)


def _int_at(value: object, *keys: str) -> int | None:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if type(value) is int and -_LARGEST_ID <= value <= _LARGEST_ID else None


def conversation_of(update: dict[str, Any]) -> int | None:
    """The chat whose order an update must keep (None: it has no place in one)."""
    for kind in _IN_A_CHAT:
        chat_id = _int_at(update, kind, "chat", "id")
        if chat_id is not None:
            return chat_id
    # A button press belongs to the chat of the message it sits under (or its presser's).
    return _int_at(update, "callback_query", "message", "chat", "id") or _int_at(
        update, "callback_query", "from", "id"
    )


class _Storing:
    """Updates that arrive while one is being stored go into the inbox together.

    Telegram keeps up to `max_connections` POSTs open at once; each waits for its row, but
    the rows that queued up behind a round trip are written by the next one, in a single
    statement: one round trip per burst, not one per update.
    """

    def __init__(self, repo: Repository, now: Callable[[], datetime]) -> None:
        self._repo = repo
        self._now = now
        self._waiting: list[tuple[tuple[int, str, int | None], asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    def _next_batch(self) -> list[tuple[tuple[int, str, int | None], asyncio.Future[bool]]]:
        """The oldest waiting rows one statement can carry: PostgreSQL takes at most 32,767
        parameters (4 a row) and a message of 1 GB, and a statement it refuses would fail
        every POST in it."""
        size = 0
        for count, ((_, payload, _), _) in enumerate(self._waiting):
            size += len(payload)
            if count == STORE_BATCH_ROWS or (count and size > STORE_BATCH_BYTES):
                batch, self._waiting = self._waiting[:count], self._waiting[count:]
                return batch
        batch, self._waiting = self._waiting, []
        return batch

    async def store(self, update_id: int, payload: str, chat_id: int | None) -> bool:
        """Keep one update; False if it was waiting already (a duplicate delivery)."""
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((update_id, payload, chat_id), stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await stored

    async def _write(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            try:
                # Bounded here too: a write that hangs (a vanished server) must not hold the
                # bursts queued behind it after their own answers gave up.
                async with asyncio.timeout(STORE_SECONDS):
                    async with self._repo.statements() as tx:
                        fresh = await tx.receive_updates([row for row, _ in batch], self._now())
            except Exception as exc:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_exception(exc)
                continue
            for (update_id, _, _), stored in batch:
                # The same update twice in one burst: the second is the duplicate.
                if not stored.done():
                    stored.set_result(update_id in fresh)
                fresh.discard(update_id)


class _RefusalLog:
    """Outsiders' refused requests, logged at most once a minute for each kind, with how
    many since.

    The webhook's URL is public, as Telegram must reach it: whoever finds it can send
    requests without the secret, or that are not HTTP, as fast as they like, and a line for
    each would fill the operator's disk. (What comes after the secret check is Telegram's,
    and is logged as it comes.)
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._said: dict[str, datetime] = {}  # kind (the line's format) → when last logged
        self._unsaid: dict[str, int] = {}

    def warning(self, line: str, *args: object) -> None:
        now = self._now()
        said = self._said.get(line)
        # A clock set back does not silence a kind until it catches up again.
        if said is not None and 0 <= (now - said).total_seconds() < REFUSAL_LOG_SECONDS:
            self._unsaid[line] = self._unsaid.get(line, 0) + 1
            return
        self._said[line] = now
        unsaid = self._unsaid.pop(line, 0)
        if unsaid:
            logger.warning(f"{line} (and %s more like it since the last such line)", *args, unsaid)
        else:
            logger.warning(line, *args)


class _HttpLog(logging.LoggerAdapter):
    """aiohttp's server log for the webhook: a request it cannot parse (a bad header, a bad
    length) is an outsider's noise, noted by `_RefusalLog` without a traceback; a handler
    that failed (a bug) is logged by aiohttp as ever."""

    def __init__(self, refused: _RefusalLog) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})
        self._refused = refused

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if isinstance(kwargs.get("exc_info"), HttpProcessingError):
            self._refused.warning("webhook: a request that is not valid HTTP was refused")
            return
        super().log(level, msg, *args, **kwargs)


class WebhookServer:
    """aiohttp server answering Telegram's POSTs on one path; `on_received` after each new row."""

    def __init__(
        self,
        repo: Repository,
        *,
        path: str,
        secret: str,
        on_received: Callable[[], None] = lambda: None,
        max_body: int = MAX_BODY_BYTES,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.repo = repo
        self.path = path
        self._secret = secret.encode()
        self._on_received = on_received
        self._now = now
        self._store = _Storing(repo, now)
        self._refused = _RefusalLog(now)
        self.app = web.Application(client_max_size=max_body)
        # Only POST on the path: aiohttp answers 405 to other methods there, 404 elsewhere.
        self.app.router.add_post(path, self._receive)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.received = 0

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0: any free one, see `self.port`)."""
        runner = web.AppRunner(
            self.app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_SECONDS,
            logger=_HttpLog(self._refused),
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1]) if runner.addresses else port
        logger.info("webhook server listening on %s:%s%s", host, self.port, self.path)

    async def stop(self) -> None:
        """Stop accepting; requests already in flight finish storing and get their answer."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        # Constant time: how much of a guess matched must not show in the answer's timing.
        if not hmac.compare_digest(given, self._secret):
            self._refused.warning("webhook: a request without the right secret token was refused")
            return web.Response(status=403, text="Forbidden")
        body = await request.read()  # over client_max_size: aiohttp answers 413 itself
        # Refused here, each on its own: the POSTs of a burst are stored in one statement,
        # which a body no database can hold would fail for all of them.
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON; nested past Python's stack
            logger.warning("webhook: a body that is not JSON was refused")
            return web.Response(status=400, text="Bad Request: body is not JSON")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if type(update_id) is not int or not 0 <= update_id <= _LARGEST_ID:
            logger.warning("webhook: a body that is not a Telegram update was refused")
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError:  # half a surrogate pair: JSON allows it, UTF-8 does not
            logger.warning("webhook: update %s refused: its text is not Unicode", update_id)
            return web.Response(status=400, text="Bad Request: text is not Unicode")
        try:
            async with asyncio.timeout(STORE_SECONDS):
                fresh = await self._store.store(update_id, payload, conversation_of(data))
        except Exception as exc:
            if not (isinstance(exc, TimeoutError) or is_passing_fault(exc)):
                raise  # a bug: aiohttp logs it and answers 500, still not a 2xx
            # Telegram forgets an update at the first 2xx: this answer makes it send it again.
            logger.warning(
                "webhook: could not store update %s (%s); Telegram will send it again",
                update_id,
                type(exc).__name__,
            )
            return web.Response(
                status=503,
                text="Service Unavailable: database unavailable",
                headers={"Retry-After": "1"},
            )
        self.received += 1
        if fresh:
            self._on_received()
        else:
            logger.info("webhook: update %s delivered again; already waiting", update_id)
        return web.Response(status=200)
