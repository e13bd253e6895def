"""Flood limits, the group posting budget, network faults and failing handlers.

Telegram answers 429 when a bot talks too fast, the network drops requests, and a bug in one
handler must not take the bot down: residents should notice none of it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from telegram import Update
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.app.application import build_application
from bot.core.posting_budget import BudgetRule, GroupPostingBudget
from bot.intake.polling import apply_updates
from bot.telegram_sim.local_request import InProcessRequest
from bot.telegram_sim.world import TelegramWorld
from storage import driver
from tests import backends
from tests.harness import Building


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll (real time) until `condition` holds; background retries run meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


# --- the budget rule on its own -----------------------------------------------------------

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_budget_allows_n_optional_posts_per_window_then_goes_quiet():
    budget = GroupPostingBudget(BudgetRule(limit=3, window=timedelta(hours=1)))
    assert [budget.decide(-1, T, essential=False) for _ in range(4)] == ["post"] * 3 + ["quiet"]
    assert budget.decide(-2, T, essential=False) == "post"  # another group has its own budget
    assert budget.decide(-1, T, essential=True) == "post"  # essential posts always go out
    assert budget.used(-1, T) == 4
    assert budget.decide(-1, T + timedelta(minutes=61), essential=False) == "post"


# --- through the real Application ----------------------------------------------------------


async def test_a_429_is_retried_and_the_acknowledgement_still_arrives():
    async with Building() as b:
        b.world.simulate_flood(retry_after=1, times=1, methods=["sendMessage"])
        await b.say(b.alice, "I have a spare ladder to lend")
        assert any(c.error_code == 429 for c in b.world.failed_calls)
        assert "ladder" in b.group_posts()[-1].content.lower()
        assert len(b.group_posts()) == 1


async def test_a_busy_morning_stays_inside_the_group_budget_and_introductions_still_go_out():
    async with Building() as b:
        b.opened_bot(b.alice, b.bob, b.carol)
        budget = b.app.bot_data.require().delivery.budget.rule.limit
        items = ["ladder", "drill", "umbrella", "hammer", "scissors", "thermometer"]
        for i in range(budget + 4):
            await b.say(b.alice if i % 2 else b.carol, f"I have a spare {items[i % len(items)]}")
        assert len(b.group_posts()) == budget
        quiet = [s for s in b.world.outbox if s.kind == "reaction" and s.chat_id == b.g3.id]
        assert len(quiet) == 4

        await b.say(b.bob, "can anyone lend me a hammer?")
        assert len(b.group_posts()) == budget  # the acknowledgement became a reaction...
        assert "Bob" in b.last_private(b.alice).content  # ...the introduction did not
        await b.say(b.bob, "Urgent! my dad has a heart attack, anyone have aspirin?")
        assert "120" in b.group_posts()[-1].content  # urgent medical posts are essential

        await b.later(timedelta(hours=1, minutes=1))
        await b.say(b.carol, "I have a spare kettle")
        assert "kettle" in b.group_posts()[-1].content.lower()


class FlakyRequest(InProcessRequest):
    """The in-process Bot API, but the first `faults` sendMessage calls fail like a bad network."""

    def __init__(self, world: TelegramWorld, faults: list[str]) -> None:
        super().__init__(world)
        self.faults = faults

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and self.faults:
            fault = self.faults.pop(0)
            if fault == "timeout":
                raise TimedOut("read timed out")
            return int(fault), b'{"ok": false, "error_code": 502, "description": "Bad Gateway"}'
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


class FlakyBuilding(Building):
    def __init__(self, faults: list[str]) -> None:
        super().__init__()
        self.faults = faults

    async def __aenter__(self) -> FlakyBuilding:
        self.app = build_application(
            self.config,
            token=self.world.bot_token,
            database=self.database,
            clock=self.clock,
            request=FlakyRequest(self.world, self.faults),
            updates_request=InProcessRequest(self.world),
            with_job_queue=False,
        )
        await self.app.initialize()
        await self.app.post_init(self.app)
        return self


@pytest.mark.parametrize("faults", [["timeout"], ["502"], ["502", "timeout", "500"]])
async def test_network_faults_are_retried_with_back_off_and_nothing_is_lost(faults, caplog):
    async with FlakyBuilding(list(faults)) as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        await eventually(lambda: b.private(b.alice) and len(b.group_posts()) == 2, timeout=8)
        assert "Bob" in b.last_private(b.alice).content
        assert len(b.group_posts()) == 2  # each acknowledgement once
        assert "network fault while sending, will retry" in caplog.text


async def test_a_failing_handler_is_logged_with_context_and_the_next_update_still_works(caplog):
    # A bug (not a database fault) would fail again on every retry: it is logged and skipped.
    async with Building() as b:
        sharing = b.app.bot_data.require().sharing
        real = sharing.on_group_message
        calls = 0

        async def broken_once(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("a bug in the handler")
            return await real(*args, **kwargs)

        sharing.on_group_message = broken_once  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR):
            await b.say(b.alice, "I have a spare ladder to lend")
        assert "handler failed (update" in caplog.text and "chat -1003" in caplog.text
        assert "a bug in the handler" in caplog.text
        assert await b.ledger() == []  # the failed unit rolled back entirely

        await b.say(b.bob, "I have a spare drill to lend")
        assert [e.item_name for e in await b.ledger()] == ["drill"]
        assert "drill" in b.group_posts()[-1].content.lower()


def _take_updates(b: Building) -> list[Update]:
    """What the next getUpdates would bring, for the intake's own apply loop."""
    raws = []
    while (raw := b.world.next_update()) is not None:
        raws.append(raw)
    return [Update.de_json(raw, b.app.bot) for raw in raws]


