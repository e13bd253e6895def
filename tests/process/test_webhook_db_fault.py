"""The webhook while the database is briefly away: Telegram must hear "not stored" and retry.

Telegram forgets an update at the first 2xx. A worker that cannot write the update to the
inbox (a lost PostgreSQL connection, a full disk) must answer non-2xx, so Telegram delivers
it again and nothing a resident wrote is lost.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
import pytest

from bot.intake import webhook_server
from bot.intake.webhook_server import WebhookServer
from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from storage.repository import Repository, Tx
from tests import backends
from tests.process.test_run_e2e import wait_for

SECRET = "s3cret-Webhook_token-0123456789"
PATH = "/telegram/webhook"


def _database_away() -> Exception:
    if backends.current() == "sqlite":
        fault = sqlite3.OperationalError("database or disk is full")
        fault.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        return fault
    return asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")


@pytest.mark.parametrize("away", ["fails", "does not answer"])
async def test_an_update_the_database_could_not_take_is_refused_and_stored_on_the_retry(
    tmp_path, monkeypatch, caplog, away
):
    real = Tx.receive_updates
    faults = 2

    async def database_away(self: Tx, *args: Any, **kwargs: Any) -> set[int]:
        nonlocal faults
        if faults:
            faults -= 1
            if away == "fails":
                raise _database_away()
            await asyncio.Event().wait()  # a PostgreSQL server that vanished mid-query
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(Tx, "receive_updates", database_away)
    monkeypatch.setattr(webhook_server, "STORE_SECONDS", 0.3)
    repo = await Repository.open(backends.database_for(tmp_path / "inbox.sqlite3"))
    server = WebhookServer(repo, path=PATH, secret=SECRET)
    world = TelegramWorld()
    alice = world.add_user(1001, "Alice")
    group = world.add_group(-1003, "Building 3", members=[alice])
    try:
        await server.start("127.0.0.1", 0)
        async with BotApiStandIn(world) as api:
            api.route_webhooks("https://bot.example", f"http://127.0.0.1:{server.port}")
            world.handle(
                "setWebhook", {"url": f"https://bot.example{PATH}", "secret_token": SECRET}
            )
            world.send(alice, group, "I have a spare ladder to lend")
            await wait_for(lambda: not world.pending_updates())
            outcomes = [outcome for _, outcome in api.webhook_posts]
        stored = await backends.fetch(
            backends.database_for(tmp_path / "inbox.sqlite3"), "SELECT payload FROM inbox"
        )
    finally:
        await server.stop()
        await repo.close()

    assert outcomes == [503, 503, 200]  # refused while away, so Telegram kept and retried it
    assert len(stored) == 1 and "spare ladder" in stored[0][0]
    assert "could not store update" in caplog.text
