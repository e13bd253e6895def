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
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import uvloop

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
    work = run_webhook(app, launch, allowed_updates=allowed_updates_for(app))
    profile = os.environ.get("JINLIN_BENCH_PROFILE")
    if not profile:
        uvloop.run(work)
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        uvloop.run(work)  # SIGTERM stops it cleanly (bot/intake/life.py): then the dump
    finally:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{os.getpid()}")


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
    updates: int = 0
    load: float = 0.0  # the machine's 1-minute load average when the run started
    cpu_bot: float = 0.0  # CPU seconds of the bot processes while the backlog drained
    cpu_postgres: float = 0.0  # … of the PostgreSQL server's processes
    cpu_per_worker: list[float] = field(default_factory=list)
    cpu_harness: float = 0.0  # … of this process: the Telegram stand-in and the traffic
    seconds: float = 0.0  # how long the backlog took to drain
    stalls: list[str] = field(default_factory=list)  # PostgreSQL's view when progress stopped
    rollbacks: int = 0  # transactions rolled back while the backlog drained (conflicts, retried)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _family_cpu(pids: Sequence[int]) -> dict[int, float]:
    """CPU seconds of these processes and of their children, by pid."""
    found = {}
    for pid in pids:
        for member in (pid, *_children(pid)):
            found[member] = _cpu_seconds(member)
    return found


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    # A process born in between counts whole; one that ended in between is lost (few: the
    # bots' connections stay open through the backlog).
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


async def _rollbacks(conn: Any) -> int:
    """Transactions rolled back in the benchmark's database so far (PostgreSQL's statistics,
    which each backend reports within a second)."""
    if conn is None:
        return 0
    await asyncio.sleep(1.1)
    found = await conn.fetchval(
        "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    )
    return int(found or 0)


async def _postmaster(conn: Any) -> int | None:
    """The server's main process, if it runs on this machine (its backends are its children)."""
    backend = await conn.fetchval("SELECT pg_backend_pid()")
    try:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1])


_STALL_SECONDS = 2.0
_ACTIVITY = r"""SELECT pid, state, wait_event_type, wait_event, xact_start,
       now() - query_start AS running, left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid()"""
_LOCKS = """SELECT l.pid, l.locktype, l.relation::regclass AS relation, l.mode, l.granted
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE a.datname = current_database() AND NOT l.granted"""


async def _pg_view(conn: Any) -> str:
    """pg_stat_activity and the waiting pg_locks of the benchmark's database, as text."""
    lines = ["pg_stat_activity:"]
    lines += [f"  {dict(r)}" for r in await conn.fetch(_ACTIVITY)]
    lines.append("pg_locks not granted:")
    lines += [f"  {dict(r)}" for r in await conn.fetch(_LOCKS)]
    return "\n".join(lines)


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


async def _watch(database: str | None, stalls: list[str]) -> None:
    """While the backlog drains: when the inbox stops shrinking for a while, PostgreSQL's
    own view of who waits on what, noted once per stall."""
    if database is None:
        return
    import asyncpg

    conn = await asyncpg.connect(database)
    try:
        await _watch_on(conn, stalls)
    finally:
        await conn.close()


async def _watch_on(conn: Any, stalls: list[str]) -> None:
    last, since, noted = -1, time.perf_counter(), False
    while True:
        await asyncio.sleep(0.25)
        waiting = await conn.fetchval("SELECT COUNT(*) FROM inbox")
        now = time.perf_counter()
        if waiting != last or waiting == 0:
            last, since, noted = waiting, now, False
            continue
        if not noted and now - since >= _STALL_SECONDS:
            noted = True
            view = await _pg_view(conn)
            stalls.append(f"{waiting} updates waiting, none applied for {now - since:.1f}s\n{view}")
            print(f"  stall: {stalls[-1]}", file=sys.stderr, flush=True)


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

    load = load_average()
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
            # Asked every 10 ms, on PostgreSQL's cores which the workers share: the oldest
            # row by the primary key, where a COUNT (or EXISTS, a table scan) went through
            # every row applied and deleted since the last vacuum.
            return (
                await inbox.fetchval("SELECT update_id FROM inbox ORDER BY update_id LIMIT 1")
                is None
            )

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
                bots = [p.pid for p in processes if p.pid is not None]
                postmaster = await _postmaster(inbox) if inbox is not None else None
                servers = [postmaster] if postmaster else []
                cpu_before = _family_cpu(bots), _family_cpu(servers)
                rollbacks_before = await _rollbacks(inbox)
                per_worker_before = [_cpu_seconds(pid) for pid in bots]
                harness_before = _cpu_seconds(os.getpid())
                start = time.perf_counter()
                send_mixed_traffic(world, chats, people, items, updates)
                stalls: list[str] = []
                watching = asyncio.ensure_future(
                    _watch(database if backend == "postgresql" else None, stalls)
                )
                try:
                    await _wait(drained, 900, "the backlog to drain")
                finally:
                    watching.cancel()
                done = time.perf_counter()
                # As in bench load: done when the last answer reached Telegram too.
                await world.wait_until_idle(quiet=0.3, timeout=600)
                seconds = max(done, world.last_answer) - start
                throughput = updates / seconds
                cpu_after = _family_cpu(bots), _family_cpu(servers)
                harness = _cpu_seconds(os.getpid()) - harness_before
                rollbacks = await _rollbacks(inbox) - rollbacks_before
                per_worker = [
                    _cpu_seconds(pid) - was
                    for pid, was in zip(bots, per_worker_before, strict=True)
                ]
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
        return ShapeResult(
            backend,
            workers,
            throughput,
            latency,
            updates=updates,
            load=load,
            cpu_bot=_cpu_used(cpu_before[0], cpu_after[0]),
            cpu_postgres=_cpu_used(cpu_before[1], cpu_after[1]),
            cpu_per_worker=per_worker,
            cpu_harness=harness,
            seconds=seconds,
            stalls=stalls,
            rollbacks=rollbacks,
        )
    finally:
        if backend == "postgresql":
            admin = await asyncpg.connect(admin_url)
            try:
                await admin.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
            finally:
                await admin.close()
        shutil.rmtree(workdir, ignore_errors=True)