def _disk_fault() -> Exception:
    if backends.current() == "sqlite":
        fault = sqlite3.OperationalError("disk I/O error")
        fault.sqlite_errorcode = sqlite3.SQLITE_IOERR  # type: ignore[attr-defined]
        return fault
    return asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")


async def test_a_database_fault_leaves_the_update_unconfirmed_and_it_is_applied_when_it_passes(
    caplog,
):
    async with Building() as b:
        sharing = b.app.bot_data.require().sharing
        real = sharing.on_group_message
        faults = 3

        async def failing_disk(*args: Any, **kwargs: Any) -> Any:
            nonlocal faults
            if faults:
                faults -= 1
                raise _disk_fault()
            return await real(*args, **kwargs)

        sharing.on_group_message = failing_disk  # type: ignore[method-assign]
        b.world.send(b.alice, b.g3, "I have a spare ladder to lend")
        b.world.send(b.bob, b.g3, "I have a spare drill to lend")
        updates = _take_updates(b)
        offset = await asyncio.wait_for(apply_updates(b.app, updates, asyncio.Event()), 20)

        assert offset == updates[-1].update_id + 1  # confirmed only now, both applied
        assert sorted(e.item_name for e in await b.ledger()) == ["drill", "ladder"]
        posts = [p.content.lower() for p in b.group_posts()]
        assert sum("ladder" in p for p in posts) == 1 and sum("drill" in p for p in posts) == 1
        assert "not applied (a passing fault" in caplog.text


async def test_stopping_during_a_database_fault_confirms_nothing_from_the_failed_update_on():
    async with Building() as b:
        sharing = b.app.bot_data.require().sharing
        stop = asyncio.Event()

        async def disk_gone(*args: Any, **kwargs: Any) -> Any:
            stop.set()  # SIGTERM arrives while the database is away
            raise _disk_fault()

        sharing.on_group_message = disk_gone  # type: ignore[method-assign]
        b.world.send(b.alice, b.g3, "I have a spare ladder to lend")
        updates = _take_updates(b)
        offset = await asyncio.wait_for(apply_updates(b.app, updates, stop), 20)
        assert offset == updates[0].update_id  # Telegram redelivers it after the restart


@pytest.mark.sqlite_only(reason="another process holding the SQLite file's write lock")
async def test_an_import_holding_the_database_delays_an_update_but_does_not_lose_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(driver, "BUSY_WAIT_SECONDS", 0.2)  # gives up quickly, then retries
    path = tmp_path / "busy.sqlite3"
    async with Building(database=str(path)) as b:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # `jinlin import` writing
        threading.Timer(1.0, lambda: other.execute("COMMIT")).start()
        b.world.send(b.alice, b.g3, "I have a spare ladder to lend")
        try:
            offset = await asyncio.wait_for(
                apply_updates(b.app, _take_updates(b), asyncio.Event()), 20
            )
        finally:
            other.close()
        assert offset is not None
        assert [e.item_name for e in await b.ledger()] == ["ladder"]
        assert "ladder" in b.group_posts()[-1].content.lower()
