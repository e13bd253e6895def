"""Repository queries of fair allocation: entry extras, lines, watched hand-overs, no-shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.driver import Row
from storage.ledger_store import _entry, _match, scope_sql
from storage.records import Entry, Match
from storage.tx_base import TxBase
from storage.tx_base import dt as _dt
from storage.tx_base import ts as _ts


@dataclass(frozen=True)
class EntryExtras:
    """An entry's photo and allocation rule (first_come when none was recorded)."""

    photo: str | None = None
    allocation: str = "first_come"
    window_ends_at: datetime | None = None
    window_closed_at: datetime | None = None

    def window_open(self, now: datetime) -> bool:
        """Requests still collect (giver_chooses / lottery before the window's end)."""
        return (
            self.window_ends_at is not None
            and self.window_closed_at is None
            and now < self.window_ends_at
        )


@dataclass(frozen=True)
class NoShowCount:
    user_id: int
    first_name: str
    building: str | None
    count: int


class AllocationQueries(TxBase):
    """Entry extras, offer lines, hand-overs being watched, and no-show counts."""

    # --- entry extras -------------------------------------------------------------------

    async def set_entry_extras(
        self,
        entry_id: int,
        *,
        photo: str | None,
        allocation: str,
        window_ends_at: datetime | None,
    ) -> None:
        await self._db.execute(
            """INSERT INTO entry_extras (entry_id, photo, allocation, window_ends_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (entry_id) DO UPDATE SET photo = excluded.photo,
                   allocation = excluded.allocation, window_ends_at = excluded.window_ends_at""",
            (entry_id, photo, allocation, _ts(window_ends_at) if window_ends_at else None),
        )

    async def entry_extras(self, entry_id: int) -> EntryExtras:
        row = await self._one("SELECT * FROM entry_extras WHERE entry_id = ?", (entry_id,))
        return EntryExtras() if row is None else _extras(row)

    async def candidate_offers(
        self,
        key: str,
        *,
        building: str | None,
        community: str | None,
        exclude_user: int,
        exclude_offers: Iterable[int] = (),
        limit: int = 5,
    ) -> list[tuple[Entry, EntryExtras]]:
        """Open offers that satisfy `key` in scope, with something left, oldest first, each
        with its allocation rule (read with it: the matcher needs both, in one round trip)."""
        scope_where, scope = scope_sql(building, community)
        excluded = list(exclude_offers)
        rows = await self._all(
            f"""SELECT e.*, x.entry_id AS x_entry_id, x.photo AS x_photo,
                       x.allocation AS x_allocation, x.window_ends_at AS x_window_ends_at,
                       x.window_closed_at AS x_window_closed_at
                FROM entry_keys k JOIN entries e ON e.id = k.entry_id
                LEFT JOIN entry_extras x ON x.entry_id = e.id
                WHERE k.kind = 'offer' AND k.key = ? AND {scope_where}
                  AND e.user_id != ? AND e.status = 'available' AND e.remaining > e.held
                  {"AND e.id NOT IN (" + ",".join("?" * len(excluded)) + ")" if excluded else ""}
                ORDER BY e.id LIMIT ?""",
            (key, scope, exclude_user, *excluded, limit),
        )
        return [
            (_entry(r), EntryExtras() if r["x_entry_id"] is None else _extras(r, prefix="x_"))
            for r in rows
        ]

    async def offers_with_window_over(self, now: datetime) -> list[Entry]:
        """Open offers whose waiting window ended and was not closed yet."""
        rows = await self._all(
            """SELECT e.* FROM entry_extras x JOIN entries e ON e.id = x.entry_id
               WHERE x.window_closed_at IS NULL AND x.window_ends_at IS NOT NULL
                 AND x.window_ends_at <= ? AND e.status IN ('available', 'reserved')
               ORDER BY x.window_ends_at, e.id""",
            (_ts(now),),
        )
        return [_entry(r) for r in rows]

    async def close_window(self, offer_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE entry_extras SET window_closed_at = ? WHERE entry_id = ?",
            (_ts(now), offer_id),
        )

    # --- the line for one offer ---------------------------------------------------------

    async def join_line(self, offer_id: int, request_id: int, now: datetime) -> bool:
        """Put a request in an offer's line; False if it was there already."""
        cur = await self._db.execute(
            """INSERT INTO offer_line (offer_id, request_id, joined_at) VALUES (?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (offer_id, request_id, _ts(now)),
        )
        return cur.rowcount == 1

    async def line_of(self, offer_id: int) -> list[Entry]:
        """Requests in an offer's line still waiting: open, not being served, never tried
        (unsuccessfully) with this offer; in the order they joined."""
        rows = await self._all(
            """SELECT e.* FROM offer_line l JOIN entries e ON e.id = l.request_id
               WHERE l.offer_id = ? AND e.status = 'open'
                 AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.request_id = e.id
                                 AND m.status IN ('asked', 'accepted'))
                 AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.request_id = e.id
                                 AND m.offer_id = l.offer_id AND m.status != 'handed_over')
               ORDER BY l.joined_at, e.id""",
            (offer_id,),
        )
        return [_entry(r) for r in rows]

    async def requests_tried_for(self, offer_id: int) -> set[int]:
        """Requests this offer's giver was asked about and that did not end in a hand-over
        (declined, no-show, timed out, cancelled): never offered this item again."""
        rows = await self._all(
            """SELECT DISTINCT request_id FROM matches
               WHERE offer_id = ? AND status != 'handed_over'""",
            (offer_id,),
        )
        return {r["request_id"] for r in rows}

    # --- agreed hand-overs being watched ------------------------------------------------

    async def watch_match(self, match_id: int, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO match_watch (match_id, accepted_at) VALUES (?, ?)
               ON CONFLICT (match_id) DO UPDATE SET accepted_at = excluded.accepted_at,
                   checked_at = NULL""",
            (match_id, _ts(now)),
        )

    async def matches_to_check(self, accepted_before: datetime) -> list[Match]:
        """Agreed hand-overs older than `accepted_before` nobody was asked about yet."""
        rows = await self._all(
            """SELECT m.* FROM match_watch w JOIN matches m ON m.id = w.match_id
               WHERE m.status = 'accepted' AND w.checked_at IS NULL AND w.accepted_at <= ?
               ORDER BY w.accepted_at, m.id""",
            (_ts(accepted_before),),
        )
        return [_match(r) for r in rows]

    async def mark_checked(self, match_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE match_watch SET checked_at = ? WHERE match_id = ?", (_ts(now), match_id)
        )

    async def matches_to_release(self, checked_before: datetime) -> list[Match]:
        """Agreed hand-overs asked about before `checked_before` and still not confirmed."""
        rows = await self._all(
            """SELECT m.* FROM match_watch w JOIN matches m ON m.id = w.match_id
               WHERE m.status = 'accepted' AND w.checked_at IS NOT NULL AND w.checked_at <= ?
               ORDER BY w.checked_at, m.id""",
            (_ts(checked_before),),
        )
        return [_match(r) for r in rows]

    # --- no-shows -----------------------------------------------------------------------

    async def add_no_show(
        self, match_id: int, user_id: int, building: str | None, reported_by: int, now: datetime
    ) -> None:
        await self._db.execute(
            """INSERT INTO no_shows (match_id, user_id, building, reported_by, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (match_id, user_id, building, reported_by, _ts(now)),
        )

    async def no_show_counts(self, buildings: list[str], *, at_least: int = 1) -> list[NoShowCount]:
        """Residents of `buildings` reported as no-shows, most often first."""
        if not buildings:
            return []
        marks = ",".join("?" * len(buildings))
        rows = await self._all(
            f"""SELECT n.user_id, COALESCE(u.first_name, '') AS first_name,
                       MAX(n.building) AS building, COUNT(*) AS n
                FROM no_shows n LEFT JOIN users u ON u.user_id = n.user_id
                WHERE n.building IN ({marks})
                GROUP BY n.user_id, u.first_name HAVING COUNT(*) >= ?
                ORDER BY n DESC, n.user_id""",
            (*buildings, at_least),
        )
        return [NoShowCount(r["user_id"], r["first_name"], r["building"], r["n"]) for r in rows]


def _extras(row: Row, prefix: str = "") -> EntryExtras:
    return EntryExtras(
        photo=row[f"{prefix}photo"],
        allocation=row[f"{prefix}allocation"],
        window_ends_at=_dt(row[f"{prefix}window_ends_at"]),
        window_closed_at=_dt(row[f"{prefix}window_closed_at"]),
    )