# --- report -------------------------------------------------------------------------------------


def _below_half(shape: Sequence[ShapeResult]) -> list[ShapeResult]:
    middle = statistics.median(r.throughput for r in shape)
    return [r for r in shape if r.throughput < middle / 2]


def _cores_busy(shape: Sequence[ShapeResult]) -> str:
    """How much of the machine a shape kept busy while its backlog drained (medians): what a
    shape with more workers can still gain on the same cores is at most what is left."""
    med = statistics.median

    def busy(cpu: Callable[[ShapeResult], float]) -> float:
        return med(cpu(r) / r.seconds if r.seconds else 0.0 for r in shape)

    parts = (
        busy(lambda r: r.cpu_bot),
        busy(lambda r: r.cpu_postgres),
        busy(lambda r: r.cpu_harness),
    )
    total = busy(lambda r: r.cpu_bot + r.cpu_postgres + r.cpu_harness)
    return (
        f"{total:.2f} of {os.cpu_count()} (bot {parts[0]:.2f}, PostgreSQL {parts[1]:.2f}, "
        f"Telegram stand-in and traffic {parts[2]:.2f})"
    )


def report(
    results: Sequence[list[ShapeResult]], peer: Sequence[float], runs: int, entries: int
) -> str:
    med = statistics.median
    peer_rate = med(peer) if peer else 0.0
    lines = [
        f"jinlin bench workers — {os.cpu_count()} cores; {entries:,} open entries; "
        f"medians of {runs} run(s); flood limiter off",
        "shape      | workers | updates/s | vs sqlite | vs bare PTB | intro p50 | intro p99 | "
        "bot CPU/update | PG CPU/update | load",
    ]
    base = med(r.throughput for r in results[0]) if results else 0.0
    for shape in results:
        first = shape[0]
        rate = med(r.throughput for r in shape)
        p50 = med(percentile(r.latency_ms, 50) for r in shape)
        p99 = med(percentile(r.latency_ms, 99) for r in shape)
        bot_cpu = med(r.cpu_bot / r.updates * 1000 for r in shape)
        pg_cpu = med(r.cpu_postgres / r.updates * 1000 for r in shape)
        pg = f"{pg_cpu:>10.2f} ms" if first.backend == "postgresql" else f"{'—':>13}"
        lines.append(
            f"{first.backend:<10} | {first.workers:>7} | {rate:>9.0f} | "
            f"{rate / base if base else 0:>8.2f}x | "
            f"{f'{rate / peer_rate:.2f}x' if peer_rate else '—':>11} | {p50:>7.1f}ms | "
            f"{p99:>7.1f}ms | "
            f"{bot_cpu:>11.2f} ms | {pg} | {med(r.load for r in shape):.2f}"
        )
    if peer:
        lines.append(
            f"bare PTB   | {'1':>7} | {peer_rate:>9.0f} | (run_polling, one reply per message; "
            f"the same stand-in and traffic)"
        )
    lines.append(
        "(updates/s: until the last answer reached Telegram; CPU/update: CPU seconds of the "
        "bot's processes, and of every PostgreSQL process, while the backlog drained, per "
        "update; load: 1-minute load average when each run started)"
    )
    lines.append("runs (updates/s, intro p99, load; ! = below half the shape's median):")
    for shape in results:
        low = _below_half(shape)
        cells = ", ".join(
            f"{'!' if r in low else ''}{r.throughput:.0f} ({percentile(r.latency_ms, 99):.0f} ms, "
            f"{r.load:.1f})"
            for r in shape
        )
        lines.append(f"  {shape[0].backend} ×{shape[0].workers}: {cells}")
        if shape[0].backend == "postgresql":
            lines.append(
                "    transactions rolled back (conflicts, run again): "
                + ", ".join(str(r.rollbacks) for r in shape)
            )
        per_worker = [
            "/".join(f"{c:.1f}" for c in r.cpu_per_worker) for r in shape if r.workers > 1
        ]
        if per_worker:
            lines.append(f"    CPU s per worker: {', '.join(per_worker)}")
        lines.append(f"    cores busy: {_cores_busy(shape)}")
    if peer:
        lines.append("  bare PTB: " + ", ".join(f"{rate:.0f}" for rate in peer))
    stalls = [s for shape in results for r in shape for s in r.stalls]
    lines.append(f"stalls seen (no update applied for {_STALL_SECONDS:.0f}s): {len(stalls)}")
    return "\n".join(lines)


