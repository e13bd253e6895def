"""`jinlin bench load`: the real bot under load, against a Bot API stand-in on 127.0.0.1.

As in production: the bot (the real Application, handlers, SQLite storage and `bot.polling`,
talking HTTP with long polling) and Telegram (a `TelegramWorld` behind the HTTP
`BotApiStandIn`, here also the residents sending traffic and the stopwatch), all on this
machine's cores. The bot runs in both of `jinlin run`'s shapes (`--sender both`, run by run):
alone, its default, and with its sender process making the Bot API sends. For each ledger
size the database is first filled with that many open entries, then:

- latency: matching requests sent one at a time; time from the request reaching Telegram to
  the giver's private introduction reaching Telegram (p50/p99, both clocks in one process);
- throughput: a backlog of mixed traffic (70 % chatter, 15 % offers, 15 % requests over all
  groups) drained and answered by the bot; updates per second;
- matching: the core alone (parse, record, find the offer, ask) for one request inside one
  transaction, rolled back, against the same ledger (p50/p99);
- memory: the resident set after the run (VmRSS, and the peak VmHWM) of the bot's process
  and its sender process together.

Telegram's flood limits are off (`rate_limit=False`): they are deliberate waits, not cost.

For investigation: JINLIN_BENCH_CPU=1 prints CPU seconds of both processes and the Bot API
calls made; JINLIN_BENCH_PROFILE=file dumps a cProfile of the bot process;
JINLIN_BENCH_CHATTER=0.7 sets the share of plain chatter in the traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvloop

from bot.core.config import Config, parse_config
from bot.telegram_sim.world import JSON, SimChat, SimUser, TelegramWorld

TOKEN = "123456:BENCH-TOKEN"
# The Bot API calls that answer residents (what a throughput run waits for).
ANSWERS = {"sendmessage", "sendphoto", "setmessagereaction", "editmessagetext"}
WARM_UP = 50  # samples not measured: caches, code paths
CHATTER = [
    "早上好各位邻居",
    "good morning everyone",
    "今天天气真好",
    "thanks for the help yesterday!",
    "快递到了，放在门卫室",
    "what time is the water cut today?",
    "楼下的猫好可爱",
    "has anyone seen the property manager?",
]
# Items whose offer and request phrasing the parser must recognise (checked at start-up).
CANDIDATES = [
    ("ladder", "梯子"),
    ("drill", "电钻"),
    ("umbrella", "雨伞"),
    ("hammer", "锤子"),
    ("kettle", "水壶"),
    ("ibuprofen", "布洛芬"),
    ("thermometer", "体温计"),
    ("scissors", "剪刀"),
    ("screwdriver", "螺丝刀"),
    ("stroller", "婴儿车"),
    ("charger", "充电器"),
    ("vacuum cleaner", "吸尘器"),
]


def offer_text(name: str) -> str:
    return f"I have a spare {name} to lend"


def request_text(name: str) -> str:
    return f"anyone have a {name} I can borrow?"


# --- the bot process --------------------------------------------------------------------------


def _bot_process(config_data: Mapping[str, Any], database: str) -> None:
    from bot.app.application import build_application
    from bot.intake.polling import run

    config = parse_config(dict(config_data))
    app = build_application(
        config,
        token=TOKEN,
        database=database,
        rate_limit=False,
        with_job_queue=False,
        sender_process=config.telegram.sender_process,
    )
    profile = os.environ.get("JINLIN_BENCH_PROFILE")
    if not profile:
        uvloop.run(run(app, timeout=config.telegram.poll_timeout, allowed_updates=None))
        return
    import cProfile
    import signal

    profiler = cProfile.Profile()
    # terminate() sends SIGTERM, which bot.polling turns into a clean stop; dump after it.
    signal.signal(signal.SIGTERM, lambda *_: None)
    profiler.enable()
    try:
        uvloop.run(run(app, timeout=config.telegram.poll_timeout, allowed_updates=None))
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


# --- Telegram, the residents and the stopwatch -----------------------------------------------


class TimedWorld(TelegramWorld):
    """The stand-in's world, noting when each private message reached it."""

    def __init__(self) -> None:
        super().__init__(bot_token=TOKEN)
        self.private_sent: list[tuple[float, int]] = []
        self.answer_times: list[float] = []  # when each send, reaction or edit arrived

    def handle(self, method: str, params: Mapping[str, Any]) -> tuple[int, JSON]:
        status, body = super().handle(method, params)
        if status == 200 and method.lower() in ANSWERS:
            self.answer_times.append(time.perf_counter())
            if method.lower() == "sendmessage" and body["result"]["chat"]["id"] > 0:
                self.private_sent.append((self.last_answer, body["result"]["chat"]["id"]))
        return status, body

    @property
    def last_answer(self) -> float:
        return self.answer_times[-1] if self.answer_times else 0.0


