"""Repository queries of the webhook inbox: updates received, claimed by a worker, applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.tx_base import TxBase
from storage.tx_base import ts as _ts


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One received update waiting to be applied: its id and the JSON Telegram sent."""

    update_id: int
    payload: str


class InboxQueries(TxBase):
    async def receive_update(self, update_id: int, payload: str, now: datetime) -> bool:
        """Keep a delivered update; False if it is already waiting (a duplicate delivery)."""
        cur = await self._db.execute(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, payload, _ts(now)),
        )
        return cur.rowcount == 1

    async def claim_inbox(
        self, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[InboxItem]:
        """Take up to `limit` unclaimed (or abandoned) updates for `worker`, oldest first.

        Rows `worker` holds already are taken too: they were left by its previous life (a
        crash), since a living worker claims only between batches.

        SKIP LOCKED lets two workers claiming at once each take different rows on
        PostgreSQL instead of queueing behind one another; SQLite has one writer anyway.
        """
        rows = await self._all(
            """UPDATE inbox SET claimed_by = ?, claimed_until = ?
               WHERE update_id IN (
                   SELECT update_id FROM inbox
                   WHERE claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?
                   ORDER BY update_id LIMIT ?
                   FOR UPDATE SKIP LOCKED)
               RETURNING update_id, payload""",
            (worker, _ts(until), _ts(now), worker, limit),
        )
        items = [InboxItem(r["update_id"], r["payload"]) for r in rows]
        return sorted(items, key=lambda item: item.update_id)

    async def finish_inbox(self, update_ids: list[int]) -> None:
        """Forget updates that were applied (their effects are committed elsewhere)."""
        await self._db.executemany(
            "DELETE FROM inbox WHERE update_id = ?", [(u,) for u in update_ids]
        )

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
