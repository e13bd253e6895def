"""Repository queries of the webhook inbox: updates received, claimed by a worker, applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.driver import Dialect
from storage.tx_base import TxBase
from storage.tx_base import ts as _ts

# The oldest waiting updates a claim looks among first (see InboxQueries.claim_inbox).
CLAIM_WINDOW = 256


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One received update waiting to be applied: its id and the JSON Telegram sent."""

    update_id: int
    payload: str


class InboxQueries(TxBase):
    async def receive_update(
        self, update_id: int, payload: str, now: datetime, chat_id: int | None = None
    ) -> bool:
        """Keep a delivered update; False if it is already waiting (a duplicate delivery).

        `chat_id` is the conversation the update belongs to, whose order workers keep.
        """
        return update_id in await self.receive_updates([(update_id, payload, chat_id)], now)

    async def receive_updates(
        self, updates: Sequence[tuple[int, str, int | None]], now: datetime
    ) -> set[int]:
        """Keep several delivered updates (update id, payload, chat id) in one statement.

        Returns the ids that were new; the others were waiting already (duplicates). One
        round trip for all the POSTs that arrived while the previous one was being stored.
        """
        if not updates:
            return set()
        marks = ", ".join("(?, ?, ?, ?)" for _ in updates)
        params = [
            v for update_id, payload, chat in updates for v in (update_id, payload, _ts(now), chat)
        ]
        rows = await self._all(
            f"""INSERT INTO inbox (update_id, payload, received_at, chat_id)
                VALUES {marks}
                ON CONFLICT DO NOTHING
                RETURNING update_id""",
            params,
        )
        return {int(r["update_id"]) for r in rows}

    async def claim_inbox(
        self, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[InboxItem]:
        """Take up to `limit` unclaimed (or abandoned) updates for `worker`, oldest first.

        Run it through `Repository.inbox_statements()`, whose connection on PostgreSQL plans
        it robustly (no nested loops: see PostgresBackend.inbox_statements).

        Rows `worker` holds already are taken too: they were left by its previous life (a
        crash), since a living worker claims only between batches.

        Only a chat's oldest waiting update is taken: the next one waits until it is applied,
        so two workers never apply one chat's updates side by side or out of order (an edit
        before the offer it edits). One statement in its own implicit transaction suffices:
        a row another worker claims at the same moment is locked (SKIP LOCKED passes it
        by) or, once that claim committed, re-checked as it is now (leased: passed by); and
        a chat's next update stays "not the oldest" as long as the one before it waits,
        claimed or not, since rows leave the inbox only once applied. No SERIALIZABLE, then,
        and no conflicts between claiming workers (under it, two claims reading the same
        waiting rows at once used to fail one another).
        """
        if self.dialect is not Dialect.POSTGRESQL:
            # SQLite has no UPDATE inside WITH, which the window needs to tell how full it
            # was; and one process owns the file, so nobody claims beside it.
            items = await self._claim_anywhere(worker, now, until, limit, [])
            return sorted(items, key=lambda item: item.update_id)
        # Most claims look at the oldest CLAIM_WINDOW rows only: every update older than one
        # of them is among them, so "no older update of its chat" is decided inside the
        # window, at the same cost at 300 waiting as at 30,000 when the backlog spans many
        # chats (reading the whole inbox, one worker drained 12,000 updates 15 % slower than
        # 3,000). When the window holds fewer free chats than asked for (a few chats'
        # backlogs fill it, or other workers hold them) the whole inbox is read as well, so
        # no chat waits behind another's backlog. `taken` locks the chosen rows and reads
        # their lease again as they are now (a row another worker claimed since the window
        # was read is passed by); its LIMIT sits above the lock, so that rows a worker
        # claiming at the same moment has locked are passed and the next ones taken. The
        # window's size comes back in a row of its own, even when nothing was claimed: an
        # idle inbox costs one statement. The rows are found by primary key (`= ANY`), not by
        # a join, which the claims' connection would plan as a scan of the whole table; and
        # no join at all in the answer: one the planner could only loop passed the JIT's
        # threshold (see PostgresBackend.inbox_statements).
        rows = await self._all(
            f"""WITH oldest AS MATERIALIZED (
                   SELECT update_id, chat_id, claimed_until, claimed_by FROM inbox
                   ORDER BY update_id LIMIT ?),
               picked AS MATERIALIZED (
                   SELECT i.update_id FROM oldest i
                   WHERE (i.claimed_until IS NULL OR i.claimed_until < ? OR i.claimed_by = ?)
                     AND NOT EXISTS (
                         SELECT 1 FROM oldest o
                         WHERE o.chat_id = i.chat_id AND o.update_id < i.update_id)),
               taken AS MATERIALIZED (
                   SELECT update_id FROM inbox
                   WHERE update_id = ANY(ARRAY(SELECT update_id FROM picked))
                     AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)
                   ORDER BY update_id LIMIT ?
                   {self.dialect.skip_locked}),
               claimed AS (
                   UPDATE inbox SET claimed_by = ?, claimed_until = ?
                   WHERE update_id = ANY(ARRAY(SELECT update_id FROM taken))
                   RETURNING update_id, payload)
               SELECT update_id, payload, NULL AS seen FROM claimed
               UNION ALL SELECT NULL, NULL, COUNT(*) FROM oldest""",
            (CLAIM_WINDOW, _ts(now), worker, _ts(now), worker, limit, worker, _ts(until)),
        )
        items = [
            InboxItem(r["update_id"], r["payload"]) for r in rows if r["update_id"] is not None
        ]
        seen = next(r["seen"] for r in rows if r["update_id"] is None)
        if len(items) < limit and seen >= CLAIM_WINDOW:
            taken = [item.update_id for item in items]
            items += await self._claim_anywhere(worker, now, until, limit - len(items), taken)
        return sorted(items, key=lambda item: item.update_id)

    async def _claim_anywhere(
        self, worker: str, now: datetime, until: datetime, limit: int, taken: list[int]
    ) -> list[InboxItem]:
        """`claim_inbox` over the whole inbox: each chat's oldest, wherever it waits, but
        the rows just `taken` (this worker holds them, so they would count as free)."""
        besides = f"AND i.update_id NOT IN ({', '.join('?' * len(taken))})" if taken else ""
        # The pick is a MATERIALIZED CTE: PostgreSQL may otherwise run an `IN (… LIMIT n)`
        # subquery more than once and claim more than `limit` rows (seen with a reused
        # database's statistics).
        rows = await self._all(
            f"""WITH picked AS MATERIALIZED (
                   SELECT i.update_id FROM inbox i
                   WHERE (i.claimed_until IS NULL OR i.claimed_until < ? OR i.claimed_by = ?)
                     AND NOT EXISTS (
                         SELECT 1 FROM inbox o
                         WHERE o.chat_id = i.chat_id AND o.update_id < i.update_id)
                     {besides}
                   ORDER BY i.update_id LIMIT ?
                   {self.dialect.skip_locked})
               UPDATE inbox SET claimed_by = ?, claimed_until = ?
               WHERE update_id {self.dialect.among("SELECT update_id FROM picked")}
               RETURNING update_id, payload""",
            (_ts(now), worker, *taken, limit, worker, _ts(until)),
        )
        return [InboxItem(r["update_id"], r["payload"]) for r in rows]

    async def renew_inbox(self, worker: str, update_ids: list[int], until: datetime) -> int:
        """Extend `worker`'s lease on rows it still holds; returns how many it still held."""
        if not update_ids:
            return 0
        marks = ", ".join("?" for _ in update_ids)
        cur = await self._db.execute(
            f"""UPDATE inbox SET claimed_until = ?
                WHERE claimed_by = ? AND update_id IN ({marks})""",
            (_ts(until), worker, *update_ids),
        )
        return cur.rowcount

    async def finish_inbox(self, update_ids: list[int]) -> None:
        """Forget updates that were applied (their effects are committed elsewhere)."""
        if not update_ids:
            return
        # One statement for the batch (not one per row): one plan, one round trip.
        marks = ", ".join("?" for _ in update_ids)
        await self._db.execute(f"DELETE FROM inbox WHERE update_id IN ({marks})", update_ids)

    async def release_inbox(self, worker: str, update_ids: list[int]) -> None:
        """Hand claimed but unapplied updates back at once (a clean shutdown)."""
        await self._db.executemany(
            """UPDATE inbox SET claimed_by = NULL, claimed_until = NULL
               WHERE update_id = ? AND claimed_by = ?""",
            [(u, worker) for u in update_ids],
        )

    async def inbox_waiting(self) -> int:
        """How many received updates are not applied yet."""
        row = await self._one("SELECT COUNT(*) AS n FROM inbox")
        return int(row["n"]) if row else 0