@dataclass
class Town:
    config_data: dict[str, Any]
    items: list[str]
    groups: int
    residents_per_group: int

    @property
    def config(self) -> Config:
        return parse_config(self.config_data)


def make_town(groups: int, residents_per_group: int, database: Path) -> Town:
    data: dict[str, Any] = {
        # No quiet hours: they would hold the givers' asks the benchmark times whenever it
        # runs at night in the bot's time zone.
        "bot": {"language": "en", "database": str(database), "quiet_hours": None},
        "telegram": {"poll_timeout": 5},
        "communities": [{"key": "c", "name": "Bench Garden"}],
        "buildings": [
            {"key": f"b{g}", "name": f"Building {g}", "community": "c"} for g in range(groups)
        ],
        "groups": [
            {"chat_id": -(10_000 + g), "title": f"Building {g}", "building": f"b{g}"}
            for g in range(groups)
        ],
    }
    return Town(data, [], groups, residents_per_group)


def usable_items(config: Config) -> list[tuple[str, str, frozenset[str], str]]:
    """(name, canonical, offer keys, request key) of items the parser reads both ways."""
    from bot.core.understanding import Catalogue, understand

    catalogue = Catalogue.load(config.catalogue.items)
    found = []
    for name, _ in CANDIDATES:
        offer = understand(offer_text(name), catalogue)
        request = understand(request_text(name), catalogue)
        if (
            offer.intent == "offer"
            and request.intent == "request"
            and len(offer.items) == 1
            and len(request.items) == 1
            and offer.items[0].canonical == request.items[0].canonical
        ):
            item = offer.items[0]
            found.append(
                (name, item.canonical, catalogue.offer_keys(item), catalogue.request_key(item))
            )
    if len(found) < 4:
        raise RuntimeError(f"the parser recognises too few bench items: {found}")
    return found


