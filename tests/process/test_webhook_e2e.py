"""`jinlin run --webhook` as an admin starts it, behind a stand-in for Telegram and nginx.

The bot runs as a real subprocess on a loopback port; the Bot API stand-in POSTs each update
to it with the secret header and retries until it gets a 2xx, as Telegram does. The test
plays residents through the stand-in, and plays an attacker or a flaky network by POSTing
to the bot directly.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import TelegramWorld
from tests import backends
from tests.process.daytime import daytime_zone
from tests.process.test_run_e2e import ONE_BUILDING, ROOT, medicine_offer_then_request, wait_for

SECRET = "s3cret-Webhook_token-0123456789"
PUBLIC = "https://jinlin.test"
PATH = "/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # shaped like a real one, for redaction

# A worker that takes its batch and then hangs, as one that dies right after the 200 would.
STALLING_WORKER = """
import asyncio, sys
import bot.intake.inbox_worker as inbox_worker

async def stall(app, updates, stop):
    print("claimed", [u.update_id for u in updates], file=sys.stderr, flush=True)
    await asyncio.Event().wait()

inbox_worker.apply_updates = stall
from bot.app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(base_url: str, port: int, webhook: str | None = None) -> str:
    if webhook is None:
        webhook = f'url = "{PUBLIC}{PATH}"\nport = {port}\nlease_seconds = 1\n'
    return f"""
[bot]
language = "en"
timezone = "{daytime_zone()}"

[telegram]
base_url = "{base_url}"
poll_timeout = 1

[webhook]
{webhook}

{ONE_BUILDING}"""


class Worker:
    """One `jinlin run --webhook` process; its log goes to a file (DEBUG is chatty)."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path, port: int) -> None:
        self.proc = proc
        self.log_path = log
        self.url = f"http://127.0.0.1:{port}{PATH}"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


class Deployment:
    """The stand-in (Telegram + nginx), the database, and the workers started on it."""

    def __init__(self, tmp_path: Path, world: TelegramWorld, server: BotApiStandIn) -> None:
        self.tmp_path = tmp_path
        self.world = world
        self.server = server
        self.database = backends.database_for(tmp_path / "x.db")
        self.port = _free_port()
        server.route_webhooks(PUBLIC, f"http://127.0.0.1:{self.port}")
        self.config = tmp_path / "config.toml"
        self.config.write_text(_config(server.base_url, self.port), encoding="utf-8")
        self.workers: list[Worker] = []

    async def start(self, *, stalling: bool = False, log_level: str = "INFO") -> Worker:
        env = {
            **os.environ,
            "JINLIN_TOKEN": self.world.bot_token,
            "JINLIN_WEBHOOK_SECRET": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        entry = ["-c", STALLING_WORKER] if stalling else ["-m", "bot"]
        log = self.tmp_path / f"worker{len(self.workers)}.log"
        args = ["--log-level", log_level, "run", "--webhook", "--config", str(self.config)]
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, *entry, *args, "--db", self.database,
                env=env, cwd=self.tmp_path, stderr=out,
            )  # fmt: skip
        worker = Worker(proc, log, self.port)
        self.workers.append(worker)
        # setWebhook comes last in start-up: once it is set, the server is listening.
        self.world.handle("deleteWebhook", {})
        await wait_for(lambda: self.world.webhook_url or proc.returncode is not None, 30)
        if proc.returncode is not None:
            raise AssertionError(worker.log())
        return worker

    async def ledger(self) -> list[tuple[Any, ...]]:
        return await backends.fetch(self.database, "SELECT kind, status FROM entries ORDER BY id")

    async def inbox(self) -> list[tuple[Any, ...]]:
        return await backends.fetch(self.database, "SELECT update_id, claimed_by FROM inbox")

    async def inbox_emptied(self, timeout: float = 15.0) -> None:
        """Wait until every stored update was applied and forgotten."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.inbox():
            assert asyncio.get_running_loop().time() < deadline, "the inbox never emptied"
            await asyncio.sleep(0.05)


