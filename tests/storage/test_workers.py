"""Several workers on one database: nothing sent twice, one scheduler, shared limits.

Each "worker" here is its own Repository (its own connections) on the same database, as
two `jinlin run` processes would be. The outbox tests run on both backends (a SQLite file
is shared the same way, with workers named explicitly); the rest is about PostgreSQL,
where several workers are a supported shape, and says so when skipped on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.core.clock import ManualClock
from bot.core.effects import SendMessage, encode
from bot.core.menus import Audience, Menu
from bot.core.posting_budget import BudgetRule, GroupPostingBudget
from bot.core.sharing.service import GroupMessage, Resident, SharingService
from bot.core.understanding import Catalogue
from bot.delivery.menus import publish
from bot.delivery.outbox import Delivery
from bot.delivery.rate_limit import SharedRateLimiter
from bot.intake.leadership import TAKEOVER_BOUND_SECONDS, Leadership
from storage.repository import Repository
from tests import backends
from tests.fake_bots import GenericSendMessage
from tests.harness import make_config

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
G3 = -1003  # building b3's group in the harness config


def postgres_only() -> None:
    if backends.current() == "sqlite":
        pytest.skip("one process owns a SQLite file: several workers need PostgreSQL")


class RecordingBot(GenericSendMessage):
    """The Bot API calls Delivery makes, recorded; each yields so workers interleave."""

    username = "jinlin_bot"

    def __init__(self, sent: list[tuple[int, str]], reactions: list[int] | None = None) -> None:
        self.sent = sent
        self.reactions = reactions if reactions is not None else []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        await asyncio.sleep(0)
        self.sent.append((chat_id, text))

    async def set_message_reaction(self, chat_id: int, message_id: int, *_: Any) -> None:
        await asyncio.sleep(0)
        self.reactions.append(message_id)


async def two_workers(tmp_path: Path) -> tuple[Repository, Repository]:
    database = backends.database_for(tmp_path / "shared.db")
    return await Repository.open(database), await Repository.open(database)


async def enqueue(repo: Repository, effects: list[SendMessage]) -> None:
    async with repo.transaction() as tx:
        await tx.enqueue([encode(e) for e in effects], T)


# --- the outbox ------------------------------------------------------------------------------


async def test_two_workers_flushing_at_once_send_every_message_exactly_once(tmp_path):
    first, second = await two_workers(tmp_path)
    sent: list[tuple[int, str]] = []
    clock = ManualClock(T)
    workers = [
        Delivery(first, clock, worker="worker-a"),
        Delivery(second, clock, worker="worker-b"),
    ]
    try:
        for burst in range(3):
            await enqueue(first, [SendMessage(100 + i, f"hello {burst}-{i}") for i in range(45)])
            # Both workers flush at once, twice each, as after their own updates.
            await asyncio.gather(*(w.flush(RecordingBot(sent)) for w in workers * 2))
        texts = Counter(text for _, text in sent)
        assert len(texts) == 3 * 45  # nothing lost
        assert max(texts.values()) == 1  # nothing twice
    finally:
        await first.close()
        await second.close()


async def test_messages_a_dead_worker_held_go_out_from_another_once_its_lease_ends(tmp_path):
    first, second = await two_workers(tmp_path)
    sent: list[tuple[int, str]] = []
    survivor = Delivery(second, ManualClock(T), worker="survivor")
    try:
        await enqueue(first, [SendMessage(200 + i, f"owed {i}") for i in range(3)])
        now = datetime.now(UTC)
        async with first.statements() as tx:  # the dead worker took them, then was killed
            held = await tx.claim_outbox("dead", now, now + timedelta(minutes=2), 10)
        assert len(held) == 3

        await survivor.flush(RecordingBot(sent))
        assert sent == []  # its lease still runs: the rows may be on their way

        async with first.statements() as tx:  # ... two minutes later: the lease has passed
            await tx.claim_outbox("dead", now, now - timedelta(seconds=1), 10)
        await survivor.flush(RecordingBot(sent))
        await survivor.flush(RecordingBot(sent))
        assert sorted(text for _, text in sent) == ["owed 0", "owed 1", "owed 2"]
    finally:
        await first.close()
        await second.close()


async def test_a_worker_stopping_cleanly_hands_its_rows_over_at_once(tmp_path):
    postgres_only()
    first, second = await two_workers(tmp_path)
    sent: list[tuple[int, str]] = []
    leaving = Delivery(first, ManualClock(T))
    staying = Delivery(second, ManualClock(T))
    try:
        await enqueue(first, [SendMessage(300, "not yet sent")])
        now = datetime.now(UTC)
        async with first.statements() as tx:
            await tx.claim_outbox(leaving.worker, now, now + timedelta(minutes=2), 10)
        await leaving.close()
        await staying.flush(RecordingBot(sent))
        assert sent == [(300, "not yet sent")]
    finally:
        await first.close()
        await second.close()


# --- the group posting budget -----------------------------------------------------------------


async def _budgeted_workers(
    tmp_path: Path, clock: ManualClock, *, limit: int
) -> tuple[Repository, Repository, list[Delivery]]:
    """Two workers' databases and deliveries sharing one group budget of `limit` an hour."""
    postgres_only()
    first, second = await two_workers(tmp_path)
    rule = BudgetRule(limit=limit, window=timedelta(hours=1))
    deliveries = [Delivery(repo, clock, GroupPostingBudget(rule)) for repo in (first, second)]
    return first, second, deliveries


