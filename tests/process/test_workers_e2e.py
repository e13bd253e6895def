"""Two real `jinlin run --webhook` workers on one PostgreSQL database (issue 8's proof).

Both workers get every update, twice at once (as a flaky network and Telegram's retries
would deliver them), while residents offer and ask and a captain schedules an event. Then
the worker running the scheduler is killed with SIGKILL. The survivor must take the
scheduler over and send the reminder that falls due afterwards; across it all every offer
and request is recorded once, every request's giver is asked once, and every due reminder
reaches the group once.

Reminders run on real time here (the workers are real processes): the bot's timezone is
picked so that it is midday there, away from quiet hours, and the events are set for
tomorrow at this hour, so their 1-day reminders are just past due (inside the grace).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.telegram_sim.http_server import BotApiStandIn
from bot.telegram_sim.world import SimMessage, TelegramWorld
from tests import backends
from tests.process.test_run_e2e import ONE_BUILDING, ROOT, wait_for
from tests.process.test_webhook_e2e import (
    HEADER,
    PATH,
    PUBLIC,
    SECRET,
    TOKEN,
    Worker,
    _free_port,
    _post,
)

GROUP = -1003
CAPTAIN = 9001
ITEMS = ["ladder", "drill", "umbrella", "hammer", "kettle", "tent"]
ELECTED = "now runs the scheduled jobs"


def _midday_zone() -> ZoneInfo:
    """A fixed-offset zone where it is about noon now (Etc/GMT-N is UTC+N)."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12
    return ZoneInfo(f"Etc/GMT{-offset:+d}") if offset else ZoneInfo("UTC")


def _tomorrow(zone: ZoneInfo, ahead: timedelta) -> tuple[str, str]:
    """Date and minute tomorrow, `ahead` of now (rounded up): when its 1-day reminder is due."""
    when = datetime.now(zone) + timedelta(days=1) + ahead
    when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return when.strftime("%Y-%m-%d"), when.strftime("%H:%M")


def _config(base_url: str, port: int, database: str, zone: ZoneInfo) -> str:
    # Due an hour ago: inside the grace, sent by whichever worker leads first.
    date, time = _tomorrow(zone, timedelta(hours=-1))
    return f"""
[bot]
language = "en"
timezone = "{zone.key}"
database = "{database}"

[telegram]
base_url = "{base_url}"

[webhook]
url = "{PUBLIC}{PATH}"
port = {port}
lease_seconds = 1

{ONE_BUILDING}
[[festivals]]
key = "fair"
name = "Spring fair"
date = "{date}"
time = "{time}"
place = "the square"
reminders = ["1d"]
targets = "all"
"""


async def _start(tmp_path: Path, name: str, server: BotApiStandIn, zone: ZoneInfo) -> Worker:
    port = _free_port()
    database = backends.database_for(tmp_path / "shared.db")
    config = tmp_path / f"{name}.toml"
    config.write_text(_config(server.base_url, port, database, zone), encoding="utf-8")
    env = {
        **os.environ,
        "JINLIN_TOKEN": TOKEN,
        "JINLIN_WEBHOOK_SECRET": SECRET,
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--log-level", "INFO", "run", "--webhook",
            "--config", str(config), env=env, cwd=tmp_path, stderr=out,
        )  # fmt: skip
    worker = Worker(proc, log, port)
    # setWebhook comes last in start-up: once it is set, the server is listening.
    await wait_for(lambda: server.world.webhook_url or proc.returncode is not None, 30)
    if proc.returncode is not None:
        raise AssertionError(worker.log())
    return worker


def _origin(worker: Worker) -> str:
    return f"http://{urlsplit(worker.url).netloc}"


async def _deliver_twice_to_each(workers: list[Worker], update: dict[str, object]) -> None:
    """The update again, to every live worker, twice each, all at once."""
    body = json.dumps(update).encode()
    statuses = await asyncio.gather(
        *(_post(w.url, body, {HEADER: SECRET}) for w in workers for _ in range(2))
    )
    assert set(statuses) == {200}