@asynccontextmanager
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    world = TelegramWorld(bot_token=TOKEN)
    async with BotApiStandIn(world) as server:
        deployed = Deployment(tmp_path, world, server)
        try:
            yield deployed
        finally:
            for worker in deployed.workers:
                await worker.stop()


def _residents(world: TelegramWorld):
    alice = world.add_user(1001, "Alice", language_code="en")
    bob = world.add_user(1002, "Bob", language_code="en")
    group = world.add_group(-1003, "Building 3", members=[alice, bob])
    alice.started_bot = bob.started_bot = True
    return alice, bob, group


async def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers or {}) as response,
    ):
        return response.status


async def test_an_offer_and_a_request_by_webhook_end_in_a_private_introduction(tmp_path):
    async with deployment(tmp_path) as d:
        world = d.world
        alice, bob, group = _residents(world)
        worker = await d.start(log_level="DEBUG")
        info = world.handle("getWebhookInfo", {})[1]["result"]
        assert info["url"] == f"{PUBLIC}{PATH}"
        assert {"message", "callback_query", "my_chat_member"} <= set(info["allowed_updates"])

        await medicine_offer_then_request(world, alice, bob, group)

        assert {kind for kind, _ in await d.ledger()} == {"offer", "request"}
        await wait_for(lambda: not world.pending_updates())
        await d.inbox_emptied()  # applied, then forgotten
        # Getting updates by polling is refused while the webhook is set, as on Telegram.
        status, body = await world.handle_async("getUpdates", {})
        assert status == 409 and body["error_code"] == 409 and "webhook" in body["description"]
        await worker.stop()
        log = worker.log()
        assert SECRET not in log and world.bot_token.split(":")[1] not in log
        assert "Traceback" not in log


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_happens(tmp_path):
    async with deployment(tmp_path) as d:
        world = d.world
        alice, _, group = _residents(world)
        worker = await d.start()
        update = json.dumps(
            {
                "update_id": 900,
                "message": {
                    "message_id": 5,
                    "date": 1_700_000_000,
                    "chat": {"id": group.id, "type": "group", "title": "Building 3"},
                    "from": {"id": alice.id, "is_bot": False, "first_name": "Alice"},
                    "text": "I have a spare ladder to lend",
                },
            }
        ).encode()
        assert await _post(worker.url, update) == 403
        assert await _post(worker.url, update, {HEADER: "wrong"}) == 403
        assert await _post(worker.url, update, {HEADER: SECRET[:-1]}) == 403
        # Only POST, only on the configured path; bodies are bounded.
        async with (
            aiohttp.ClientSession() as session,
            session.get(worker.url, headers={HEADER: SECRET}) as response,
        ):
            assert response.status == 405
        other = worker.url.replace(PATH, "/elsewhere")
        assert await _post(other, update, {HEADER: SECRET}) == 404
        assert await _post(worker.url, b" " * (2 * 1024 * 1024), {HEADER: SECRET}) == 413

        assert await d.inbox() == [] and await d.ledger() == []
        assert world.bot_messages_in(group) == []
        assert worker.proc.returncode is None


async def test_malformed_json_gets_400_and_the_server_keeps_serving(tmp_path):
    async with deployment(tmp_path) as d:
        world = d.world
        alice, _, group = _residents(world)
        worker = await d.start()
        secret = {HEADER: SECRET}
        assert await _post(worker.url, b"{not json", secret) == 400
        assert await _post(worker.url, b"\xff\xfe\x00", secret) == 400
        assert await _post(worker.url, b"[1, 2]", secret) == 400
        assert await _post(worker.url, b'{"update_id": "7"}', secret) == 400
        assert await d.inbox() == []

        world.send(alice, group, "I have a spare ladder to lend")
        await wait_for(lambda: world.bot_messages_in(group))
        assert await d.ledger() == [("offer", "available")]


