"""What the webhook refuses outright (400), so it never fails the updates stored beside it.

POSTs that arrive together are stored in one statement: a body the database cannot hold (an
update id past its 64-bit column, text that is not Unicode) must be refused on its own before
that statement, not fail it for every honest update in the burst. A refusal names no
resident's words in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.intake import webhook_server
from bot.intake.webhook_server import WebhookServer
from storage.repository import Repository
from tests import backends

SECRET = "s3cret-Webhook_token-0123456789"
PATH = "/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _update(update_id: int, text: str = "a ladder to lend") -> str:
    chat = {"id": -1003, "type": "group", "title": "Building 3"}
    message = {"message_id": 1, "date": 1_767_000_000, "chat": chat, "text": text}
    return json.dumps({"update_id": update_id, "message": message}, ensure_ascii=False)


async def _post_all(port: int, bodies: list[bytes], secret: str = SECRET) -> list[int]:
    async with aiohttp.ClientSession() as session:

        async def post(body: bytes) -> int:
            url = f"http://127.0.0.1:{port}{PATH}"
            async with session.post(url, data=body, headers={HEADER: secret}) as response:
                return response.status

        return list(await asyncio.gather(*(post(b) for b in bodies)))


async def test_bodies_the_database_cannot_hold_are_refused_alone_and_the_burst_is_stored(
    tmp_path, caplog
):
    database = backends.database_for(tmp_path / "inbox.sqlite3")
    repo = await Repository.open(database)
    server = WebhookServer(repo, path=PATH, secret=SECRET)
    honest = [_update(n).encode() for n in range(1, 21)]
    unholdable = [
        _update(2**63).encode(),  # past a BIGINT
        _update(21, text="HALF lone half of a pair").replace("HALF", "\\ud800").encode(),
        b'{"update_id": 22, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ]
    try:
        await server.start("127.0.0.1", 0)
        with caplog.at_level(logging.DEBUG):
            statuses = await _post_all(server.port, [*honest[:10], *unholdable, *honest[10:]])
        stored = await backends.fetch(database, "SELECT update_id FROM inbox ORDER BY update_id")
    finally:
        await server.stop()
        await repo.close()

    assert statuses[10:13] == [400] * 3
    assert statuses[:10] + statuses[13:] == [200] * 20
    assert [row[0] for row in stored] == list(range(1, 21))
    assert "lone half" not in caplog.text and "ladder" not in caplog.text


async def test_a_chat_id_past_64_bits_is_stored_without_a_place_in_a_chat(tmp_path):
    database = backends.database_for(tmp_path / "inbox.sqlite3")
    repo = await Repository.open(database)
    server = WebhookServer(repo, path=PATH, secret=SECRET)
    body = json.loads(_update(7))
    body["message"]["chat"]["id"] = 2**64
    try:
        await server.start("127.0.0.1", 0)
        assert await _post_all(server.port, [json.dumps(body).encode()]) == [200]
        stored = await backends.fetch(database, "SELECT update_id, chat_id FROM inbox")
    finally:
        await server.stop()
        await repo.close()
    assert [tuple(row) for row in stored] == [(7, None)]


async def test_a_burst_larger_than_one_statement_holds_is_stored_whole(tmp_path):
    database = backends.database_for(tmp_path / "inbox.sqlite3")
    repo = await Repository.open(database)
    storing = webhook_server._Storing(repo, lambda: datetime.now(UTC))
    try:
        # More rows than PostgreSQL's 32,767 parameters allow in one INSERT (4 a row).
        fresh = await asyncio.gather(*(storing.store(n, _update(n), -1003) for n in range(1, 9001)))
        stored = await backends.fetch(database, "SELECT COUNT(*) FROM inbox")
    finally:
        await repo.close()
    assert all(fresh)
    assert stored[0][0] == 9000


async def test_an_outsider_hammering_the_url_writes_a_line_a_minute_not_one_a_request(
    tmp_path, caplog
):
    """The webhook's URL is public (Telegram must reach it): anyone who finds it can send
    refusals as fast as they like, and a WARNING each would fill the operator's disk. Each
    kind of refusal is logged once a minute at most, with how many were left unsaid."""
    clock = [datetime(2026, 12, 6, 12, 0, tzinfo=UTC)]
    repo = await Repository.open(backends.database_for(tmp_path / "inbox.sqlite3"))
    server = WebhookServer(repo, path=PATH, secret=SECRET, now=lambda: clock[0])

    def lines(words: str) -> list[str]:
        return [r.getMessage() for r in caplog.records if words in r.getMessage()]

    try:
        await server.start("127.0.0.1", 0)
        with caplog.at_level(logging.WARNING):
            guesses = [_update(n).encode() for n in range(30)]
            assert await _post_all(server.port, guesses, secret="guess") == [403] * 30
            assert await _post_all(server.port, [b"not json"]) == [400]  # its own line
            assert len(lines("secret token")) == 1
            assert len(lines("not JSON")) == 1

            clock[0] += timedelta(seconds=61)
            assert await _post_all(server.port, [_update(31).encode()], secret="guess") == [403]
            assert await _post_all(server.port, [_update(32).encode()]) == [200]  # Telegram's
    finally:
        await server.stop()
        await repo.close()
    said = lines("secret token")
    assert len(said) == 2 and "29 more" in said[1]


async def test_requests_that_are_not_http_write_a_line_a_minute_and_no_traceback(tmp_path, caplog):
    """aiohttp logs a request it cannot parse as an ERROR with a traceback, before any
    handler runs: from the public URL, noise anyone can make. A line a minute, as above."""
    repo = await Repository.open(backends.database_for(tmp_path / "inbox.sqlite3"))
    server = WebhookServer(repo, path=PATH, secret=SECRET)

    async def garbage() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        answer = await reader.read()
        writer.close()
        return answer

    try:
        await server.start("127.0.0.1", 0)
        with caplog.at_level(logging.DEBUG):
            answers = await asyncio.gather(*(garbage() for _ in range(20)))
    finally:
        await server.stop()
        await repo.close()
    assert all(a.split(b"\r\n")[0].endswith(b" 400 Bad Request") for a in answers)
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noted) == 1, [r.getMessage() for r in noted]
    assert noted[0].levelno == logging.WARNING and noted[0].exc_info is None
