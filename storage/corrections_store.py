"""Repository queries of residents' corrections to what the parser understood."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class NewCorrection:
    """A message and what it meant, or (label None) a question still waiting for its author."""

    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    text: str
    reply_to_intent: str | None
    guess: str
    label: str | None
    source: str
    created_at: datetime


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    text: str
    reply_to_intent: str | None
    guess: str
    label: str | None
    source: str
    created_at: datetime
    answered_at: datetime | None


def _correction(row: Row) -> CorrectionRecord:
    created = _dt(row["created_at"])
    assert created is not None
    return CorrectionRecord(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        text=row["text"],
        reply_to_intent=row["reply_to_intent"],
        guess=row["guess"],
        label=row["label"],
        source=row["source"],
        created_at=created,
        answered_at=_dt(row["answered_at"]),
    )


class CorrectionQueries(TxBase):
    """Questions to authors and the labelled examples their answers make."""

    async def add_correction(self, new: NewCorrection) -> int:
        row = await self._one(
            """INSERT INTO corrections (user_id, chat_id, message_id, thread_id, text,
                   reply_to_intent, guess, label, source, created_at, answered_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (
                new.user_id,
                new.chat_id,
                new.message_id,
                new.thread_id,
                new.text,
                new.reply_to_intent,
                new.guess,
                new.label,
                new.source,
                _ts(new.created_at),
                _ts(new.created_at) if new.label is not None else None,
            ),
        )
        assert row is not None
        return int(row["id"])

    async def correction(self, correction_id: int) -> CorrectionRecord | None:
        row = await self._one("SELECT * FROM corrections WHERE id = ?", (correction_id,))
        return _correction(row) if row else None

    async def answer_correction(self, correction_id: int, label: str, now: datetime) -> bool:
        """Record the author's answer; False when it was answered already."""
        rows = await self._all(
            """UPDATE corrections SET label = ?, answered_at = ?
               WHERE id = ? AND label IS NULL RETURNING id""",
            (label, _ts(now), correction_id),
        )
        return bool(rows)

    async def labelled_corrections(self) -> list[CorrectionRecord]:
        """Every answered correction, oldest first: the deployment's training examples."""
        rows = await self._all(
            "SELECT * FROM corrections WHERE label IS NOT NULL ORDER BY created_at, id"
        )
        return [_correction(r) for r in rows]
