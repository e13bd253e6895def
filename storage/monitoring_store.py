"""Repository queries an operator's health check and metrics scrape ask: counts, no rows."""

from __future__ import annotations

from storage.tx_base import TxBase


class MonitoringQueries(TxBase):
    async def entry_counts(self) -> dict[tuple[str, str], int]:
        """Ledger entries by (kind, status): offers and requests as they stand."""
        rows = await self._all(
            "SELECT kind, status, COUNT(*) AS n FROM entries GROUP BY kind, status"
        )
        return {(str(r["kind"]), str(r["status"])): int(r["n"]) for r in rows}

    async def match_counts(self) -> dict[str, int]:
        """Matches by status."""
        rows = await self._all("SELECT status, COUNT(*) AS n FROM matches GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    async def outbox_waiting(self) -> int:
        """Messages decided but not yet sent (nor set aside)."""
        row = await self._one("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL")
        return int(row["n"]) if row else 0
