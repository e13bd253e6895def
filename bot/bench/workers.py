"""`jinlin bench workers`: one SQLite process next to 1, 2 and 4 webhook workers on PostgreSQL.

The same town, ledger and traffic as `jinlin bench load`, in two deployment shapes:

- **sqlite ×1**: the default, one process long-polling the Bot API stand-in;
- **postgresql ×N**: N `jinlin run --webhook` worker processes sharing one PostgreSQL
  database. The stand-in plays Telegram and nginx: it POSTs every update to the workers in
  turn (round robin), each stores it in the shared inbox and any worker applies it.

For each shape: **updates/s** clearing a backlog of mixed traffic (70 % chatter, 15 % offers,
15 % requests over every group) — done when Telegram has delivered everything and the inbox is
empty; **intro p50/p99**: a matching request reaching Telegram → the giver's private question
reaching it, one request at a time. Flood limits are off (their waits are deliberate).

PostgreSQL: `--postgres URL` (or JINLIN_BENCH_POSTGRES), an admin URL of a server on this
machine where the benchmark may create and drop a database; `./run bench workers` starts a
throwaway server on 127.0.0.1 by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.bench.load import (
    CHATTER,
    TOKEN,
    make_town,
    measure_latency,
    percentile,
    populate,
    seed,
    send_mixed_traffic,
    usable_items,
)
from bot.core.config import parse_config

SECRET = "bench-webhook-secret"
PUBLIC_URL = "https://bench.jinlin.invalid/telegram/webhook"


# --- the bot processes ------------------------------------------------------------------------


def _worker_process(config_data: Mapping[str, Any], database: str, port: int) -> None:
    import logging

    from bot.app.application import build_application
    from bot.app.webhook_mode import WebhookLaunch, allowed_updates_for, run_webhook

    # Warnings and errors of the workers reach the benchmark's stderr: a stall has a reason.
    logging.basicConfig(level=logging.WARNING, format="  worker %(process)d: %(message)s")
    config = parse_config(dict(config_data))
    app = build_application(
        config, token=TOKEN, database=database, rate_limit=False, with_job_queue=False
    )
    launch = WebhookLaunch(
        url=PUBLIC_URL,
        listen="127.0.0.1",
        port=port,
        path=urlsplit(PUBLIC_URL).path,
        secret=SECRET,
        max_connections=40,
        lease=timedelta(seconds=30),
    )
    asyncio.run(run_webhook(app, launch, allowed_updates=allowed_updates_for(app)))


def _polling_process(config_data: Mapping[str, Any], database: str) -> None:
    from bot.bench.load import _bot_process

    _bot_process(config_data, database)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- one shape ----------------------------------------------------------------------------------


@dataclass
class ShapeResult:
    backend: str
    workers: int
    throughput: float
    latency_ms: list[float]


async def _wait(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not await condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"gave up waiting for {what}{_diagnosis()}")
        await asyncio.sleep(0.01)


def _nothing_to_add() -> str:
    return ""


# What the stand-in says about its deliveries, added to a timeout's message.
_diagnosis: Callable[[], str] = _nothing_to_add


def _database_url(admin: str, name: str) -> str:
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


async def run_shape(
    backend: str,
    workers: int,
    *,
    admin_url: str,
    entries: int,
    groups: int,
    residents: int,
    updates: int,
    latency_samples: int,
) -> ShapeResult:
    import asyncpg

    from bot.telegram_sim.http_server import BotApiStandIn
    from bot.tools.migrate_db import migrate
    from storage.repository import Repository

    workdir = Path(tempfile.mkdtemp(prefix="jinlin-bench-workers-"))
    sqlite_file = workdir / "bench.sqlite3"
    pg_name = f"jinlin_bench_{uuid.uuid4().hex[:8]}"
    try:
        town = make_town(groups, residents, sqlite_file)
        items = usable_items(town.config)
        await (await Repository.open(sqlite_file)).close()
        seed(sqlite_file, town, entries, items)
        database = str(sqlite_file)
        inbox: asyncpg.Connection | None = None
        if backend == "postgresql":
            admin = await asyncpg.connect(admin_url)
            try:
                await admin.execute(f"CREATE DATABASE {pg_name}")
            finally:
                await admin.close()
            database = _database_url(admin_url, pg_name)
            await migrate(sqlite_file, database)  # the same seeded ledger, verified
            inbox = await asyncpg.connect(database)

        world, chats, people = populate(groups, residents)

        async def drained() -> bool:
            if world.pending_updates():
                return False
            if inbox is None:
                return True
            return await inbox.fetchval("SELECT COUNT(*) FROM inbox") == 0

        global _diagnosis

        def diagnosis() -> str:
            info = world.handle("getWebhookInfo", {})[1].get("result", {})
            return f" (pending {len(world.pending_updates())}, webhook {info})"

        _diagnosis = diagnosis
        ports = [_free_port() for _ in range(workers)]
        turn = iter(range(10**12))

        class Balancer(BotApiStandIn):
            """Telegram and nginx: POSTs go to the workers in turn."""

            async def _post_update(self, session: Any, target: str, update: Any) -> int | str:
                port = ports[next(turn) % len(ports)]
                local = f"http://127.0.0.1:{port}{urlsplit(target).path}"
                return await super()._post_update(session, local, update)

        spawn = multiprocessing.get_context("spawn")
        async with Balancer(world) as server:
            town.config_data["telegram"]["base_url"] = server.base_url
            server.route_webhooks("https://bench.jinlin.invalid", f"http://127.0.0.1:{ports[0]}")
            if backend == "postgresql":
                processes = [
                    spawn.Process(
                        target=_worker_process,
                        args=(town.config_data, database, port),
                        daemon=True,
                    )
                    for port in ports
                ]
            else:
                processes = [
                    spawn.Process(
                        target=_polling_process, args=(town.config_data, database), daemon=True
                    )
                ]
            for process in processes:
                process.start()
            try:

                async def started() -> bool:
                    if backend == "postgresql":
                        return bool(world.webhook_url)
                    return bool(world.description())

                await _wait(started, 120, "the bot to start")
                await asyncio.sleep(1.0 if backend == "postgresql" else 0)  # every worker up
                rng = random.Random(entries)
                for n in range(200):  # warm-up: code paths, caches, connections
                    g = rng.randrange(groups)
                    world.send(people[g][n % residents], chats[g], rng.choice(CHATTER))
                await _wait(drained, 120, "warm-up")

                latency = await measure_latency(world, chats, people, sqlite_file, latency_samples)
                start = time.perf_counter()
                send_mixed_traffic(world, chats, people, items, updates)
                await _wait(drained, 900, "the backlog to drain")
                done = time.perf_counter()
                # As in bench load: done when the last answer reached Telegram too.
                await world.wait_until_idle(quiet=0.3, timeout=600)
                throughput = updates / (max(done, world.last_answer) - start)
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    # Off the loop: the stand-in must keep answering while the bots stop.
                    await asyncio.to_thread(process.join, 15)
                    if process.is_alive():
                        process.kill()
                if inbox is not None:
                    await inbox.close()
        return ShapeResult(backend, workers, throughput, latency)
    finally:
        if backend == "postgresql":
            admin = await asyncpg.connect(admin_url)
            try:
                await admin.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
            finally:
                await admin.close()
        shutil.rmtree(workdir, ignore_errors=True)


# --- report -------------------------------------------------------------------------------------


def report(results: Sequence[list[ShapeResult]], runs: int, entries: int) -> str:
    lines = [
        f"{os.cpu_count()} cores; {entries:,} open entries; medians of {runs} run(s)",
        "shape           | workers | updates/s | vs sqlite | intro p50 | intro p99",
    ]
    base = statistics.median(r.throughput for r in results[0]) if results else 0.0
    for shape in results:
        first = shape[0]
        rate = statistics.median(r.throughput for r in shape)
        p50 = statistics.median(percentile(r.latency_ms, 50) for r in shape)
        p99 = statistics.median(percentile(r.latency_ms, 99) for r in shape)
        lines.append(
            f"{first.backend:<15} | {first.workers:>7} | {rate:>9.0f} | "
            f"{rate / base if base else 0:>8.2f}x | {p50:>7.1f}ms | {p99:>7.1f}ms"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="jinlin bench workers")
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker counts")
    parser.add_argument("--postgres", default=os.environ.get("JINLIN_BENCH_POSTGRES", ""))
    parser.add_argument("--entries", type=int, default=10_000, help="open ledger entries")
    parser.add_argument("--runs", type=int, default=1, help="repetitions per shape")
    parser.add_argument("--updates", type=int, default=3000, help="mixed updates per run")
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--residents", type=int, default=10, help="residents per group")
    parser.add_argument("--latency-samples", type=int, default=100)
    args = parser.parse_args(list(argv))
    if not args.postgres.startswith(("postgresql://", "postgres://")):
        print(
            "✗ jinlin bench workers needs a PostgreSQL admin URL: --postgres URL or "
            "JINLIN_BENCH_POSTGRES (./run bench workers starts a throwaway server)",
            file=sys.stderr,
        )
        return 2
    host = urlsplit(args.postgres).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        print("✗ the benchmark only talks to a server on this machine (127.0.0.1)", file=sys.stderr)
        return 2
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    shapes = [("sqlite", 1)] + [("postgresql", n) for n in counts]
    results: list[list[ShapeResult]] = []
    for backend, workers in shapes:
        runs: list[ShapeResult] = []
        for run in range(args.runs):
            result = asyncio.run(
                run_shape(
                    backend,
                    workers,
                    admin_url=args.postgres,
                    entries=args.entries,
                    groups=args.groups,
                    residents=args.residents,
                    updates=args.updates,
                    latency_samples=args.latency_samples,
                )
            )
            runs.append(result)
            print(
                f"  [{backend} ×{workers}, run {run + 1}/{args.runs}] "
                f"{result.throughput:.0f} updates/s, intro p99 "
                f"{percentile(result.latency_ms, 99):.1f} ms",
                file=sys.stderr,
                flush=True,
            )
        results.append(runs)
    print(report(results, args.runs, args.entries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