async def test_workers_share_one_posting_budget_per_group(tmp_path):
    clock = ManualClock(T)
    first, second, workers = await _budgeted_workers(tmp_path, clock, limit=3)
    sent: list[tuple[int, str]] = []
    reactions: list[int] = []
    try:
        for i in range(8):
            ack = SendMessage(G3, f"noted {i}", reply_to=1000 + i, optional=True)
            await enqueue(first, [ack])
            await asyncio.gather(*(w.flush(RecordingBot(sent, reactions)) for w in workers))
        assert len(sent) == 3  # one budget for the group, not one per worker
        assert len(reactions) == 5  # the rest were acknowledged quietly
        assert await workers[1].posts_used(G3) == 3
        clock.advance(timedelta(minutes=61))
        await enqueue(first, [SendMessage(G3, "a new hour", reply_to=2000, optional=True)])
        await workers[1].flush(RecordingBot(sent, reactions))
        assert sent[-1] == (G3, "a new hour")
    finally:
        await first.close()
        await second.close()


async def test_one_workers_essential_posts_use_up_the_others_budget(tmp_path):
    first, second, (alerting, acknowledging) = await _budgeted_workers(
        tmp_path, ManualClock(T), limit=3
    )
    sent: list[tuple[int, str]] = []
    reactions: list[int] = []
    try:
        # Urgent alerts are never held back, and they count: two of the group's three posts.
        await enqueue(first, [SendMessage(G3, "urgent 1"), SendMessage(G3, "urgent 2")])
        await alerting.flush(RecordingBot(sent, reactions))
        for i in range(3):
            ack = SendMessage(G3, f"noted {i}", reply_to=1000 + i, optional=True)
            await enqueue(first, [ack])
            await acknowledging.flush(RecordingBot(sent, reactions))
        assert sent == [(G3, "urgent 1"), (G3, "urgent 2"), (G3, "noted 0")]
        assert reactions == [1001, 1002]
        assert await alerting.posts_used(G3) == 3
    finally:
        await first.close()
        await second.close()


# --- scheduler leadership ---------------------------------------------------------------------


async def test_on_sqlite_the_one_process_always_leads(tmp_path):
    if backends.current() != "sqlite":
        pytest.skip("SQLite's rule")
    repo = await Repository.open(tmp_path / "one.db")
    try:
        leadership = Leadership.for_repository(repo)
        await leadership.start()
        assert leadership.is_leader and await leadership.check()
        await leadership.close()
    finally:
        await repo.close()