async def test_two_workers_duplicates_and_a_killed_leader_lose_nothing_and_repeat_nothing(
    tmp_path,
):
    if backends.current() == "sqlite":
        pytest.skip("several workers share a PostgreSQL database")
    zone = _midday_zone()
    world = TelegramWorld(bot_token=TOKEN)
    givers = [world.add_user(1001 + i, f"Giver{i}", language_code="en") for i in range(6)]
    askers = [world.add_user(1101 + i, f"Asker{i}", language_code="en") for i in range(6)]
    captain = world.add_user(CAPTAIN, "Cap", language_code="en")
    group = world.add_group(GROUP, "Building 3", members=[*givers, *askers, captain])
    for person in (*givers, *askers, captain):
        person.started_bot = True
    database = backends.database_for(tmp_path / "shared.db")

    async with BotApiStandIn(world) as server:
        workers = [await _start(tmp_path, "a", server, zone)]
        server.route_webhooks(PUBLIC, _origin(workers[0]))
        world.handle("deleteWebhook", {})  # so the second start is seen too
        workers.append(await _start(tmp_path, "b", server, zone))
        try:
            await wait_for(lambda: any(ELECTED in w.log() for w in workers), 30)
            (leader,) = [w for w in workers if ELECTED in w.log()]
            (survivor,) = [w for w in workers if w is not leader]

            def posts(text: str) -> list[SimMessage]:
                return [m for m in world.bot_messages_in(group) if text in m.content]

            async def say(user, text: str, live: list[Worker]) -> None:
                world.send(user, group, text)
                await _deliver_twice_to_each(live, world.pending_updates()[-1])

            # The first leader sends the fair's reminder, which is due at start.
            await wait_for(lambda: posts("Spring fair"), 30)

            for i in range(3):
                await say(givers[i], f"I have a spare {ITEMS[i]} to lend", workers)
                await say(askers[i], f"anyone have a {ITEMS[i]} I can borrow?", workers)
            await wait_for(lambda: all(_asks(world, givers[i]) for i in range(3)), 30)
            await world.wait_until_idle(quiet=1.0, timeout=30)

            leader.proc.send_signal(signal.SIGKILL)
            await leader.proc.wait()
            killed = asyncio.get_running_loop().time()
            server.route_webhooks(PUBLIC, _origin(survivor))
            # PostgreSQL frees the dead leader's lock at once; the survivor checks every 10 s.
            await wait_for(lambda: ELECTED in survivor.log(), 60)
            takeover = asyncio.get_running_loop().time() - killed
            print(f"the survivor took the scheduler over {takeover:.1f} s after the kill")
            assert takeover < 60

            # Falls due a minute or so from now: only a leader's upkeep after that sends it.
            date, time = _tomorrow(zone, timedelta(seconds=30))
            await say(captain, f"/event add {date} {time} Cleanup day @ the yard", [survivor])
            for i in range(3, 6):
                await say(givers[i], f"I have a spare {ITEMS[i]} to lend", [survivor])
                await say(askers[i], f"anyone have a {ITEMS[i]} I can borrow?", [survivor])
            await wait_for(lambda: all(_asks(world, givers[i]) for i in range(6)), 30)

            # Announced once by the command, then reminded once by the new leader.
            await wait_for(lambda: len(posts("Cleanup day")) >= 2, 240)
            await world.wait_until_idle(quiet=2.0, timeout=30)

            ledger = await backends.fetch(
                database, "SELECT kind, item_name FROM entries ORDER BY id"
            )
            assert sorted(ledger) == sorted(
                [("offer", item) for item in ITEMS] + [("request", item) for item in ITEMS]
            )
            matches = await backends.fetch(database, "SELECT request_id, offer_id FROM matches")
            assert len(matches) == 6 and len({r for r, _ in matches}) == 6
            assert [len(_asks(world, giver)) for giver in givers] == [1] * 6
            assert len(posts("Spring fair")) == 1
            assert len(posts("Cleanup day")) == 2
            unsent = "SELECT id FROM outbox WHERE sent_at IS NULL"
            assert await backends.fetch(database, unsent) == []
            applied = await backends.fetch(database, "SELECT update_id FROM processed_updates")
            assert len(applied) == 6 * 2 + 1
        finally:
            for worker in workers:
                await worker.stop()
        assert "Traceback" not in survivor.log(), survivor.log()


def _asks(world: TelegramWorld, user) -> list[SimMessage]:
    return [
        m for m in world.bot_messages_in(user) if any(d.startswith("y:") for d in m.button_data())
    ]
