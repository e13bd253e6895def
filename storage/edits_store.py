"""Repository queries for message edits: an entry's amount revised in place."""

from __future__ import annotations

from storage.tx_base import TxBase


class EditQueries(TxBase):
    """What an edited offer or request changes in the ledger."""

    async def revise_amount(
        self, entry_id: int, quantity: float | None, unit: str | None, remaining: float, text: str
    ) -> None:
        """New stated amount (and what is left of it) and the message's new text."""
        await self._db.execute(
            "UPDATE entries SET quantity = ?, unit = ?, remaining = ?, text = ? WHERE id = ?",
            (quantity, unit, remaining, text, entry_id),
        )