async def test_two_workers_on_one_database_have_exactly_one_leader(tmp_path):
    postgres_only()
    first, second = await two_workers(tmp_path)
    contenders = [Leadership.for_repository(r, check_every=0.05) for r in (first, second)]
    try:
        for contender in contenders:
            await contender.start()
        for _ in range(5):
            assert sorted([await c.check() for c in contenders]) == [False, True]
            await asyncio.sleep(0.06)
            assert [c.is_leader for c in contenders].count(True) == 1
    finally:
        for contender in contenders:
            await contender.close()
        await first.close()
        await second.close()


async def test_when_the_leaders_connection_dies_another_worker_leads_within_the_bound(tmp_path):
    postgres_only()
    first, second = await two_workers(tmp_path)
    elected: list[str] = []
    check_every = 0.2
    contenders = {
        name: Leadership.for_repository(
            repo, check_every=check_every, on_elected=lambda name=name: elected.append(name)
        )
        for name, repo in (("a", first), ("b", second))
    }
    try:
        for contender in contenders.values():
            await contender.start()
        (leader_name,) = [n for n, c in contenders.items() if c.is_leader]
        other_name = "b" if leader_name == "a" else "a"
        leader, other = contenders[leader_name], contenders[other_name]
        pid = await leader.backend_pid()

        admin = await asyncpg.connect(backends.ADMIN_URL)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        cut = time.monotonic()
        while not other.is_leader:
            # Generous: the bound is one check interval once the server has freed the lock.
            assert time.monotonic() - cut < 10 * check_every + 5, "no takeover"
            await asyncio.sleep(0.01)
        takeover = time.monotonic() - cut
        print(f"takeover after the leader's connection was cut: {takeover:.3f} s")

        assert not await leader.check()  # the old leader learns it lost and stands down
        assert await other.check()
        assert elected == [leader_name, other_name]
        assert TAKEOVER_BOUND_SECONDS <= 60  # the bound issue 8 asks for, in production
    finally:
        for contender in contenders.values():
            await contender.close()
        await first.close()
        await second.close()


# --- the shared flood limit -------------------------------------------------------------------


async def test_workers_share_telegrams_flood_limits_through_the_database(tmp_path):
    postgres_only()
    database = backends.database_for(tmp_path / "limits.db")
    repo = await Repository.open(database)
    limiters = [
        SharedRateLimiter(database, overall_max_rate=4, group_max_rate=3, group_time_period=2)
        for _ in range(2)
    ]
    calls: list[int] = []

    async def send(chat_id: int) -> bool:
        calls.append(chat_id)
        return True

    def through(limiter: SharedRateLimiter, chat_id: int) -> Any:
        data = {"chat_id": chat_id}
        return limiter.process_request(send, (chat_id,), {}, "sendMessage", data, None)

    try:
        for limiter in limiters:
            await limiter.initialize()
        started = time.monotonic()
        # 9 private messages and 5 to one group, half from each worker, all at once.
        await asyncio.gather(
            *(through(limiters[i % 2], 100 + i) for i in range(9)),
            *(through(limiters[i % 2], G3) for i in range(5)),
        )
        elapsed = time.monotonic() - started
        assert len(calls) == 14
        async with repo.statements() as tx:
            overall = await tx.rate_window_counts("all")
            group = await tx.rate_window_counts(f"chat:{G3}")
        assert sum(overall.values()) == 14 and max(overall.values()) <= 4
        assert sum(group.values()) == 5 and max(group.values()) <= 3
        # 14 calls at 4 a second need at least 4 windows; a per-worker limit would take 2.
        assert elapsed > 2.0
    finally:
        for limiter in limiters:
            await limiter.shutdown()
        await repo.close()


# --- offers reserved once under concurrent matching -------------------------------------------


