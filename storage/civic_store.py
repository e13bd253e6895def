"""Repository queries of good-neighbour awards and building deliberations (issue 17)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.driver import Row
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


@dataclass(frozen=True)
class Nomination:
    id: int
    period: str
    building: str
    user_id: int  # the nominee
    nominated_by: int
    reason: str | None
    reveal: bool
    status: str
    reviewed_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class Award:
    id: int
    period: str
    building: str
    user_id: int
    name: str
    citation: str
    consent: str
    created_at: datetime
    announced_at: datetime | None


@dataclass(frozen=True)
class Deliberation:
    id: int
    building: str
    chat_id: int
    question: str
    options: tuple[str, ...]
    anonymous: bool
    status: str
    poll_id: str | None
    message_id: int | None
    closes_at: datetime
    opened_by: int
    created_at: datetime
    closed_at: datetime | None
    result: tuple[int, ...] | None
    counted: int | None
    ignored: int | None
    telegram_total: int | None
    follow_up: str | None


@dataclass(frozen=True)
class StoredVote:
    user_id: int
    options: tuple[int, ...]
    counts: bool
    via: str


def _nomination(row: Row) -> Nomination:
    return Nomination(
        id=row["id"],
        period=row["period"],
        building=row["building"],
        user_id=row["user_id"],
        nominated_by=row["nominated_by"],
        reason=row["reason"],
        reveal=bool(row["reveal"]),
        status=row["status"],
        reviewed_by=row["reviewed_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def _award(row: Row) -> Award:
    return Award(
        id=row["id"],
        period=row["period"],
        building=row["building"],
        user_id=row["user_id"],
        name=row["name"],
        citation=row["citation"],
        consent=row["consent"],
        created_at=datetime.fromisoformat(row["created_at"]),
        announced_at=_dt(row["announced_at"]),
    )


def _deliberation(row: Row) -> Deliberation:
    return Deliberation(
        id=row["id"],
        building=row["building"],
        chat_id=row["chat_id"],
        question=row["question"],
        options=tuple(json.loads(row["options"])),
        anonymous=bool(row["anonymous"]),
        status=row["status"],
        poll_id=row["poll_id"],
        message_id=row["message_id"],
        closes_at=datetime.fromisoformat(row["closes_at"]),
        opened_by=row["opened_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        closed_at=_dt(row["closed_at"]),
        result=tuple(json.loads(row["result"])) if row["result"] else None,
        counted=row["counted"],
        ignored=row["ignored"],
        telegram_total=row["telegram_total"],
        follow_up=row["follow_up"],
    )


class CivicQueries(TxBase):
    """Nominations, awards, deliberations and their votes."""

    # --- residents by @username --------------------------------------------------------

    # --- nominations -------------------------------------------------------------------

    async def add_nomination(
        self, period: str, building: str, user_id: int, nominated_by: int, now: datetime
    ) -> int | None:
        """A draft nomination; None when this nominator already named this neighbour in
        this period (a draft abandoned earlier is started again)."""
        await self._db.execute(
            """DELETE FROM nominations WHERE nominated_by = ? AND user_id = ? AND period = ?
               AND status = 'draft'""",
            (nominated_by, user_id, period),
        )
        rows = await self._all(
            """INSERT INTO nominations (period, building, user_id, nominated_by, status,
                                        created_at)
               VALUES (?, ?, ?, ?, 'draft', ?)
               ON CONFLICT (nominated_by, user_id, period) DO NOTHING RETURNING id""",
            (period, building, user_id, nominated_by, _ts(now)),
        )
        return int(rows[0]["id"]) if rows else None

    async def nomination(self, nomination_id: int) -> Nomination | None:
        row = await self._one("SELECT * FROM nominations WHERE id = ?", (nomination_id,))
        return _nomination(row) if row else None

    async def draft_of(self, nominated_by: int, since: datetime) -> Nomination | None:
        """The nomination this resident is writing the reason for, if begun after `since`."""
        row = await self._one(
            """SELECT * FROM nominations WHERE nominated_by = ? AND status = 'draft'
               AND created_at >= ? ORDER BY id DESC LIMIT 1""",
            (nominated_by, _ts(since)),
        )
        return _nomination(row) if row else None

    async def drop_drafts(self, nominated_by: int) -> int:
        cur = await self._db.execute(
            "DELETE FROM nominations WHERE nominated_by = ? AND status = 'draft'", (nominated_by,)
        )
        return cur.rowcount

    async def submit_nomination(self, nomination_id: int, reason: str) -> bool:
        cur = await self._db.execute(
            """UPDATE nominations SET reason = ?, status = 'pending'
               WHERE id = ? AND status = 'draft'""",
            (reason, nomination_id),
        )
        return cur.rowcount == 1

    async def reveal_nominator(self, nomination_id: int) -> None:
        await self._db.execute("UPDATE nominations SET reveal = 1 WHERE id = ?", (nomination_id,))

    async def review_nomination(
        self, nomination_id: int, status: str, reviewed_by: int, now: datetime
    ) -> bool:
        """Accept or decline a pending nomination; False when someone already did."""
        cur = await self._db.execute(
            """UPDATE nominations SET status = ?, reviewed_by = ?, reviewed_at = ?
               WHERE id = ? AND status = 'pending'""",
            (status, reviewed_by, _ts(now), nomination_id),
        )
        return cur.rowcount == 1

    async def nomination_count(self, building: str, period: str, user_id: int) -> int:
        """Submitted nominations of one neighbour in one period (drafts are not counted)."""
        row = await self._one(
            """SELECT COUNT(*) AS n FROM nominations WHERE building = ? AND period = ?
               AND user_id = ? AND status <> 'draft'""",
            (building, period, user_id),
        )
        return int(row["n"]) if row else 0

    async def nominations_by(self, nominated_by: int, period: str) -> int:
        """How many neighbours one resident has nominated in a period (drafts included)."""
        row = await self._one(
            "SELECT COUNT(*) AS n FROM nominations WHERE nominated_by = ? AND period = ?",
            (nominated_by, period),
        )
        return int(row["n"]) if row else 0

    async def nominations_in(self, buildings: Sequence[str], limit: int = 30) -> list[Nomination]:
        """Submitted nominations of these buildings, newest first (a captain's review list)."""
        if not buildings:
            return []
        rows = await self._all(
            f"""SELECT * FROM nominations WHERE building IN ({_marks(buildings)})
                AND status <> 'draft' ORDER BY id DESC LIMIT ?""",
            (*buildings, limit),
        )
        return [_nomination(r) for r in rows]

    # --- awards ------------------------------------------------------------------------

    async def add_award(
        self,
        period: str,
        building: str,
        user_id: int,
        name: str,
        citation: str,
        accepted_by: int,
        now: datetime,
    ) -> int | None:
        """The neighbour's award for the period; None when they already have one."""
        rows = await self._all(
            """INSERT INTO awards (period, building, user_id, name, citation, consent,
                                   accepted_by, created_at)
               VALUES (?, ?, ?, ?, ?, 'asked', ?, ?)
               ON CONFLICT (period, building, user_id) DO NOTHING RETURNING id""",
            (period, building, user_id, name, citation, accepted_by, _ts(now)),
        )
        return int(rows[0]["id"]) if rows else None

    async def award(self, award_id: int) -> Award | None:
        row = await self._one("SELECT * FROM awards WHERE id = ?", (award_id,))
        return _award(row) if row else None

    async def answer_award(self, award_id: int, consent: str, now: datetime) -> bool:
        """The nominee's yes or no, once (a second press changes nothing)."""
        cur = await self._db.execute(
            """UPDATE awards SET consent = ?, answered_at = ?
               WHERE id = ? AND consent = 'asked'""",
            (consent, _ts(now), award_id),
        )
        return cur.rowcount == 1

    async def awards_of(self, buildings: Sequence[str], periods: Sequence[str]) -> list[Award]:
        if not buildings or not periods:
            return []
        rows = await self._all(
            f"""SELECT * FROM awards WHERE building IN ({_marks(buildings)})
                AND period IN ({_marks(periods)}) ORDER BY period, id""",
            (*buildings, *periods),
        )
        return [_award(r) for r in rows]

    async def mark_announced(self, award_ids: Sequence[int], now: datetime) -> None:
        if award_ids:
            await self._db.execute(
                f"UPDATE awards SET announced_at = ? WHERE id IN ({_marks(award_ids)})",
                (_ts(now), *award_ids),
            )

    async def announced_awards(self, buildings: Sequence[str], limit: int = 30) -> list[Award]:
        """Past results as posted (only neighbours who agreed), newest first."""
        if not buildings:
            return []
        rows = await self._all(
            f"""SELECT * FROM awards WHERE building IN ({_marks(buildings)})
                AND announced_at IS NOT NULL ORDER BY period DESC, id LIMIT ?""",
            (*buildings, limit),
        )
        return [_award(r) for r in rows]

    # --- deliberations -----------------------------------------------------------------

    async def add_deliberation(
        self,
        building: str,
        chat_id: int,
        question: str,
        options: Sequence[str],
        anonymous: bool,
        closes_at: datetime,
        opened_by: int,
        now: datetime,
    ) -> int:
        rows = await self._all(
            """INSERT INTO deliberations (building, chat_id, question, options, anonymous,
                                          status, closes_at, opened_by, created_at)
               VALUES (?, ?, ?, ?, ?, 'opening', ?, ?, ?) RETURNING id""",
            (
                building,
                chat_id,
                question,
                json.dumps(list(options), ensure_ascii=False),
                int(anonymous),
                _ts(closes_at),
                opened_by,
                _ts(now),
            ),
        )
        return int(rows[0]["id"])

    async def deliberation_posted(
        self, deliberation_id: int, poll_id: str | None, message_id: int
    ) -> None:
        """The poll (or the secret ballot's post) is in the group: votes may come."""
        await self._db.execute(
            """UPDATE deliberations SET status = 'open', poll_id = ?, message_id = ?
               WHERE id = ? AND status = 'opening'""",
            (poll_id, message_id, deliberation_id),
        )

    async def deliberation_failed(self, deliberation_id: int) -> None:
        await self._db.execute(
            "UPDATE deliberations SET status = 'failed' WHERE id = ? AND status = 'opening'",
            (deliberation_id,),
        )

    async def deliberation(self, deliberation_id: int) -> Deliberation | None:
        row = await self._one("SELECT * FROM deliberations WHERE id = ?", (deliberation_id,))
        return _deliberation(row) if row else None

    async def deliberation_by_poll(self, poll_id: str) -> Deliberation | None:
        row = await self._one("SELECT * FROM deliberations WHERE poll_id = ?", (poll_id,))
        return _deliberation(row) if row else None

    async def record_vote(
        self,
        deliberation_id: int,
        user_id: int,
        options: Sequence[int],
        counts: bool,
        via: str,
        now: datetime,
    ) -> None:
        """A resident's latest choice (an empty choice takes the vote back)."""
        if not options:
            await self._db.execute(
                "DELETE FROM deliberation_votes WHERE deliberation_id = ? AND user_id = ?",
                (deliberation_id, user_id),
            )
            return
        await self._db.execute(
            """INSERT INTO deliberation_votes (deliberation_id, user_id, options, counts, via,
                                               voted_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (deliberation_id, user_id) DO UPDATE SET
                   options = excluded.options, counts = excluded.counts, via = excluded.via,
                   voted_at = excluded.voted_at""",
            (deliberation_id, user_id, json.dumps(list(options)), int(counts), via, _ts(now)),
        )

    async def votes(self, deliberation_id: int) -> list[StoredVote]:
        rows = await self._all(
            """SELECT user_id, options, counts, via FROM deliberation_votes
               WHERE deliberation_id = ? ORDER BY user_id""",
            (deliberation_id,),
        )
        return [
            StoredVote(r["user_id"], tuple(json.loads(r["options"])), bool(r["counts"]), r["via"])
            for r in rows
        ]

    async def note_telegram_total(self, poll_id: str, total: int) -> None:
        """What Telegram's own poll shows (everyone who voted in it, residents or not)."""
        await self._db.execute(
            "UPDATE deliberations SET telegram_total = ? WHERE poll_id = ?", (total, poll_id)
        )

    async def due_deliberations(self, now: datetime) -> list[Deliberation]:
        rows = await self._all(
            """SELECT * FROM deliberations WHERE status = 'open' AND closes_at <= ?
               ORDER BY closes_at, id""",
            (_ts(now),),
        )
        return [_deliberation(r) for r in rows]

    async def stale_openings(self, before: datetime) -> int:
        """Polls whose sending never finished (a crash between sending and recording)."""
        cur = await self._db.execute(
            """UPDATE deliberations SET status = 'failed'
               WHERE status = 'opening' AND created_at < ?""",
            (_ts(before),),
        )
        return cur.rowcount

    async def close_deliberation(
        self,
        deliberation_id: int,
        totals: Sequence[int],
        counted: int,
        ignored: int,
        now: datetime,
        *,
        forget_voters: bool,
    ) -> bool:
        """Close once: False when it was closed already (a restart, another worker)."""
        cur = await self._db.execute(
            """UPDATE deliberations SET status = 'closed', closed_at = ?, result = ?,
                   counted = ?, ignored = ?
               WHERE id = ? AND status = 'open'""",
            (_ts(now), json.dumps(list(totals)), counted, ignored, deliberation_id),
        )
        if cur.rowcount != 1:
            return False
        if forget_voters:
            await self._db.execute(
                "DELETE FROM deliberation_votes WHERE deliberation_id = ?", (deliberation_id,)
            )
        return True

    async def deliberations_of(
        self, buildings: Sequence[str], limit: int = 15
    ) -> list[Deliberation]:
        if not buildings:
            return []
        rows = await self._all(
            f"""SELECT * FROM deliberations WHERE building IN ({_marks(buildings)})
                AND status IN ('open', 'closed') ORDER BY id DESC LIMIT ?""",
            (*buildings, limit),
        )
        return [_deliberation(r) for r in rows]

    async def set_follow_up(self, deliberation_id: int, text: str, by: int) -> None:
        await self._db.execute(
            "UPDATE deliberations SET follow_up = ?, follow_up_by = ? WHERE id = ?",
            (text, by, deliberation_id),
        )

    # --- retention -----------------------------------------------------------------------

    async def purge_civic(self, cutoff: datetime, draft_cutoff: datetime) -> dict[str, int]:
        """Nominations, awards and votes older than retention; drafts never finished."""
        old = _ts(cutoff)
        counts: dict[str, int] = {}
        cur = await self._db.execute(
            """DELETE FROM nominations WHERE (status = 'draft' AND created_at < ?)
               OR created_at < ?""",
            (_ts(draft_cutoff), old),
        )
        counts["nominations"] = cur.rowcount
        cur = await self._db.execute("DELETE FROM awards WHERE created_at < ?", (old,))
        counts["awards"] = cur.rowcount
        cur = await self._db.execute(
            """DELETE FROM deliberation_votes WHERE deliberation_id IN
               (SELECT id FROM deliberations WHERE status = 'closed' AND closed_at < ?)""",
            (old,),
        )
        counts["deliberation_votes"] = cur.rowcount
        return counts


__all__ = ["Award", "CivicQueries", "Deliberation", "Nomination", "StoredVote"]
