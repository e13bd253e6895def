"""An operator watches a running bot: the log says what they need at INFO (in JSON if asked),
and `/healthz` and `/metrics` answer on the port they chose, in long polling mode too."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from tests import backends
from tests.harness import Building
from tests.process.daytime import daytime_zone
from tests.process.test_run_e2e import ONE_BUILDING, ROOT, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Watched:
    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port
        self.log: list[str] = []

    async def get(self, path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.port}{path}") as response,
        ):
            return response.status, await response.text()

    async def read_log_until(self, needle: str) -> None:
        assert self.proc.stderr is not None
        while not any(needle in line for line in self.log):
            line = await asyncio.wait_for(self.proc.stderr.readline(), 15)
            if not line:
                raise AssertionError("the bot stopped:\n" + "".join(self.log))
            self.log.append(line.decode())


@asynccontextmanager
async def watched_run(
    tmp_path: Path, world: TelegramWorld, extra: str = ""
) -> AsyncIterator[Watched]:
    async with BotApiStandIn(world) as server:
        db = backends.database_for(tmp_path / "jinlin.sqlite3")
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\nlanguage = "en"\ndatabase = "{db}"\ntimezone = "{daytime_zone()}"\n\n'
            f'[telegram]\nbase_url = "{server.base_url}"\npoll_timeout = 1\n\n'
            f"{extra}\n{ONE_BUILDING}",
            encoding="utf-8",
        )
        port = free_port()
        env = {**os.environ, "JINLIN_TOKEN": world.bot_token, "PYTHONPATH": str(ROOT)}
        # No --log-level: what an operator gets by default.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            "--monitoring-port", str(port),
            env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        watched = Watched(proc, port)
        try:
            await watched.read_log_until("health and metrics on")
            yield watched
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def test_the_default_log_says_who_the_bot_is_and_what_it_serves(tmp_path):
    world = TelegramWorld()
    async with watched_run(tmp_path, world) as bot:
        log = "".join(bot.log)
        assert f"connected as @{world.bot.username}" in log
        assert "serving 1 groups, 1 buildings, 1 communities" in log
        assert "http://127.0.0.1:" in log  # the monitoring address, loopback by default


async def test_health_and_metrics_follow_what_residents_do(tmp_path):
    world = TelegramWorld()
    alice = world.add_user(1001, "Alice", language_code="en")
    group = world.add_group(-1003, "Building 3", members=[alice])
    async with watched_run(tmp_path, world) as bot:
        status, body = await bot.get("/healthz")
        health = json.loads(body)
        assert status == 200 and health["ok"] is True
        assert health["database"] == "ok" and health["telegram"] == "ok"
        assert health["outbox_backlog"] == 0

        world.send(alice, group, "I have a spare ladder to lend")
        await wait_for(lambda: world.bot_messages_in(group))
        await wait_for(lambda: _applied(bot))

        status, metrics = await bot.get("/metrics")
        assert status == 200
        assert _value(metrics, "jinlin_updates_total") >= 1
        assert _value(metrics, 'jinlin_entries{kind="offer",status="available"}') == 1
        assert _value(metrics, "jinlin_sends_total") >= 1
        assert _value(metrics, "jinlin_parse_seconds_count") >= 1
        assert _value(metrics, "jinlin_outbox_depth") == 0
        # Nothing noisy per update at the default level.
        assert not [line for line in bot.log if "GET /metrics" in line or "POST" in line]


async def _applied(bot: Watched) -> bool:
    health = json.loads((await bot.get("/healthz"))[1])
    return health["last_update_applied"] is not None


def _value(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics:\n{exposition}")


async def test_json_logs_when_the_config_asks(tmp_path):
    world = TelegramWorld()
    async with watched_run(tmp_path, world, '[logging]\nformat = "json"\n') as bot:
        records = [json.loads(line) for line in bot.log if line.startswith("{")]
        assert any(r["message"].startswith("connected as @") for r in records)
        assert {"time", "level", "logger", "message"} <= set(records[0])


async def test_sends_and_refused_sends_are_counted():
    async with Building() as b:
        registry = b.app.bot_data.require().metrics.registry
        b.opened_bot(b.bob)  # Alice never opened the bot: her private question is refused
        await b.say(b.alice, "I have a spare ladder to lend")
        await b.say(b.bob, "anyone have a ladder I can borrow?")
        refused = registry.get_sample_value("jinlin_send_failures_total", {"reason": "refused"})
        assert refused == 1
        # The acknowledgements and the group line that stands in for the refused question.
        assert (registry.get_sample_value("jinlin_sends_total") or 0) >= 3
        assert registry.get_sample_value("jinlin_updates_total") == 2
