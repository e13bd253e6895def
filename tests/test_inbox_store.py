"""The webhook inbox: a delivery is one row, a claim is a lease, applied rows are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.repository import Repository
from tests import backends

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def _claim(repo: Repository, worker: str, now: datetime, limit: int = 10) -> list[int]:
    items = await repo.run(lambda tx: tx.claim_inbox(worker, now, now + LEASE, limit))
    return [i.update_id for i in items]


async def test_a_duplicate_delivery_is_one_row_and_claims_do_not_overlap(tmp_path):
    repo = await Repository.open(backends.database_for(tmp_path / "x.db"))
    try:
        async with repo.transaction() as tx:
            assert await tx.receive_update(7, '{"update_id": 7}', T0)
            assert not await tx.receive_update(7, '{"update_id": 7}', T0)
            assert await tx.receive_update(5, '{"update_id": 5}', T0)
            assert await tx.receive_update(9, '{"update_id": 9}', T0)

        assert await _claim(repo, "a", T0, limit=2) == [5, 7]
        later = T0 + timedelta(seconds=20)
        assert await _claim(repo, "b", later) == [9]  # a's rows are leased to a
        assert await _claim(repo, "c", later) == []

        # b restarts under its stable name: what it held comes back at once, not after the lease.
        assert await _claim(repo, "b", later) == [9]

        # a dies: once its lease ends, b takes its rows over.
        assert await _claim(repo, "b", T0 + LEASE + timedelta(seconds=1)) == [5, 7, 9]

        async with repo.transaction() as tx:
            await tx.finish_inbox([5])
            await tx.release_inbox("b", [7])
            assert await tx.inbox_waiting() == 2
        assert await _claim(repo, "c", T0 + LEASE + timedelta(seconds=2)) == [7]
    finally:
        await repo.close()
