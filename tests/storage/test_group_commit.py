"""Units of work run at once share a transaction on PostgreSQL, yet each behaves as its own.

A worker applies a batch of updates with several in flight; on PostgreSQL the units queued
for the connection join the open transaction and commit together (storage/driver.py,
PostgresBackend). What residents rely on must not change: a unit's effects are durable when
`Repository.run` returns (its messages are sent right after), one failing unit loses only
its own work, and a limit shared by two workers still holds. On SQLite each unit is its own
transaction; the same tests hold there.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.sharing.model import UserError
from storage import driver
from storage.repository import Repository, Tx
from tests import backends

T = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
G3 = -1003


async def _workers(tmp_path: Path, count: int) -> list[Repository]:
    database = backends.database_for(tmp_path / "shared.db")
    return [await Repository.open(database) for _ in range(count)]


async def _applied(repo: Repository) -> set[int]:
    async with repo.statements() as tx:
        rows = await tx._db.execute_fetchall("SELECT update_id FROM processed_updates")
    return {int(r[0]) for r in rows}


async def test_a_unit_is_durable_for_other_workers_when_it_returns(tmp_path):
    worker, observer = await _workers(tmp_path, 2)
    seen_at_return: dict[int, bool] = {}

    async def apply(update_id: int) -> None:
        assert await worker.run(lambda tx: tx.claim_update(update_id, T))
        # What the caller does next (send the unit's messages) assumes it is committed.
        seen_at_return[update_id] = update_id in await _applied(observer)

    try:
        await asyncio.gather(*(apply(i) for i in range(1, 13)))
        assert seen_at_return == dict.fromkeys(range(1, 13), True)
        assert await _applied(observer) == set(range(1, 13))
    finally:
        await worker.close()
        await observer.close()


async def test_a_failing_unit_loses_its_own_work_and_no_one_elses(tmp_path):
    (worker,) = await _workers(tmp_path, 1)
    runs: dict[int, int] = {}

    def unit(update_id: int):
        async def work(tx: Tx) -> bool:
            runs[update_id] = runs.get(update_id, 0) + 1
            claimed = await tx.claim_update(update_id, T)
            await asyncio.sleep(0)  # the others queue up behind it meanwhile
            if update_id == 6:
                raise ValueError("a resident's bad input, found after a write")
            return claimed

        return work

    try:
        results = await asyncio.gather(
            *(worker.run(unit(i)) for i in range(1, 11)), return_exceptions=True
        )
        assert isinstance(results[5], ValueError)
        assert [r for i, r in enumerate(results) if i != 5] == [True] * 9
        assert await _applied(worker) == set(range(1, 11)) - {6}
        # Run again, each unit is a redelivery: applied once, never twice.
        again = await asyncio.gather(*(worker.run(unit(i)) for i in (1, 2, 9, 10)))
        assert again == [False] * 4
    finally:
        await worker.close()


async def test_two_workers_counting_one_budget_at_once_never_exceed_it(tmp_path):
    if backends.current() == "sqlite":
        pytest.skip("one process owns a SQLite file: several workers need PostgreSQL")
    first, second = await _workers(tmp_path, 2)
    since = T - timedelta(hours=1)

    async def post(repo: Repository, minute: int) -> bool:
        now = T + timedelta(seconds=minute)
        return await repo.run(lambda tx: tx.count_group_post(G3, now, since=since, limit=5))

    try:
        # Each worker's units queue behind each other (one group per worker), and the two
        # groups read the same count: one of them must be run again and see the slots taken.
        taken = await asyncio.gather(
            *(post(first, i) for i in range(8)), *(post(second, i) for i in range(8, 16))
        )
        assert sum(taken) == 5
        async with first.statements() as tx:
            assert await tx.group_posts_since(G3, since) == 5
    finally:
        await first.close()
        await second.close()


async def test_a_users_mistake_in_one_unit_keeps_the_others_in_update_order(tmp_path):
    """apply_updates relies on units committing (and their outbox rows going out) in update
    order. A UserError (a routine usage mistake, raised from the work and explained by the
    handler) must not push the units before it behind the ones after it."""
    (worker,) = await _workers(tmp_path, 1)

    def unit(update_id: int):
        async def work(tx: Tx) -> bool:
            claimed = await tx.claim_update(update_id, T)
            await asyncio.sleep(0)  # the others queue up behind it meanwhile
            if update_id == 3:
                raise UserError("offer_usage")
            await tx.enqueue([json.dumps({"kind": "send", "text": str(update_id)})], T)
            return claimed

        return work

    try:
        results = await asyncio.gather(
            *(worker.run(unit(i)) for i in range(1, 7)), return_exceptions=True
        )
        assert isinstance(results[2], UserError)
        async with worker.statements() as tx:
            rows = await tx._db.execute_fetchall("SELECT effect FROM outbox ORDER BY id")
        sent = [int(json.loads(r[0])["text"]) for r in rows]
        assert sent == [1, 2, 4, 5, 6]
    finally:
        await worker.close()


async def test_a_unit_gone_before_its_group_failed_holds_no_one_back(tmp_path, monkeypatch):
    """A failing unit takes its group down and the units before it run again first, ahead
    of the ones queued behind. One of those may be gone meanwhile (its task cancelled: a
    shutdown); the others must not wait for it."""
    if backends.current() == "sqlite":
        pytest.skip("groups are PostgreSQL's")
    monkeypatch.setattr(driver, "REPLAY_WAIT_SECONDS", 600.0)  # a wait would hang the test
    (worker,) = await _workers(tmp_path, 1)
    tasks: list[asyncio.Task[bool]] = []

    def unit(update_id: int):
        async def work(tx: Tx) -> bool:
            claimed = await tx.claim_update(update_id, T)
            await asyncio.sleep(0)  # the others queue up behind it meanwhile
            if update_id == 3:
                tasks[0].cancel()
                await asyncio.sleep(0)
                raise UserError("offer_usage")
            await tx.enqueue([json.dumps({"kind": "send", "text": str(update_id)})], T)
            return claimed

        return work

    try:
        tasks.extend(asyncio.ensure_future(worker.run(unit(i))) for i in range(1, 7))
        async with asyncio.timeout(30):
            results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[0], asyncio.CancelledError)
        assert isinstance(results[2], UserError)
        assert [results[i] for i in (1, 3, 4, 5)] == [True] * 4
        assert await _applied(worker) == {2, 4, 5, 6}
        async with worker.statements() as tx:
            rows = await tx._db.execute_fetchall("SELECT effect FROM outbox ORDER BY id")
        assert [int(json.loads(r[0])["text"]) for r in rows] == [2, 4, 5, 6]
    finally:
        await worker.close()


async def test_a_timeout_of_an_unrelated_caller_never_has_a_committed_unit_run_twice(
    tmp_path, monkeypatch
):
    """statements() commits an open group first; the health probe (and the webhook's
    store) wrap it in asyncio.timeout. A timeout that fires while the COMMIT's answer is on
    its way (a slow fsync) must not tell the group's units `Conflict`: their work is durable,
    and Repository.run would apply it a second time."""
    if backends.current() == "sqlite":
        pytest.skip("groups are PostgreSQL's")

    opened = driver.PostgresBackend._open_group

    async def slow_to_answer(self):  # type: ignore[no-untyped-def]
        joined = await opened(self)
        real = joined.transaction

        class Answering:
            async def commit(self) -> None:
                await real.commit()
                await asyncio.sleep(0.5)  # the COMMIT is done; its answer is slow

            async def rollback(self) -> None:
                await real.rollback()

        joined.transaction = Answering()
        return joined

    monkeypatch.setattr(driver.PostgresBackend, "_open_group", slow_to_answer)
    (worker,) = await _workers(tmp_path, 1)
    since = T - timedelta(hours=1)
    runs = 0

    async def post(tx: Tx) -> bool:
        nonlocal runs
        runs += 1
        return await tx.count_group_post(G3, T, since=since, limit=5)

    async def probe() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1), worker.statements() as tx:
                await tx.outbox_waiting()

    try:
        await asyncio.gather(worker.run(post), probe())
        async with worker.statements() as tx:
            assert await tx.group_posts_since(G3, since) == 1
        assert runs == 1
    finally:
        await worker.close()