async def test_one_update_delivered_three_times_at_once_counts_once(tmp_path):
    async with deployment(tmp_path) as d:
        world = d.world
        alice, _, group = _residents(world)
        worker = await d.start()
        world.send(alice, group, "I have a spare ladder to lend")
        # The stand-in delivers it; a flaky network delivers it twice more, concurrently.
        update = json.dumps(world.pending_updates()[-1]).encode()
        statuses = await asyncio.gather(
            _post(worker.url, update, {HEADER: SECRET}),
            _post(worker.url, update, {HEADER: SECRET}),
        )
        assert statuses == [200, 200]
        await wait_for(lambda: world.bot_messages_in(group))
        await world.wait_until_idle(quiet=0.5, timeout=15)  # a second effect would show
        assert await d.ledger() == [("offer", "available")]
        assert len(world.bot_messages_in(group)) == 1
        # The same update once more, after it was applied and forgotten: still nothing new.
        assert await _post(worker.url, update, {HEADER: SECRET}) == 200
        await wait_for(lambda: "already applied" in worker.log())
        assert len(world.bot_messages_in(group)) == 1
        await d.inbox_emptied()


async def test_a_worker_killed_after_the_200_leaves_the_update_to_the_next_one(tmp_path):
    async with deployment(tmp_path) as d:
        world = d.world
        alice, _, group = _residents(world)
        first = await d.start(stalling=True)
        world.send(alice, group, "I have a spare ladder to lend")
        await wait_for(lambda: "claimed" in first.log())
        assert not world.pending_updates()  # Telegram got its 200 and forgot the update
        first.proc.send_signal(signal.SIGKILL)
        await first.proc.wait()
        assert world.bot_messages_in(group) == [] and await d.ledger() == []
        [(_, claimed_by)] = await d.inbox()
        assert claimed_by  # still claimed by the dead worker

        await d.start()  # its lease has ended by now (lease_seconds = 1)
        await wait_for(lambda: world.bot_messages_in(group))
        await world.wait_until_idle(quiet=0.5, timeout=15)
        assert await d.ledger() == [("offer", "available")]
        assert len(world.bot_messages_in(group)) == 1
        await d.inbox_emptied()


async def test_polling_removes_a_webhook_left_over(tmp_path):
    from tests.process.test_run_e2e import jinlin_run

    world = TelegramWorld()
    world.handle("setWebhook", {"url": f"{PUBLIC}{PATH}", "secret_token": SECRET})
    async with jinlin_run(tmp_path, world):
        await wait_for(lambda: not world.webhook_url)


def _env_without_secret() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "JINLIN_WEBHOOK_SECRET"}


async def _refusal(tmp_path: Path, webhook: str | None, env: dict[str, str]) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    text = _config("http://127.0.0.1:9/bot", 8080, webhook or "")
    if webhook is None:
        text = text.replace("[webhook]\n", "")
    config.write_text(text, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", "--config", str(config),
        env={**_env_without_secret(), "PYTHONPATH": str(ROOT), "JINLIN_TOKEN": "1:x", **env},
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, stderr.decode()


async def test_webhook_mode_refuses_a_missing_or_broken_section_in_one_line(tmp_path):
    url = f'url = "{PUBLIC}{PATH}"\n'
    cases = [
        (None, {}, "no [webhook] section"),
        (url, {}, "JINLIN_WEBHOOK_SECRET"),
        (url, {"JINLIN_WEBHOOK_SECRET": "has spaces in it"}, "A-Z a-z 0-9 _ -"),
        (url + 'secret_token = "bad/secret"\n', {}, "webhook.secret_token"),
        ('url = "http://jinlin.test/hook"\nsecret_token = "ok"\n', {}, "webhook.url"),
    ]
    for webhook, env, reason in cases:
        code, log = await _refusal(tmp_path, webhook, env)
        assert code == 2, log
        assert reason in log and len(log.strip().splitlines()) == 1, log
        assert "Traceback" not in log
