"""`jinlin run` as an admin starts it, against a Bot API stand-in on 127.0.0.1.

The bot runs as a real subprocess (CLI -> config -> long polling over HTTP); the test plays
the residents through the stand-in and reads what they see.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimChat, SimUser, TelegramWorld
from storage.driver import is_postgres_url
from tests import backends
from tests.process.daytime import daytime_zone

ROOT = Path(__file__).resolve().parents[2]


# The town of the end-to-end tests: one community, Building 3 (captain 9001), its group -1003.
ONE_BUILDING = """
[[communities]]
key = "sunny"
name = "Sunny Garden"

[[buildings]]
key = "b3"
name = "Building 3"
community = "sunny"
captains = [9001]

[[groups]]
chat_id = -1003
title = "Building 3"
building = "b3"
"""


def _config(base_url: str, database: str, *, sender_process: bool = False) -> str:
    return f"""
[bot]
language = "en"
database = "{database}"
timezone = "{daytime_zone()}"

[telegram]
base_url = "{base_url}"
poll_timeout = 1
sender_process = {str(sender_process).lower()}

{ONE_BUILDING}"""


async def wait_for(condition: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not (await found if inspect.isawaitable(found := condition()) else found):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.02)


class Running:
    def __init__(self, world: TelegramWorld, proc: asyncio.subprocess.Process, db: str) -> None:
        self.world = world
        self.proc = proc
        self.db = db

    async def ledger(self) -> list[tuple[str, str, float]]:
        return await backends.fetch(
            self.db, "SELECT kind, status, remaining FROM entries ORDER BY id"
        )

    async def ledger_holds(self, row: tuple[str, str, float]) -> bool:
        return row in await self.ledger()


@asynccontextmanager
async def jinlin_run(
    tmp_path: Path, world: TelegramWorld, *, sender_process: bool = False
) -> AsyncIterator[Running]:
    async with BotApiStandIn(world) as server:
        db = backends.database_for(tmp_path / "jinlin.sqlite3")
        config = tmp_path / "config.toml"
        config.write_text(
            _config(server.base_url, db, sender_process=sender_process), encoding="utf-8"
        )
        env = {**os.environ, "JINLIN_TOKEN": world.bot_token, "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--log-level",
            "INFO",
            "run",
            "--config",
            str(config),
            env=env,
            cwd=tmp_path,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # post_init finished once the menus and description are set; fail fast if it died.
            await wait_for(lambda: world.description() or proc.returncode is not None)
            if proc.returncode is not None:
                assert proc.stderr is not None
                raise AssertionError((await proc.stderr.read()).decode())
            yield Running(world, proc, db)
        finally:
            if proc.returncode is None:
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _residents(world: TelegramWorld):
    alice = world.add_user(1001, "Alice", language_code="en")
    bob = world.add_user(1002, "Bob", language_code="en")
    carol = world.add_user(1003, "Carol", language_code="en")
    group = world.add_group(-1003, "Building 3", members=[alice, bob, carol])
    return alice, bob, carol, group


async def medicine_offer_then_request(
    world: TelegramWorld, alice: SimUser, bob: SimUser, group: SimChat
) -> None:
    """Alice offers ibuprofen, Bob asks for it, Alice agrees: Bob is introduced to her."""
    world.send(alice, group, "I have 2 spare boxes of ibuprofen, anyone who needs one?")
    await wait_for(lambda: world.bot_messages_in(group))
    world.send(bob, group, "Does anyone have ibuprofen? my son has a fever")
    await wait_for(lambda: _asks(world, alice))
    world.press(alice, _asks(world, alice)[-1], _asks(world, alice)[-1].button_data()[0])
    await wait_for(lambda: any("Alice" in m.content for m in world.bot_messages_in(bob)))


def _asks(world: TelegramWorld, user) -> list:
    return [
        m for m in world.bot_messages_in(user) if any(d.startswith("y:") for d in m.button_data())
    ]


@pytest.mark.parametrize("sender_process", [False, True], ids=["one_process", "sender_child"])
async def test_run_completes_the_medicine_and_never_started_stories(tmp_path, sender_process):
    world = TelegramWorld()
    alice, bob, carol, group = _residents(world)
    alice.started_bot = bob.started_bot = True
    async with jinlin_run(tmp_path, world, sender_process=sender_process) as bot:
        # One process by default; with the option on SQLite, the outbox's calls come from
        # the sender process (PostgreSQL adds workers instead).
        senders = _sender_children(bot.proc.pid)
        assert len(senders) == (1 if sender_process and not is_postgres_url(bot.db) else 0)
        # Medicine, offer first.
        await medicine_offer_then_request(world, alice, bob, group)
        intro = next(m for m in world.bot_messages_in(bob) if "Alice" in m.content)
        world.press(bob, intro, next(d for d in intro.button_data() if d.startswith("h:")))
        await wait_for(lambda: bot.ledger_holds(("request", "fulfilled", 0.0)))
        assert ("offer", "available", 1.0) in await bot.ledger()

        # Carol never opened the bot: the group gets one deep-link line instead.
        world.send(carol, group, "I have a spare ladder to lend")
        world.send(bob, group, "anyone have a ladder I can borrow?")
        await wait_for(lambda: any(c.error_code == 403 for c in world.failed_calls))
        await wait_for(lambda: "start=" in str(world.bot_messages_in(group)[-1].reply_markup))
        world.start_bot(carol, "go")
        await wait_for(lambda: _asks(world, carol))
        assert "Bob" in _asks(world, carol)[-1].content
        # The welcome first, then what waited for her (the sender process keeps that order).
        assert world.bot_messages_in(carol)[0] not in _asks(world, carol)
        assert all(world.bot_token not in m.content for m in world.messages_in(group))
    _, stderr = await bot.proc.communicate()
    log = stderr.decode()
    assert world.bot_token.split(":")[1] not in log  # the token is never logged
    assert not [pid for pid in senders if Path(f"/proc/{pid}").exists()]  # stopped with it


def _sender_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(c)
        for c in children
        if b"bot.delivery.sender_process" in Path(f"/proc/{c}/cmdline").read_bytes()
    ]


async def test_run_warns_about_privacy_mode_with_the_fix(tmp_path):
    world = TelegramWorld(can_read_all_group_messages=False)
    _residents(world)
    async with jinlin_run(tmp_path, world) as bot:
        pass
    _, stderr = await bot.proc.communicate()
    assert "Privacy mode is ON" in stderr.decode() and "/setprivacy" in stderr.decode()


async def run_once(tmp_path: Path, base_url: str, token: str | None) -> tuple[int, str]:
    """`jinlin run` that is expected to stop by itself: (exit code, log)."""
    config = tmp_path / "config.toml"
    database = backends.database_for(tmp_path / "x.sqlite3")
    config.write_text(_config(base_url, database), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "JINLIN_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    if token is not None:
        env["JINLIN_TOKEN"] = token
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


async def test_run_without_a_token_explains_the_console(tmp_path):
    code, log = await run_once(tmp_path, "http://127.0.0.1:9/bot", None)
    assert code == 2
    assert "JINLIN_TOKEN" in log and "jinlin console" in log


async def test_run_with_a_wrong_token_says_so_and_exits(tmp_path):
    async with BotApiStandIn(TelegramWorld()) as server:
        code, log = await run_once(
            tmp_path, server.base_url, "999:WRONG-TOKEN-abcdefghijklmnopqrstuvwxyz12"
        )
    assert code == 2
    assert "rejected the bot token" in log and "Traceback" not in log
    assert "WRONG-TOKEN" not in log


async def test_run_when_the_bot_api_is_unreachable_says_so_and_exits(tmp_path):
    # Port 9 on loopback: nothing listens there.
    code, log = await run_once(
        tmp_path, "http://127.0.0.1:9/bot", "999:SOME-TOKEN-abcdefghijklmnopqrstuvwxyz123"
    )
    assert code == 1
    assert "cannot reach the Bot API" in log and "Traceback" not in log


async def test_sighup_reloads_the_config_of_a_running_bot(tmp_path):
    world = TelegramWorld()
    _residents(world)
    async with jinlin_run(tmp_path, world) as bot:
        bot.proc.send_signal(signal.SIGHUP)
        assert bot.proc.stderr is not None
        seen = ""
        deadline = time.monotonic() + 15
        while "config reload applied" not in seen and time.monotonic() < deadline:
            line = await asyncio.wait_for(bot.proc.stderr.readline(), 15)
            seen += line.decode()
        assert "config reload applied" in seen
        assert bot.proc.returncode is None  # still running after the reload