def seed(database: Path, town: Town, entries: int, items: Sequence[tuple]) -> None:
    """`entries` open entries (60 % offers, 40 % requests) spread over every building."""
    now = datetime.now(UTC)
    created = now.isoformat(timespec="microseconds")
    expires = (now + timedelta(days=7)).isoformat(timespec="microseconds")
    rng = random.Random(7)
    users = [
        (user_id(g, r), f"R{g}-{r}", None, "en", 1, -(10_000 + g), created)
        for g in range(town.groups)
        for r in range(town.residents_per_group)
    ]
    rows = []
    keys = []
    for i in range(1, entries + 1):
        g = rng.randrange(town.groups)
        r = rng.randrange(town.residents_per_group - 1)  # the last one only asks (latency)
        name, canonical, offer_keys, request_key = items[rng.randrange(len(items))]
        kind = "offer" if rng.random() < 0.6 else "request"
        status = "available" if kind == "offer" else "open"
        rows.append(
            (i, kind, status, user_id(g, r), -(10_000 + g), None, f"b{g}", "c", name,
             canonical, "bench", 0, 0, None, None, 1.0, 0.0, "seeded", created, expires)
        )  # fmt: skip
        for key in sorted(offer_keys) if kind == "offer" else [request_key]:
            keys.append((i, kind, key, f"b{g}", "c", 0))
    with sqlite3.connect(database) as conn:
        conn.executemany(
            """INSERT OR REPLACE INTO users (user_id, first_name, username, language_code,
                   started, home_chat_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            users,
        )
        conn.executemany(
            """INSERT INTO entries (id, kind, status, user_id, chat_id, message_id, building,
                   community, item_name, canonical, category, medical, urgent, quantity, unit,
                   remaining, held, text, created_at, expires_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        conn.executemany("INSERT OR IGNORE INTO entry_keys VALUES (?, ?, ?, ?, ?, ?)", keys)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def populate(groups: int, residents: int) -> tuple[TimedWorld, list[SimChat], list[list[SimUser]]]:
    """Telegram with the town's groups and residents, each of whom has opened the bot."""
    world = TimedWorld()
    chats: list[SimChat] = []
    people: list[list[SimUser]] = []
    for g in range(groups):
        members = [
            world.add_user(user_id(g, r), f"R{g}-{r}", language_code="en") for r in range(residents)
        ]
        for member in members:
            member.started_bot = True
        people.append(members)
        chats.append(world.add_group(-(10_000 + g), f"Building {g}", members=members))
    return world, chats, people


def user_id(group: int, resident: int) -> int:
    return 1_000_000 + group * 100 + resident


def available_offers(database: Path) -> list[tuple[int, str, str]]:
    """(giver, building, item name) of seeded offers nobody was asked about yet."""
    with sqlite3.connect(database) as conn:
        # The oldest open offer of each item in each building is the one matching picks.
        return conn.execute(
            """SELECT user_id, building, item_name FROM entries WHERE id IN (
                   SELECT MIN(id) FROM entries
                   WHERE kind = 'offer' AND status = 'available' AND held = 0
                   GROUP BY building, canonical)"""
        ).fetchall()


@dataclass
class RunResult:
    entries: int
    sender_process: bool
    throughput: float
    latency_ms: list[float]
    matching_ms: list[float]
    rss_mb: float
    hwm_mb: float
    updates: int
    errors: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _family(pid: int) -> list[int]:
    """The bot's process and its children (the sender process)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(c) for c in children)]


def _memory(pid: int) -> tuple[float, float]:
    """Resident set and its peak, MB, summed over the bot's processes (pages they share
    counted twice: an upper bound)."""
    rss = hwm = 0.0
    for member in _family(pid):
        fields = {}
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        rss += int(fields["VmRSS"].split()[0]) / 1024
        hwm += int(fields["VmHWM"].split()[0]) / 1024
    return rss, hwm


def _cpus(pid: int) -> list[float]:
    """CPU seconds of each of the bot's processes."""
    used = []
    for member in _family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        used.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return used


async def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench: timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def run_once(
    entries: int,
    *,
    sender_process: bool,
    groups: int,
    residents: int,
    updates: int,
    latency_samples: int,
) -> RunResult:
    from bot.telegram_sim.http_server import BotApiStandIn
    from storage.repository import Repository

    workdir = Path(tempfile.mkdtemp(prefix="jinlin-bench-"))
    database = workdir / "bench.sqlite3"
    try:
        town = make_town(groups, residents, database)
        items = usable_items(town.config)
        await (await Repository.open(database)).close()  # schema
        seed(database, town, entries, items)
        matching_ms = await measure_matching(town, database, items, samples=latency_samples * 2)

        world, chats, people = populate(groups, residents)

        async with BotApiStandIn(world) as server:
            town.config_data["telegram"]["base_url"] = server.base_url
            town.config_data["telegram"]["sender_process"] = sender_process
            process = multiprocessing.get_context("spawn").Process(
                target=_bot_process, args=(town.config_data, str(database)), daemon=True
            )
            process.start()
            try:
                assert process.pid is not None
                await _wait(lambda: world.description(), 60, "the bot to start")
                rng = random.Random(entries)

                # Warm-up: code paths, caches and connections.
                for n in range(200):
                    g = rng.randrange(groups)
                    world.send(people[g][n % residents], chats[g], rng.choice(CHATTER))
                await _wait(lambda: not world.pending_count(), 60, "warm-up")

                latency = await measure_latency(world, chats, people, database, latency_samples)
                cpu_before = _cpus(process.pid), time.process_time()
                throughput, sent = await measure_throughput(world, chats, people, items, updates)
                cpu_after = _cpus(process.pid), time.process_time()
                if os.environ.get("JINLIN_BENCH_CPU"):
                    from collections import Counter

                    print("  bot calls:", Counter(o.kind for o in world.outbox), file=sys.stderr)
                    used = [
                        f"{a - b:.2f}s" for a, b in zip(cpu_after[0], cpu_before[0], strict=False)
                    ]
                    print(
                        f"  cpu during throughput: bot process, sender {', '.join(used)}; "
                        f"telegram+residents {cpu_after[1] - cpu_before[1]:.2f}s",
                        file=sys.stderr,
                    )
                await world.wait_until_idle(quiet=0.3, timeout=60)
                rss, hwm = _memory(process.pid)
            finally:
                process.terminate()
                process.join(10)
                if process.is_alive():
                    process.kill()
        return RunResult(entries, sender_process, throughput, latency, matching_ms, rss, hwm, sent)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def measure_latency(
    world: TimedWorld,
    chats: list[SimChat],
    people: list[list[SimUser]],
    database: Path,
    samples: int,
) -> list[float]:
    """One matching request at a time: request reaches Telegram -> giver's ask reaches it."""
    offers = available_offers(database)
    random.Random(1).shuffle(offers)
    result: list[float] = []
    for giver, building, name in offers[:samples]:
        g = int(building[1:])
        requester = people[g][-1]
        before = len(world.private_sent)
        start = time.perf_counter()
        world.send(requester, chats[g], request_text(name))
        await _wait(
            lambda giver=giver, before=before: any(
                chat == giver for _, chat in world.private_sent[before:]
            ),
            10,
            "an introduction",
        )
        sent_at = next(t for t, chat in world.private_sent[before:] if chat == giver)
        result.append((sent_at - start) * 1000)
    return result


async def measure_throughput(
    world: TimedWorld,
    chats: list[SimChat],
    people: list[list[SimUser]],
    items: Sequence[tuple],
    updates: int,
) -> tuple[float, int]:
    """A backlog of mixed traffic over every group, drained and answered: updates per second.

    Done when the bot fetched every update and its last answer reached Telegram (the sends
    may trail the updates: with a sender process they run beside them).
    """
    start = time.perf_counter()
    send_mixed_traffic(world, chats, people, items, updates)
    await _wait(lambda: not world.pending_count(), 600, "the backlog to drain")
    drained = time.perf_counter()
    await world.wait_until_idle(quiet=0.3, timeout=600)
    if os.environ.get("JINLIN_BENCH_CPU"):
        print(
            f"  updates fetched after {drained - start:.2f}s, "
            f"last answer after {world.last_answer - start:.2f}s",
            file=sys.stderr,
        )
        trailing = len([t for t in world.answer_times if t > drained])
        print(f"  answers after the last update was fetched: {trailing}", file=sys.stderr)
    return updates / (max(drained, world.last_answer) - start), updates


def send_mixed_traffic(
    world: TimedWorld,
    chats: list[SimChat],
    people: list[list[SimUser]],
    items: Sequence[tuple],
    updates: int,
) -> None:
    """The residents' backlog: 70 % chatter, 15 % offers, 15 % requests over every group."""
    rng = random.Random(42)
    chatter = float(os.environ.get("JINLIN_BENCH_CHATTER", "0.70"))
    for _ in range(updates):
        g = rng.randrange(len(chats))
        user = people[g][rng.randrange(len(people[g]))]
        roll = rng.random()
        name = items[rng.randrange(len(items))][0]
        if roll < chatter:
            text = rng.choice(CHATTER)
        elif roll < 0.85:
            text = offer_text(name)
        else:
            text = request_text(name)
        world.send(user, chats[g], text)


async def measure_matching(
    town: Town, database: Path, items: Sequence[tuple], samples: int
) -> list[float]:
    """The core alone: one matching request recorded and matched, then rolled back."""
    from bot.core.clock import SystemClock
    from bot.core.sharing.service import GroupMessage, Resident, SharingService
    from bot.core.understanding import Catalogue
    from storage.repository import Repository

    config = town.config
    catalogue = Catalogue.load(config.catalogue.items)
    sharing = SharingService(config, catalogue, SystemClock())
    offers = available_offers(database)
    rng = random.Random(3)
    repo = await Repository.open(database)
    timings: list[float] = []

    class Rollback(Exception):
        pass

    try:
        for n in range(-WARM_UP, samples):
            _giver, building, name = offers[rng.randrange(len(offers))]
            g = int(building[1:])
            who = Resident(user_id(g, town.residents_per_group - 1), "Bench", None, "en")
            msg = GroupMessage(-(10_000 + g), 10**6 + n + WARM_UP, request_text(name))
            start = time.perf_counter()
            try:
                async with repo.transaction() as tx:
                    effects = await sharing.on_group_message(tx, who, msg)
                    if n >= 0:
                        timings.append((time.perf_counter() - start) * 1000)
                    assert effects.items, "bench request was not recognised"
                    raise Rollback
            except Rollback:
                pass
    finally:
        await repo.close()
    return timings


# --- report ---------------------------------------------------------------------------------


Results = dict[tuple[int, bool], list[RunResult]]  # by (open entries, sender process)


def _shape(sender_process: bool) -> str:
    return "+ sender" if sender_process else "one process"


def report(results: Results, runs: int, peer: Sequence[float] = ()) -> str:
    lines = [
        f"jinlin bench load — {os.cpu_count()} CPU core(s), Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}; medians of {runs} run(s); flood limiter off",
        f"{'open entries':>12} | {'bot':<11} | {'updates/s':>9} | {'intro p50':>9} | "
        f"{'intro p99':>9} | {'match p50':>9} | {'match p99':>9} | {'RSS MB':>6} | "
        f"{'peak MB':>7}",
    ]
    med = statistics.median
    for (size, sender), of_shape in sorted(results.items()):
        cells = [
            med([r.throughput for r in of_shape]),
            med([percentile(r.latency_ms, 50) for r in of_shape]),
            med([percentile(r.latency_ms, 99) for r in of_shape]),
            med([percentile(r.matching_ms, 50) for r in of_shape]),
            med([percentile(r.matching_ms, 99) for r in of_shape]),
        ]
        lines.append(
            f"{size:>12,} | {_shape(sender):<11} | {cells[0]:9.0f} | {cells[1]:7.1f}ms | "
            f"{cells[2]:7.1f}ms | {cells[3]:7.2f}ms | {cells[4]:7.2f}ms | "
            f"{med([r.rss_mb for r in of_shape]):6.0f} | {med([r.hwm_mb for r in of_shape]):7.0f}"
        )
    if peer:
        rate = statistics.median(peer)
        lines.append(
            f"bare PTB bot (run_polling, one reply per message, same stand-in and traffic): "
            f"{rate:.0f} updates/s; runs " + ", ".join(f"{p:.0f}" for p in peer)
        )
        for (size, sender), of_shape in sorted(results.items()):
            mine = statistics.median([r.throughput for r in of_shape])
            lines.append(f"  {size:,}, {_shape(sender)}: {mine / rate:.2f}× the bare PTB bot")
    lines.append("(intro = request reaches Telegram -> giver's private ask reaches it; ms)")
    lines.append("(match = core only: parse, record, find offer, ask; one transaction; ms)")
    lines.append("(updates/s: until the last answer reached Telegram; RSS: bot + sender process)")
    lines.append(
        "(one process: `jinlin run` as configured by default; + sender: "
        "[telegram] sender_process = true)"
    )
    for size in sorted({size for size, _ in results}):
        alone, split = results.get((size, False)), results.get((size, True))
        if alone and split:
            ratio = med([r.throughput for r in split]) / med([r.throughput for r in alone])
            lines.append(f"  {size:,} entries: the sender process gives {ratio:.2f}× the updates/s")
    detail = []
    for (size, sender), of_shape in sorted(results.items()):
        detail.append(
            f"  {size:,}, {_shape(sender)}: updates/s per run "
            + ", ".join(f"{r.throughput:.0f}" for r in of_shape)
            + "; intro p99 per run "
            + ", ".join(f"{percentile(r.latency_ms, 99):.1f}" for r in of_shape)
            + "; match p99 per run "
            + ", ".join(f"{percentile(r.matching_ms, 99):.2f}" for r in of_shape)
        )
    return "\n".join([*lines, "runs:", *detail])


def targets(results: Results, peer: Sequence[float] = ()) -> list[str]:
    largest_size = max(size for size, _ in results)
    med = statistics.median
    found = []
    if peer:
        alone = results.get((largest_size, False)) or next(iter(results.values()))
        ok = med([r.throughput for r in alone]) >= med(peer)
        found.append(f"{'✓' if ok else '✗'} ≥ 1.0× the bare PTB bot (at {largest_size:,} entries)")
    for (size, sender), largest in sorted(results.items()):
        if size != largest_size:
            continue
        checks = [
            ("throughput ≥ 1000 updates/s", med([r.throughput for r in largest]) >= 1000),
            ("intro p99 ≤ 50 ms", med([percentile(r.latency_ms, 99) for r in largest]) <= 50),
            ("match p99 ≤ 5 ms", med([percentile(r.matching_ms, 99) for r in largest]) <= 5),
            ("RSS ≤ 200 MB", med([r.rss_mb for r in largest]) <= 200),
        ]
        found += [
            f"{'✓' if ok else '✗'} {name} (at {size:,} entries, {_shape(sender)})"
            for name, ok in checks
        ]
    return found


SENDER_SHAPES = {"off": [False], "on": [True], "both": [False, True]}


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="jinlin bench load")
    parser.add_argument("--entries", default="1000,10000,100000", help="ledger sizes")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per size")
    parser.add_argument("--updates", type=int, default=5000, help="mixed updates per run")
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--residents", type=int, default=10, help="residents per group")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument(
        "--sender",
        choices=sorted(SENDER_SHAPES),
        default="both",
        help="measure the bot alone (off, `jinlin run`'s default), with its sender process "
        "(on), or both, alternating run by run (default)",
    )
    parser.add_argument(
        "--peer",
        choices=["on", "off"],
        default="on",
        help="also measure a bare python-telegram-bot bot on the same traffic, run by run",
    )
    args = parser.parse_args(list(argv))
    sizes = [int(s) for s in args.entries.split(",") if s.strip()]
    results: Results = {}
    peer: list[float] = []
    for size in sizes:
        for run in range(args.runs):
            if args.peer == "on" and size == sizes[-1]:
                from bot.bench.peer import measure_peer

                town = make_town(args.groups, args.residents, Path("/nonexistent"))
                peer.append(
                    asyncio.run(
                        measure_peer(
                            args.groups, args.residents, usable_items(town.config), args.updates
                        )
                    )
                )
                print(
                    f"  [bare PTB bot, run {run + 1}/{args.runs}, load "
                    f"{os.getloadavg()[0]:.2f}] {peer[-1]:.0f} updates/s",
                    file=sys.stderr,
                    flush=True,
                )
            # Alternating the shapes run by run: a change in the machine's load hits both.
            for sender in SENDER_SHAPES[args.sender]:
                result = asyncio.run(
                    run_once(
                        size,
                        sender_process=sender,
                        groups=args.groups,
                        residents=args.residents,
                        updates=args.updates,
                        latency_samples=args.latency_samples,
                    )
                )
                results.setdefault((size, sender), []).append(result)
                print(
                    f"  [{size:,} entries, {_shape(sender)}, run {run + 1}/{args.runs}, load "
                    f"{os.getloadavg()[0]:.2f}] "
                    f"{result.throughput:.0f} updates/s, intro p99 "
                    f"{percentile(result.latency_ms, 99):.1f} ms, match p99 "
                    f"{percentile(result.matching_ms, 99):.2f} ms, RSS {result.rss_mb:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
    print(report(results, args.runs, peer))
    print("\n".join(targets(results, peer)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