def targets(results: Sequence[list[ShapeResult]], peer: Sequence[float]) -> list[str]:
    med = statistics.median
    rates = {(s[0].backend, s[0].workers): med(r.throughput for r in s) for s in results}
    sqlite, pg1, pg2 = (
        rates.get(("sqlite", 1)),
        rates.get(("postgresql", 1)),
        rates.get(("postgresql", 2)),
    )
    checks = []
    if sqlite and peer:
        checks.append(("sqlite ×1 ≥ 1.0× the bare PTB bot", sqlite >= med(peer)))
    if sqlite and pg1:
        checks.append(("postgresql ×1 ≥ 0.5× sqlite ×1", pg1 >= 0.5 * sqlite))
    if pg1 and pg2:
        checks.append(("postgresql ×2 ≥ 1.6× postgresql ×1", pg2 >= 1.6 * pg1))
    checks.append(
        (
            "intro p99 ≤ 50 ms in every shape",
            all(med(percentile(r.latency_ms, 99) for r in s) <= 50 for s in results),
        )
    )
    for shape in results:
        if len(shape) >= 3:
            checks.append(
                (
                    f"no run of {shape[0].backend} ×{shape[0].workers} below half its median "
                    f"({len(shape)} runs)",
                    not _below_half(shape),
                )
            )
    return [f"{'✓' if ok else '✗'} {name}" for name, ok in checks]


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
    parser.add_argument(
        "--shapes",
        default="sqlite,postgresql,peer",
        help="what to measure: sqlite (×1), postgresql (×each of --workers), peer (bare PTB)",
    )
    args = parser.parse_args(list(argv))
    wanted = {w.strip() for w in args.shapes.split(",")}
    if "postgresql" in wanted and not args.postgres.startswith(("postgresql://", "postgres://")):
        print(
            "✗ jinlin bench workers needs a PostgreSQL admin URL: --postgres URL or "
            "JINLIN_BENCH_POSTGRES (./run bench workers starts a throwaway server)",
            file=sys.stderr,
        )
        return 2
    host = urlsplit(args.postgres).hostname or ""
    if "postgresql" in wanted and host not in ("127.0.0.1", "localhost", "::1"):
        print("✗ the benchmark only talks to a server on this machine (127.0.0.1)", file=sys.stderr)
        return 2
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    shapes = [("sqlite", 1)] if "sqlite" in wanted else []
    if "postgresql" in wanted:
        shapes += [("postgresql", n) for n in counts]
    results: dict[tuple[str, int], list[ShapeResult]] = {shape: [] for shape in shapes}
    peer: list[float] = []
    # Run by run, every shape in turn: a change in the machine's load hits them all.
    for run in range(args.runs):
        for backend, workers in shapes:
            # The stand-in and the traffic share the machine's cores with the bots: on uvloop,
            # as the bots are, they take ~15 % less of them (the bare PTB bot's too).
            result = uvloop.run(
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
            results[(backend, workers)].append(result)
            print(
                f"  [{backend} ×{workers}, run {run + 1}/{args.runs}, load {result.load:.2f}] "
                f"{result.throughput:.0f} updates/s, intro p99 "
                f"{percentile(result.latency_ms, 99):.1f} ms, CPU/update bot "
                f"{result.cpu_bot / args.updates * 1000:.2f} ms, PostgreSQL "
                f"{result.cpu_postgres / args.updates * 1000:.2f} ms",
                file=sys.stderr,
                flush=True,
            )
        if "peer" in wanted:
            peer.append(uvloop.run(peer_rate(args)))
            print(
                f"  [bare PTB, run {run + 1}/{args.runs}, load {load_average():.2f}] "
                f"{peer[-1]:.0f} updates/s",
                file=sys.stderr,
                flush=True,
            )
    ordered = [results[shape] for shape in shapes]
    print(report(ordered, peer, args.runs, args.entries))
    print("\n".join(targets(ordered, peer)))
    return 0


async def peer_rate(args: argparse.Namespace) -> float:
    from bot.bench.peer import measure_peer

    workdir = Path(tempfile.mkdtemp(prefix="jinlin-bench-peer-"))
    try:
        town = make_town(args.groups, args.residents, workdir / "unused.sqlite3")
        items = usable_items(town.config)
        return await measure_peer(args.groups, args.residents, items, args.updates)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