async def test_two_workers_matching_one_offer_at_once_reserve_it_once(tmp_path):
    """Two requests for one single ladder, each matched by its own worker at the same moment:
    exactly one is asked about it, the other waits (or gets the second ladder when there is
    one), and neither worker sees an error."""
    postgres_only()
    config = make_config()
    catalogue = Catalogue.load(config.catalogue.items)
    clock = ManualClock(T)
    first, second = await two_workers(tmp_path)
    workers = [(repo, SharingService(config, catalogue, clock)) for repo in (first, second)]
    giver, giver2 = Resident(11, "Alice"), Resident(12, "Dave")
    message_ids = iter(range(1, 10_000))

    async def say(worker: int, who: Resident, text: str) -> None:
        repo, sharing = workers[worker]
        msg = GroupMessage(G3, next(message_ids), text)
        await repo.run(lambda tx: sharing.on_group_message(tx, who, msg))

    try:
        for round_ in range(12):
            ladders = 1 + round_ % 2  # odd rounds have a second ladder to give
            await say(0, giver, "I have a spare ladder to lend")
            if ladders == 2:
                await say(1, giver2, "I also have a ladder, happy to lend it")
            asking = [Resident(1000 + 2 * round_, "Bob"), Resident(1001 + 2 * round_, "Carol")]
            await asyncio.gather(
                say(0, asking[0], "anyone have a ladder I can borrow?"),
                say(1, asking[1], "who has a ladder I can borrow"),
            )
            async with first.transaction() as tx:
                entries = [e for e in await tx.all_entries() if e.closed_at is None]
                offers = {e.id: e for e in entries if e.kind == "offer"}
                requests = [e for e in entries if e.kind == "request"]
                matches = [m for m in await tx.all_matches() if m.offer_id in offers]
            assert len(offers) == ladders and len(requests) == 2
            assert len(matches) == ladders, f"round {round_}: {matches}"
            assert len({m.offer_id for m in matches}) == ladders  # no offer reserved twice
            assert len({m.request_id for m in matches}) == ladders
            assert all(o.held <= o.remaining for o in offers.values())
            waiting = [r for r in requests if r.id not in {m.request_id for m in matches}]
            assert len(waiting) == 2 - ladders and all(r.status == "open" for r in waiting)
            # Close the round so the next one starts from a clean slate.
            async with first.transaction() as tx:
                for entry in [*offers.values(), *requests]:
                    await tx.update_entry(entry.id, status="withdrawn", closed_at=T)
    finally:
        await first.close()
        await second.close()


# --- start-up: every worker publishes the command menus ---------------------------------------


class MenuBot:
    """Accepts every setMyCommands / description call, as Telegram does."""

    id = 4242

    async def set_my_commands(self, *_: Any, **__: Any) -> bool:
        return True

    async def set_my_description(self, *_: Any, **__: Any) -> bool:
        return True

    async def set_my_short_description(self, *_: Any, **__: Any) -> bool:
        return True


async def test_a_worker_starting_beside_another_records_the_menus_instead_of_dying(tmp_path):
    """Two workers start together and both record which menus they set. The later one's write
    meets the other's in SERIALIZABLE and must be run again, not end its start-up (a worker
    that died so left the other alone with all the traffic)."""
    postgres_only()
    first, second = await two_workers(tmp_path)
    clock = ManualClock(T)
    menu = Menu(Audience.PRIVATE, "", (("mine", "My listings"),))
    try:
        async with first.transaction() as tx:
            # The other worker is recording the same menu right now: its row is written, not
            # yet committed, when this worker's own write arrives.
            await tx.set_menu_digest(menu.key, "another worker's digest", T)
            publishing = asyncio.ensure_future(publish(MenuBot(), second, clock, [menu]))  # type: ignore[arg-type]
            await asyncio.sleep(0.3)
            assert not publishing.done()  # waiting for the other worker's row
        published = await publishing
        assert published.sent == 1
        async with second.statements() as tx:
            assert (await tx.menu_digests())[menu.key] != "another worker's digest"
    finally:
        await first.close()
        await second.close()
